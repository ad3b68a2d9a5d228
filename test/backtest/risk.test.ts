import { describe, expect, it } from "vitest";
import { annualBreakdown, drawdownSeries, riskMetrics, summarizeBacktest, QLIB_TRADING_DAYS } from "../../backtest/risk.ts";
import { equalWeightBenchmark, indexBenchmark } from "../../backtest/benchmark.ts";
import type { TopkResult } from "../../backtest/topk.ts";
import { makePanel } from "./helpers.ts";

describe("risk metrics (qlib risk_analysis, sum mode)", () => {
  const r = [0.01, -0.02, 0.03, -0.01, 0.005];
  it("ARR, IR, MDD on the cumulative sum, Calmar, win rate", () => {
    const m = riskMetrics(r);
    const mean = 0.003;
    const std = Math.sqrt(r.reduce((a, v) => a + (v - mean) ** 2, 0) / 4);
    expect(m.mean).toBeCloseTo(mean, 15);
    expect(m.std).toBeCloseTo(std, 15);
    expect(m.arr).toBeCloseTo(mean * 252, 12);
    expect(m.ir).toBeCloseTo((mean / std) * Math.sqrt(252), 12);
    // cumsum 0.01, −0.01, 0.02, 0.01, 0.015; running max 0.01, 0.01, 0.02, 0.02, 0.02 → MDD −0.02
    expect(m.mdd).toBeCloseTo(-0.02, 15);
    expect(m.calmar).toBeCloseTo((mean * 252) / 0.02, 10);
    expect(m.winRate).toBeCloseTo(0.6, 15);
    expect(riskMetrics(r, QLIB_TRADING_DAYS).arr).toBeCloseTo(mean * 238, 12);
    expect([...drawdownSeries(r)].map((v) => +v.toFixed(10))).toEqual([0, -0.02, 0, -0.01, -0.005]);
  });

  it("skips non-finite days; a rising series has no drawdown (Calmar NaN)", () => {
    const m = riskMetrics([0.01, NaN, 0.02]);
    expect(m.days).toBe(2);
    expect(m.mdd).toBe(0);
    expect(Number.isNaN(m.calmar)).toBe(true);
    expect(Number.isNaN(riskMetrics([]).arr)).toBe(true);
  });
});

describe("benchmarks and the annual breakdown", () => {
  const dates = ["2015-12-30", "2015-12-31", "2016-01-04", "2016-01-05"];
  const p = makePanel(dates, ["A", "B"], {
    close: [
      [10, 20],
      [11, 20],
      [11, NaN],
      [12.1, 22],
    ],
  });

  it("equal-weight benchmark: mean of the available close-to-close returns", () => {
    const b = equalWeightBenchmark(p);
    expect(Number.isNaN(b[0]!)).toBe(true);
    expect(b[1]!).toBeCloseTo(0.05, 15);
    expect(b[2]!).toBeCloseTo(0, 15);
    expect(b[3]!).toBeCloseTo(0.1, 15); // B's previous close is missing
  });

  it("index benchmark: returns on the index's own calendar, aligned by date", () => {
    const b = indexBenchmark(p, ["2015-12-29", "2015-12-31", "2016-01-05"], [100, 102, 103.02]);
    expect(Number.isNaN(b[0]!)).toBe(true);
    expect(b[1]!).toBeCloseTo(0.02, 15);
    expect(Number.isNaN(b[2]!)).toBe(true);
    expect(b[3]!).toBeCloseTo(0.01, 15);
  });

  it("per-year IC and excess return", () => {
    const fake = {
      from: 0,
      ret: Float64Array.from([0, 0.01, 0.02, -0.01]),
      excess: Float64Array.from([0, 0.01, 0.02, -0.01]),
      excessWithCost: Float64Array.from([0, 0.009, 0.019, -0.011]),
      turnover: Float64Array.from([0, 1, 0.2, 0.2]),
      cost: Float64Array.from([0, 0.001, 0.001, 0.001]),
      bench: new Float64Array(4),
    } as unknown as TopkResult;
    const rows = annualBreakdown(dates, {
      daily: { from: 1, ic: Float64Array.from([0.1, 0.2, NaN]), rankIc: Float64Array.from([0.3, 0.1, 0.2]) },
      portfolio: fake,
    });
    expect(rows.map((r) => r.year)).toEqual(["2015", "2016"]);
    expect(rows[0]!.ic).toBeCloseTo(0.1, 15);
    expect(rows[1]!.ic).toBeCloseTo(0.2, 15);
    expect(rows[1]!.icDays).toBe(1);
    expect(rows[1]!.rankIc).toBeCloseTo(0.15, 15);
    expect(rows[0]!.excessReturn).toBeCloseTo(0.01, 15);
    expect(rows[1]!.excessReturnWithCost).toBeCloseTo(0.008, 15);
    expect(rows[0]!.turnover).toBeCloseTo(0.5, 15);
    const s = summarizeBacktest(fake);
    expect(s.turnover).toBeCloseTo(0.35, 15);
    expect(s.excessWithCost.mean).toBeCloseTo(0.00425, 15);
  });
});
