/**
 * The evaluator's sub-expression cache must be invisible: a batch gives bit-identical values to each
 * expression evaluated alone, to evaluation with the cache off, and to the batch in another order; and
 * parse(print(e)) evaluates exactly like e (the printer round-trips). Random expressions of both
 * dialects plus Alpha158, on a small synthetic market with a membership mask.
 */
import { describe, expect, it } from "vitest";
import type { Dialect, Expr } from "../../factors/ast.ts";
import { evaluateFactors } from "../../factors/evaluate.ts";
import { parseExpr } from "../../factors/parser.ts";
import { printExpr } from "../../factors/printer.ts";
import { generateSyntheticMarket } from "../../src/data/synthetic/market.ts";
import { randomExprs } from "../factors/language/gen.ts";
import { alpha158, withRandomMembership } from "./perturb.ts";

const panel = withRandomMembership(generateSyntheticMarket({ seed: 23, instruments: 30, days: 200 }).panel, 8);
const FIELDS = ["open", "high", "low", "close", "volume", "vwap"];

/** First cell where two arrays differ (Object.is), or undefined. */
function firstDiff(a: Float64Array, b: Float64Array): string | undefined {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let c = 0; c < a.length; c++) {
    if (!Object.is(a[c], b[c])) {
      const i = Math.floor(c / panel.nDates);
      return `${panel.instruments[i]} ${panel.dates[c % panel.nDates]}: ${a[c]} vs ${b[c]}`;
    }
  }
  return undefined;
}

function compare(exprs: readonly Expr[], a: readonly Float64Array[], b: readonly Float64Array[]): string[] {
  const bad: string[] = [];
  exprs.forEach((e, k) => {
    const d = firstDiff(a[k]!, b[k]!);
    if (d !== undefined) bad.push(`${printExpr(e)}: ${d}`);
  });
  return bad;
}

/**
 * Batches with plenty of shared sub-expressions: random trees, each also combined with a sibling
 * (`e1 + -e1`, `e1 ? e2 : -e2`, …) so a cached value is needed again after another use.
 */
function batch(seed: number, dialect: Dialect, n: number): Expr[] {
  const base = randomExprs(seed, dialect, n, { fields: FIELDS, maxDepth: 3, exoticParams: true });
  const neg = (e: Expr): Expr => ({ kind: "unary", op: "-", arg: e, pos: 0 });
  const bin = (op: "+" | "*" | "-", l: Expr, r: Expr): Expr => ({ kind: "binary", op, left: l, right: r, pos: 0 });
  const combos: Expr[] = [];
  for (let k = 0; k + 1 < base.length; k += 4) {
    const [x, y] = [base[k]!, base[k + 1]!];
    combos.push(bin("+", x, neg(x)), { kind: "cond", cond: x, then: y, else: neg(y), pos: 0 }, bin("*", bin("-", x, y), bin("-", y, x)));
  }
  return [...base, ...combos];
}

const SETS: [string, Dialect, () => Expr[]][] = [
  ["quanta, random", "quanta", () => batch(404, "quanta", 120)],
  ["qlib, random", "qlib", () => batch(505, "qlib", 100)],
  ["qlib, Alpha158", "qlib", () => alpha158().map((a) => parseExpr(a.text, "qlib"))],
];

describe.each(SETS)("evaluator consistency: %s", (_name, dialect, make) => {
  const exprs = make();
  const batched = evaluateFactors(panel, exprs, dialect);

  it("a batch equals each expression evaluated alone", () => {
    const alone = exprs.map((e) => evaluateFactors(panel, [e], dialect)[0]!);
    expect(compare(exprs, batched, alone)).toEqual([]);
  });

  it("the cache changes nothing (cache off gives the same bits)", () => {
    expect(compare(exprs, batched, evaluateFactors(panel, exprs, dialect, { cache: false }))).toEqual([]);
  });

  it("the batch order changes nothing", () => {
    const order = exprs.map((_, k) => k).reverse();
    const reversed = evaluateFactors(panel, order.map((k) => exprs[k]!), dialect);
    const back = order.map((_, k) => reversed[order.indexOf(k)]!);
    expect(compare(exprs, batched, back)).toEqual([]);
  });

  it("parse(print(e)) prints the same and evaluates identically", () => {
    const reparsed = exprs.map((e) => parseExpr(printExpr(e), dialect));
    expect(reparsed.map((e) => printExpr(e))).toEqual(exprs.map((e) => printExpr(e)));
    expect(compare(exprs, batched, evaluateFactors(panel, reparsed, dialect))).toEqual([]);
  });
});

describe("regression: a cached sub-expression is not overwritten by a later in-place operator", () => {
  it.each([
    ["RANK($volume) + -RANK($volume)", 0],
    ["RANK($volume) - (-RANK($volume)) - 2 * RANK($volume)", 0],
    ["($close > 0) ? RANK($volume) - RANK($volume) : 1", 0],
  ])("%s", (text, expected) => {
    const rank = evaluateFactors(panel, [parseExpr("RANK($volume)", "quanta")], "quanta")[0]!;
    const v = evaluateFactors(panel, [parseExpr(text, "quanta")], "quanta")[0]!;
    const cells = [...rank.keys()].filter((c) => Number.isFinite(rank[c]!));
    expect(cells.length).toBeGreaterThan(1000);
    expect(cells.filter((c) => Math.abs(v[c]! - expected) > 1e-12).length).toBe(0);
  });
});
