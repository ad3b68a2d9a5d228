import { describe, expect, it } from "vitest";
import type { Dialect, Expr } from "../../../factors/ast.ts";
import { children } from "../../../factors/ast.ts";
import { QuantaError } from "../../../factors/errors.ts";
import { literalValue, parseExpr } from "../../../factors/parser.ts";
import { lookupOp } from "../../../factors/registry.ts";
import { printExpr } from "../../../factors/printer.ts";
import { validateExpr } from "../../../factors/validate.ts";
import { heightOf, randomExprs } from "./gen.ts";

function callsOf(e: Expr, out = new Set<string>()): Set<string> {
  if (e.kind === "call") out.add(e.op);
  for (const c of children(e)) callsOf(c, out);
  return out;
}

describe("random expression generator", () => {
  it.each<Dialect>(["quanta", "qlib"])("makes only valid %s trees, covering every operator", (dialect) => {
    const seen = new Set<string>();
    for (const e of randomExprs(1, dialect, 1500, { maxDepth: 3 })) {
      expect(() => validateExpr(e, dialect, printExpr(e)), printExpr(e)).not.toThrow();
      expect(heightOf(e)).toBeLessThanOrEqual(3 + 2); // + a SEQUENCE argument or a unary minus on a leaf
      callsOf(e, seen);
    }
    expect(seen.size).toBeGreaterThan(dialect === "quanta" ? 70 : 42);
  });

  it("is deterministic per seed and honours ops, fields and syntax options", () => {
    const a = randomExprs(9, "quanta", 50).map((e) => printExpr(e));
    expect(randomExprs(9, "quanta", 50).map((e) => printExpr(e))).toEqual(a);
    expect(randomExprs(10, "quanta", 50).map((e) => printExpr(e))).not.toEqual(a);
    for (const e of randomExprs(3, "quanta", 200, { ops: ["RANK", "TS_MEAN"], fields: ["vwap"], syntax: false })) {
      const text = printExpr(e);
      expect([...callsOf(e)].every((op) => op === "RANK" || op === "TS_MEAN"), text).toBe(true);
      expect(text).not.toMatch(/\$(?!vwap)/);
      expect(text).not.toMatch(/[+*/<>=&|?!]/);
    }
  });

  it("exoticParams: false keeps qlib windows plain integers >= 1", () => {
    let windows = 0;
    const visit = (e: Expr): void => {
      if (e.kind === "call") {
        const spec = lookupOp("qlib", e.op);
        e.args.forEach((a, i) => {
          const kind = spec?.params[i];
          if (kind === "qwin" || kind === "qwin0" || kind === "qema") {
            windows++;
            expect(a).toMatchObject({ kind: "num", isInt: true });
            expect(literalValue(a)).toBeGreaterThanOrEqual(1);
          }
        });
      }
      children(e).forEach(visit);
    };
    randomExprs(4, "qlib", 300, { exoticParams: false }).forEach(visit);
    expect(windows).toBeGreaterThan(100);
  });
});

describe("dialect guard", () => {
  it("rejects an unknown dialect name as a user error", () => {
    expect(() => parseExpr("$a", "pandas" as Dialect)).toThrow(QuantaError);
  });
});
