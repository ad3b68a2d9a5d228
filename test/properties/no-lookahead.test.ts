/**
 * No look-ahead (DESIGN §3): a factor's value at date t may depend only on data at dates ≤ t. For many
 * random quanta- and qlib-dialect expressions and every Alpha158 line, on a small synthetic market
 * (with and without a universe membership mask, so cross-sectional operators are checked too), all
 * data after a random date t is altered (see perturb.ts) and every value at dates ≤ t must stay
 * bit-identical. Spans at dates ≤ t are kept as they were: the property is about time, not membership.
 */
import { describe, expect, it } from "vitest";
import type { Dialect, Expr } from "../../factors/ast.ts";
import { evaluateFactors } from "../../factors/evaluate.ts";
import { parseExpr } from "../../factors/parser.ts";
import { printExpr } from "../../factors/printer.ts";
import type { Panel } from "../../factors/panel.ts";
import { generateSyntheticMarket } from "../../src/data/synthetic/market.ts";
import { randomExprs } from "../factors/language/gen.ts";
import { alpha158, alterAfter, differencesUpTo, withRandomMembership } from "./perturb.ts";

const market = generateSyntheticMarket({ seed: 11, instruments: 30, days: 200 });
const FIELDS = ["open", "high", "low", "close", "volume", "vwap", "return"];

/** Hand-picked cross-sectional and long-memory cases on top of the random ones. */
const QUANTA_EXTRA = [
  "RANK($close)",
  "ZSCORE(TS_MEAN($return, 10))",
  "SCALE($volume, 2)",
  "MEAN($close) - MEDIAN($close)",
  "STD($return) + SKEW($return) + KURT($volume) + MAX($high) - MIN($low)",
  "RANK(TS_RANK($volume, 20)) * ZSCORE(DELTA($close, 5))",
  "EMA($close, 30) - SMA($close, 20, 3) + MACD($close, 12, 26) + RSI($close, 14)",
  "REGRESI($close, SEQUENCE(30), 30) + REGBETA($close, $volume, 20)",
  "TS_ARGMAX($high, 30) - HIGHDAY($high, 30) + LOWDAY($low, 25)",
  "SUMIF($return, 20, $return > 0) / COUNT($return > 0, 20)",
  "PROD(1 + $return, 10) - 1",
  "DECAYLINEAR(RANK($volume), 15) + WMA($close, 12) + BB_UPPER($close, 20) - BB_LOWER($close, 20)",
  "TS_SKEW($return, 20) + TS_KURT($return, 20) + TS_MAD($close, 15) + TS_QUANTILE($close, 20, 0.3)",
];

function check(panel: Panel, exprs: readonly Expr[], dialect: Dialect, trials: readonly number[]): void {
  const base = evaluateFactors(panel, exprs, dialect);
  for (const seed of trials) {
    const t = 10 + ((seed * 7919) % (panel.nDates - 30));
    const alt = alterAfter(panel, t, seed);
    const again = evaluateFactors(alt.panel, exprs, dialect);
    const leaks: string[] = [];
    exprs.forEach((e, k) => {
      const d = differencesUpTo(panel, base[k]!, alt, again[k]!, t);
      if (d.length > 0) leaks.push(`${printExpr(e)}: ${d.join("; ")}`);
    });
    expect(leaks, `data altered after ${alt.summary}`).toEqual([]);
  }
}

describe("no look-ahead: values at dates ≤ t ignore every change after t", () => {
  it("quanta dialect: 160 random expressions + cross-sectional cases", () => {
    const exprs = [...randomExprs(101, "quanta", 160, { fields: FIELDS, maxDepth: 4 }), ...QUANTA_EXTRA.map((s) => parseExpr(s, "quanta"))];
    check(market.panel, exprs, "quanta", [1, 2]);
  });

  it("quanta dialect with a universe membership mask (cross-sections over members only)", () => {
    const exprs = [...randomExprs(202, "quanta", 80, { fields: FIELDS, maxDepth: 3 }), ...QUANTA_EXTRA.map((s) => parseExpr(s, "quanta"))];
    check(withRandomMembership(market.panel, 5), exprs, "quanta", [4, 5]);
  });

  it("qlib dialect: every Alpha158 line", () => {
    check(market.panel, alpha158().map((a) => parseExpr(a.text, "qlib")), "qlib", [6, 7]);
  });

  it("qlib dialect: 120 random expressions (N = 0 expanding windows, EWM alphas, Ref(x, 0))", () => {
    check(market.panel, randomExprs(303, "qlib", 120, { fields: FIELDS.filter((f) => f !== "return"), maxDepth: 4 }), "qlib", [8, 9]);
  });

  it("the alteration really changes later values (else the property would be vacuous)", () => {
    const exprs = ["TS_MEAN($close, 5)", "RANK($volume)"].map((s) => parseExpr(s, "quanta"));
    const t = 100;
    const alt = alterAfter(market.panel, t, 9);
    const [a, b] = [evaluateFactors(market.panel, exprs, "quanta"), evaluateFactors(alt.panel, exprs, "quanta")];
    for (let k = 0; k < exprs.length; k++) {
      expect(differencesUpTo(market.panel, a[k]!, alt, b[k]!, t)).toEqual([]);
      expect(differencesUpTo(market.panel, a[k]!, alt, b[k]!, t + 20).length).toBeGreaterThan(0);
    }
    // and a factor that does look ahead is caught by the same comparison
    const future = parseExpr("DELAY($close, -1)", "quanta", { allowFuture: true });
    const [fa, fb] = [
      evaluateFactors(market.panel, [future], "quanta", { allowFuture: true }),
      evaluateFactors(alt.panel, [future], "quanta", { allowFuture: true }),
    ];
    expect(differencesUpTo(market.panel, fa[0]!, alt, fb[0]!, t).length).toBeGreaterThan(0);
  });
});
