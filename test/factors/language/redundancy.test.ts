import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Expr } from "../../../factors/ast.ts";
import { children } from "../../../factors/ast.ts";
import { parseExpr, parseSyntax } from "../../../factors/parser.ts";
import { largestCommonSubtree, SubtreeIndex } from "../../../factors/redundancy.ts";
import { randomExprs } from "./gen.ts";

const lcs = (a: string, b: string, crossDialect?: boolean): number =>
  largestCommonSubtree(parseSyntax(a), parseSyntax(b), crossDialect === undefined ? {} : { crossDialect });

describe("largestCommonSubtree", () => {
  it.each([
    ["TS_MEAN($close, 5)", "TS_MEAN($close, 5)", 3],
    ["$a + $b", "$b + $a", 3],
    ["$a * $b + $c * $d", "$d * $c + $b * $a", 7],
    ["TS_MEAN($close + $open, 5) / 2", "RANK(TS_MEAN($open + $close, 5))", 5],
    ["$a == $b && $c != 1", "1 != $c && $b == $a", 7],
    ["$a || $b", "$b || $a", 3],
    ["$a - $b", "$b - $a", 1],
    ["$a < $b", "$b < $a", 1],
    ["$a / $b", "$b / $a", 1],
    ["ADD($a, $b)", "$b + $a", 3],
    ["MULTIPLY($a, 2) > 1", "2 * $a > 1", 5],
    ["WHERE($a > 0, $b, $c)", "$a > 0 ? $b : $c", 6],
    ["Add($a, Mul($b, $c))", "$c * $b + $a", 5],
    ["TS_CORR($a, $b, 5)", "TS_CORR($b, $a, 5)", 1], // not in the commutative list
    ["TS_MEAN($close, 5)", "TS_MEAN($close, 5.0)", 3], // numbers compare by value
    ["TS_MEAN($close, 5)", "TS_MEAN($close, 6)", 1],
    ["$a", "$b", 0],
    ["-$a * 2", "2 * -$a", 4],
  ])("%s vs %s → %i", (a, b, want) => {
    expect(lcs(a, b)).toBe(want);
    expect(lcs(b, a)).toBe(want);
  });

  it("matches qlib names to their quanta counterparts unless told not to", () => {
    expect(lcs("Mean($close, 5) / $close", "TS_MEAN($close, 5)")).toBe(3);
    expect(lcs("Mean($close, 5) / $close", "TS_MEAN($close, 5)", false)).toBe(1);
    expect(lcs("Greater($a, $b) + Ref($c, 1)", "DELAY($c, 1) + MAX($b, $a)")).toBe(7);
    expect(lcs("If(Gt($a, 0), $b, 1)", "$a > 0 ? $b : 1", false)).toBe(6);
  });

  it("agrees with a brute-force pairwise comparison on random trees", () => {
    const opts = { maxDepth: 4, fields: ["a", "b"], ops: ["TS_MEAN", "RANK", "DELAY", "ABS"], leafProb: 0.35, maxWindow: 2 };
    const as = randomExprs(1, "quanta", 300, opts);
    const bs = randomExprs(2, "quanta", 300, opts);
    let nontrivial = 0;
    for (let i = 0; i < as.length; i++) {
      const a = as[i] as Expr;
      const b = bs[i] as Expr;
      const want = bruteLcs(a, b);
      expect(largestCommonSubtree(a, b)).toBe(want);
      if (want >= 3) nontrivial++;
    }
    expect(nontrivial).toBeGreaterThan(5);
  });
});

describe("SubtreeIndex", () => {
  const lines = readFileSync(fileURLToPath(new URL("../../../factors/zoo/alpha158.tsv", import.meta.url)), "utf8")
    .split("\n").filter((l) => l.trim()).map((l) => l.split("\t") as [string, string]);

  it("finds the zoo factor a candidate overlaps most, across dialects", () => {
    const zoo = new SubtreeIndex();
    for (const [name, text] of lines) zoo.add(parseExpr(text, "qlib"), name);
    expect(zoo.factorCount).toBe(158);
    const hit = zoo.maxOverlap(parseExpr("RANK(TS_STD($close, 20) / $close) * -1", "quanta"));
    expect(hit).toEqual({ size: 5, with: "STD20", subtree: "TS_STD($close,20)/$close" });
    const none = zoo.maxOverlap(parseExpr("RANK($amount)", "quanta"));
    expect(none).toEqual({ size: 0, with: "", subtree: "" });
  });

  it("reports a zero overlap on an empty zoo and finds self-overlap", () => {
    const zoo = new SubtreeIndex();
    const e = parseSyntax("TS_MEAN($close, 5) - $open");
    expect(zoo.maxOverlap(e).size).toBe(0);
    zoo.add(e, "mine");
    expect(zoo.maxOverlap(parseSyntax("$open - TS_MEAN($close, 5)"))).toEqual({ size: 3, with: "mine", subtree: "TS_MEAN($close,5)" });
    expect(zoo.maxOverlap(e)).toMatchObject({ size: 5, with: "mine" });
  });

  it("answers fast on a large zoo", () => {
    const zoo = new SubtreeIndex();
    randomExprs(7, "quanta", 3000, { maxDepth: 5 }).forEach((e, i) => zoo.add(e, `f${i}`));
    const queries = randomExprs(8, "quanta", 2000, { maxDepth: 5 });
    const t0 = performance.now();
    let total = 0;
    for (const q of queries) total += zoo.maxOverlap(q).size;
    const ms = performance.now() - t0;
    expect(total).toBeGreaterThan(2000);
    expect(ms).toBeLessThan(2000); // ~0.05 ms per query here; generous for a loaded machine
  });
});

// ---- independent brute force: recursive equality with either-order operands ----
const COMM = new Set(["+", "*", "==", "!=", "&&", "||"]);

function size(e: Expr): number {
  return 1 + children(e).reduce((s, c) => s + size(c), 0);
}

function same(a: Expr, b: Expr): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "num" && b.kind === "num") return a.value === b.value;
  if (a.kind === "field" && b.kind === "field") return a.name === b.name;
  if (a.kind === "unary" && b.kind === "unary") return a.op === b.op && same(a.arg, b.arg);
  if (a.kind === "call" && b.kind === "call") {
    return a.op === b.op && a.args.length === b.args.length && a.args.every((x, i) => same(x, b.args[i] as Expr));
  }
  if (a.kind === "binary" && b.kind === "binary") {
    if (a.op !== b.op) return false;
    return (same(a.left, b.left) && same(a.right, b.right)) || (COMM.has(a.op) && same(a.left, b.right) && same(a.right, b.left));
  }
  if (a.kind === "cond" && b.kind === "cond") return same(a.cond, b.cond) && same(a.then, b.then) && same(a.else, b.else);
  return false;
}

function subtrees(e: Expr, out: Expr[] = []): Expr[] {
  out.push(e);
  for (const c of children(e)) subtrees(c, out);
  return out;
}

function bruteLcs(a: Expr, b: Expr): number {
  const bs = subtrees(b);
  let best = 0;
  for (const x of subtrees(a)) if (size(x) > best && bs.some((y) => same(x, y))) best = size(x);
  return best;
}
