import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Dialect } from "../../../factors/ast.ts";
import { callCategory, lookupOp, operatorsOf, operatorTable } from "../../../factors/registry.ts";

const REF = fileURLToPath(new URL("../../../../shared/reference/factor_ref.py", import.meta.url));

interface RefOp {
  name: string;
  min: number;
  max: number;
  consts: Record<number, string>;
  kind: string;
}

/** The QLIB_OPS / QUANTA_OPS tables of the reference, read from its source. */
function referenceTable(src: string, table: "QLIB_OPS" | "QUANTA_OPS"): RefOp[] {
  const start = src.indexOf(`${table} = _specs([`);
  const end = src.indexOf("])", start);
  expect(start).toBeGreaterThan(0);
  const body = src.slice(start, end);
  const rows: RefOp[] = [];
  const re = /\("(\w+)", (\d+), (\d+)(?:, (\{[^}]*\}|None))?(?:, "([\w/]+)")?\)/g;
  for (const m of body.matchAll(re)) {
    const consts: Record<number, string> = {};
    for (const c of (m[4] ?? "").matchAll(/(\d+): "(\w+)"/g)) consts[Number(c[1])] = c[2] as string;
    rows.push({ name: m[1] as string, min: Number(m[2]), max: Number(m[3]), consts, kind: m[5] ?? "ts" });
  }
  return rows;
}

// The reference lives beside the project (../shared); compare against it when it is there.
const haveRef = existsSync(REF);
const src = haveRef ? readFileSync(REF, "utf8") : "";

describe.skipIf(!haveRef).each<[Dialect, "QLIB_OPS" | "QUANTA_OPS", number]>([
  ["qlib", "QLIB_OPS", 44],
  ["quanta", "QUANTA_OPS", 72],
])("%s registry vs the reference's %s", (dialect, table, count) => {
  const ref = haveRef ? referenceTable(src, table) : [];

  it("has exactly the reference's operators", () => {
    expect(ref.length).toBe(count); // the regex read the whole table
    expect(operatorsOf(dialect).map((s) => s.name).sort()).toEqual(ref.map((r) => r.name).sort());
  });

  it("has the same arity, literal parameters and category", () => {
    for (const r of ref) {
      const spec = lookupOp(dialect, r.name);
      expect(spec, r.name).toBeDefined();
      if (!spec) continue;
      expect([spec.minArgs, spec.maxArgs], r.name).toEqual([r.min, r.max]);
      expect({ ...spec.params }, r.name).toEqual(r.consts);
      expect(spec.dialect).toBe(dialect);
      if (r.kind === "cs/elem") {
        expect([callCategory(spec, 1), callCategory(spec, 2), callCategory(spec, 3)]).toEqual(["cs", "elem", "elem"]);
      } else if (r.kind === "ts") {
        expect(["ts", "tech", "reg"], r.name).toContain(spec.category);
      } else {
        expect(spec.category, r.name).toBe(r.kind);
      }
    }
  });

  it("documents every operator with a signature matching its arity", () => {
    for (const spec of operatorsOf(dialect)) {
      expect(spec.signature.startsWith(`${spec.name}(`)).toBe(true);
      const required = spec.signature.replace(/\[.*\]/, "").slice(spec.name.length + 1, -1).split(",").filter((s) => s.trim());
      expect(required.length, spec.signature).toBe(spec.minArgs);
      expect(spec.doc.length, spec.name).toBeGreaterThanOrEqual(5);
      if (spec.counterpart) expect(lookupOp(dialect === "qlib" ? "quanta" : "qlib", spec.counterpart), spec.name).toBeDefined();
    }
  });

  it("renders a prompt table with one row per operator plus the syntax rows", () => {
    const md = operatorTable(dialect).split("\n");
    expect(md[0]).toBe("| operator | group | meaning |");
    expect(md.length).toBe(2 + count + 4);
    for (const spec of operatorsOf(dialect)) expect(md.some((l) => l.startsWith(`| \`${spec.signature}\``)), spec.name).toBe(true);
  });
});

describe("registry details", () => {
  it("derives signatures with optional arguments", () => {
    expect(lookupOp("quanta", "TS_MEAN")?.signature).toBe("TS_MEAN(A, n)");
    expect(lookupOp("quanta", "SCALE")?.signature).toBe("SCALE(A[, a])");
    expect(lookupOp("quanta", "MAX")?.signature).toBe("MAX(A[, B[, C]])");
    expect(lookupOp("quanta", "PERCENTILE")?.params).toEqual({ 1: "q", 2: "win" });
    expect(lookupOp("qlib", "Quantile")?.signature).toBe("Quantile(x, N, qscore)");
  });

  it("is case-sensitive and per dialect", () => {
    expect(lookupOp("quanta", "ts_mean")).toBeUndefined();
    expect(lookupOp("quanta", "Mean")).toBeUndefined();
    expect(lookupOp("qlib", "Mean")?.category).toBe("ts");
    expect(lookupOp("qlib", "Slope")?.category).toBe("reg");
  });

  it("covers every qlib operator DESIGN.md lists", () => {
    const design = "Ref Mean Std Var Skew Kurt Max Min Med Mad Sum IdxMax IdxMin Quantile Rank Count Delta Slope Rsquare Resi WMA EMA Corr Cov Abs Sign Log Power Greater Less If Gt Ge Lt Le Eq Ne And Or Not";
    for (const name of design.split(" ")) expect(lookupOp("qlib", name), name).toBeDefined();
  });
});
