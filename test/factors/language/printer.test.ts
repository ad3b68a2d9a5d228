import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Dialect, Expr } from "../../../factors/ast.ts";
import { parseExpr, parseSyntax } from "../../../factors/parser.ts";
import { exprEquals, formatNumber, printExpr, structuralKey } from "../../../factors/printer.ts";
import { mulberry32, printNoisy, randomExprs } from "./gen.ts";

const ALPHA158 = fileURLToPath(new URL("../../../factors/zoo/alpha158.tsv", import.meta.url));

function roundTrips(e: Expr, dialect: Dialect): void {
  const text = printExpr(e);
  const back = parseExpr(text, dialect);
  expect(exprEquals(back, e), text).toBe(true);
  expect(printExpr(back)).toBe(text);
  const pretty = printExpr(e, { pretty: true });
  expect(exprEquals(parseExpr(pretty, dialect), e), pretty).toBe(true);
}

/** Offsets of grouping parentheses (not call parentheses) as [open, close] pairs. */
function groupingParens(text: string): [number, number][] {
  const stack: { pos: number; call: boolean }[] = [];
  const out: [number, number][] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "(") stack.push({ pos: i, call: i > 0 && /[A-Za-z0-9_]/.test(text[i - 1] as string) });
    else if (text[i] === ")") {
      const o = stack.pop();
      if (o && !o.call) out.push([o.pos, i]);
    }
  }
  return out;
}

describe("printExpr", () => {
  it("round-trips all of Alpha158 (qlib dialect)", () => {
    const lines = readFileSync(ALPHA158, "utf8").split("\n").filter((l) => l.trim());
    expect(lines.length).toBe(158);
    for (const line of lines) {
      const [name, text] = line.split("\t") as [string, string];
      const e = parseExpr(text, "qlib");
      roundTrips(e, "qlib");
      // the source spelling only differs by spaces
      expect(printExpr(e), name).toBe(text.replaceAll(" ", ""));
    }
  });

  it.each<Dialect>(["quanta", "qlib"])("round-trips 800 random %s expressions, plain, pretty and noisy", (dialect) => {
    const rng = mulberry32(99);
    for (const e of randomExprs(dialect === "quanta" ? 11 : 12, dialect, 800, { maxDepth: 5 })) {
      roundTrips(e, dialect);
      const noisy = printNoisy(e, rng);
      expect(printExpr(parseExpr(noisy, dialect)), noisy).toBe(printExpr(e));
    }
  });

  it("uses no redundant parentheses: dropping any pair changes the tree or breaks the parse", () => {
    let checked = 0;
    for (const e of randomExprs(5, "quanta", 1200, { maxDepth: 5, ops: ["TS_MEAN", "RANK", "MAX"] })) {
      const text = printExpr(e);
      for (const [o, c] of groupingParens(text)) {
        const stripped = text.slice(0, o) + text.slice(o + 1, c) + text.slice(c + 1);
        let same: boolean;
        try {
          same = exprEquals(parseSyntax(stripped), e);
        } catch {
          same = false;
        }
        expect(same, `${text} → ${stripped}`).toBe(false);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(200);
  });

  it.each([
    ["$a - ($b - $c)", "$a-($b-$c)"],
    ["($a - $b) - $c", "$a-$b-$c"],
    ["($a * $b) + ($c / $d)", "$a*$b+$c/$d"],
    ["-($a + 1)", "-($a+1)"],
    ["-(-5)", "--5"],
    ["($a > 1) && ($b < 2) | $c", "$a>1&&$b<2||$c"],
    ["($a ? $b : $c) + 1", "($a?$b:$c)+1"],
    ["($a ? $b : $c) ? 1 : 2", "($a?$b:$c)?1:2"],
    ["$a ? 1 : ($b ? 2 : 3)", "$a?1:$b?2:3"],
    ["!($a && $b)", "!($a&&$b)"],
    ["TS_MEAN( $close , 20 )", "TS_MEAN($close,20)"],
    ["1e-8 + .5 + 3. + 12 + 5.0 + 1E3", "1e-8+0.5+3.0+12+5.0+1000.0"],
  ])("%s → %s", (text, want) => {
    expect(printExpr(parseSyntax(text))).toBe(want);
  });

  it("pretty-prints with spaces", () => {
    expect(printExpr(parseSyntax("TS_MEAN($a,5)>=1?$a*2:-$b"), { pretty: true })).toBe("TS_MEAN($a, 5) >= 1 ? $a * 2 : -$b");
  });

  it("formats literals so they read back with the same value and integer-ness", () => {
    expect(formatNumber(5, true)).toBe("5");
    expect(formatNumber(5, false)).toBe("5.0");
    expect(formatNumber(1e21, true)).toBe("1000000000000000000000");
    expect(formatNumber(1e21, false)).toBe("1e+21");
    expect(formatNumber(0.1 + 0.2, false)).toBe("0.30000000000000004");
    for (const [v, isInt] of [[1e21, true], [1e21, false], [123456789012345680000, true], [2.5e-7, false], [0, true], [0, false]] as const) {
      const back = parseSyntax(formatNumber(v, isInt));
      expect(back).toMatchObject({ kind: "num", value: v, isInt });
    }
    expect(() => formatNumber(Number.NaN, false)).toThrow();
  });

  it("structuralKey is stable under printing and commutative reordering", () => {
    for (const e of randomExprs(3, "quanta", 300)) {
      expect(structuralKey(parseSyntax(printExpr(e)))).toBe(structuralKey(e));
    }
    expect(structuralKey(parseSyntax("$a*2+RANK($b)"))).toBe(structuralKey(parseSyntax("RANK($b)+2*$a")));
  });
});
