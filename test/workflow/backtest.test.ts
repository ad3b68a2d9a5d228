/**
 * The backtest pipeline (src/workflow/backtest.ts) on a small synthetic market whose planted
 * signals are the features: ranges, the model, sealing, the portfolio's sanity (foresight wins,
 * random loses about the costs), and the checks on ranges and inputs.
 */
import { describe, expect, it } from "vitest";
import { generateSyntheticMarket } from "../../src/data/index.ts";
import { backtestSplits, maskToMembers, runBacktest, type BacktestOptions } from "../../src/workflow/backtest.ts";
import { labelReturns } from "../../backtest/label.ts";
import type { Panel } from "../../factors/panel.ts";
import { QuantaError } from "../../factors/errors.ts";

const market = generateSyntheticMarket({ seed: 5, instruments: 80, days: 600 });
const panel = market.panel;
const label = labelReturns(panel);
const factors = [...market.scores].map(([name, values]) => ({ name, values }));
// 2015-01-05 … 2017-04-21
const ranges = {
  train: { start: "2015-01-01", end: "2015-12-31" },
  valid: { start: "2016-01-01", end: "2016-06-30" },
  test: { start: "2016-07-01", end: "2017-04-21" },
};

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const base: BacktestOptions = { ranges, factors, label, topk: { topk: 10, nDrop: 2 } };

describe("runBacktest with factors", () => {
  it("fits on train, scores and measures every range, and backtests each", async () => {
    const steps: string[] = [];
    const o = await runBacktest(panel, { ...base, factorMetrics: true, onStep: (s) => steps.push(s) });
    expect(o.ranges.map((r) => r.name)).toEqual(["train", "valid", "test"]);
    expect(o.test.name).toBe("test");
    expect(o.model?.kind).toBe("linear");
    expect(steps).toEqual(["fit", "score", "ic", "portfolio", "factor-ic"]);
    // The planted signals carry real IC out of sample.
    expect(o.test.ic.rankIc).toBeGreaterThan(0.02);
    expect(o.test.ic.days).toBeGreaterThan(150);
    for (const r of o.ranges) {
      expect(r.portfolio).toBeDefined();
      expect(r.summary!.turnover).toBeGreaterThan(0);
      // Scores exist only inside the scored ranges: nothing before train.
      expect(r.annual.length).toBeGreaterThan(0);
    }
    // The first day of a range holds cash: the signal of its eve is outside the range.
    const p = o.test.portfolio!;
    expect(p.holdings[0]!.length).toBe(0);
    expect(p.holdings[1]!.length).toBeGreaterThan(0);
    expect(p.dates[0]).toBe(panel.dates[o.test.split.from]);
    expect(o.factorMetrics!.map((f) => f.name)).toEqual(factors.map((f) => f.name));
    expect(Object.keys(o.factorMetrics![0]!.metrics).sort()).toEqual(["test", "train", "valid"]);
    expect(o.timings.fit).toBeGreaterThanOrEqual(0);
  });

  it("reads nothing after the ranges it fits on: poisoning later features and labels changes only the test", async () => {
    const a = await runBacktest(panel, base);
    const split = a.ranges[1]!.split; // valid
    const rnd = seeded(9);
    const poison = (v: Float64Array, fromT: number): Float64Array => {
      const out = v.slice();
      for (let i = 0; i < panel.nInst; i++) for (let t = fromT; t < panel.nDates; t++) out[i * panel.nDates + t] = rnd() * 10 - 5;
      return out;
    };
    // Features after valid, and labels realised after valid (t + 2 > valid.to).
    const b = await runBacktest(panel, {
      ...base,
      label: poison(label, split.to - 1),
      factors: factors.map((f) => ({ name: f.name, values: poison(f.values, split.to + 1) })),
    });
    expect(Array.from(b.model!.state.kind === "linear" ? b.model!.state.weights : [])).toEqual(
      Array.from(a.model!.state.kind === "linear" ? a.model!.state.weights : []),
    );
    for (const k of [0, 1]) {
      expect(b.ranges[k]!.ic).toEqual(a.ranges[k]!.ic);
      expect(Array.from(b.ranges[k]!.portfolio!.value)).toEqual(Array.from(a.ranges[k]!.portfolio!.value));
    }
    expect(b.test.ic.rankIc).not.toBe(a.test.ic.rankIc);
  });

  it("gbdt early-stops on valid and needs it", async () => {
    await expect(runBacktest(panel, { ...base, ranges: { train: ranges.train, test: ranges.test }, model: { kind: "gbdt" } })).rejects.toThrow(
      /valid range/,
    );
  });

  it("takes exactly one of factors and scores; a model needs a train range", async () => {
    await expect(runBacktest(panel, { ranges, label })).rejects.toThrow(/exactly one/);
    await expect(runBacktest(panel, { ranges: { test: ranges.test }, factors, label })).rejects.toThrow(QuantaError);
  });
});

describe("runBacktest with ready scores", () => {
  it("a score equal to the future label earns a large excess return; a random one loses about its costs", async () => {
    const oracle = await runBacktest(panel, { ranges: { test: ranges.test }, scores: label, label, topk: { topk: 10, nDrop: 2 } });
    expect(oracle.model).toBeUndefined();
    expect(oracle.test.ic.rankIc).toBeCloseTo(1, 10);
    expect(oracle.test.summary!.excessWithCost.arr).toBeGreaterThan(1);

    const rnd = seeded(3);
    const random = Float64Array.from(label, () => rnd());
    const r = await runBacktest(panel, { ranges: { test: ranges.test }, scores: random, label, topk: { topk: 10, nDrop: 2 } });
    const s = r.test.summary!;
    expect(Math.abs(r.test.ic.rankIc)).toBeLessThan(0.02);
    // Without cost no significant excess (t-statistic of the daily mean), with cost lower by the cost paid.
    const t = (s.excess.mean / s.excess.std) * Math.sqrt(s.excess.days);
    expect(Math.abs(t)).toBeLessThan(2.5);
    expect(s.excessWithCost.arr).toBeCloseTo(s.excess.arr - s.cost * 252, 10);
    expect(s.cost).toBeGreaterThan(0);
  });

  it("uses the given benchmark and annualisation", async () => {
    const bench = new Float64Array(panel.nDates).fill(0.001);
    const o = await runBacktest(panel, { ranges: { test: ranges.test }, scores: label, label, bench, tradingDays: 238 });
    const p = o.test.portfolio!;
    expect(p.bench[5]).toBe(0.001);
    expect(o.test.summary!.bench.arr).toBeCloseTo(0.238, 12);
  });
});

describe("ranges", () => {
  it("rejects overlapping, misordered and empty ranges", () => {
    expect(() => backtestSplits(panel, { train: ranges.train, valid: { start: "2015-12-01", end: "2016-06-30" }, test: ranges.test })).toThrow(
      /overlap or are out of order/,
    );
    expect(() => backtestSplits(panel, { train: ranges.test, test: ranges.train })).toThrow(/overlap or are out of order/);
    expect(() => backtestSplits(panel, { train: ranges.train, test: { start: "2019-01-01", end: "2019-12-31" } })).toThrow(/no trading date/);
    const s = backtestSplits(panel, ranges);
    expect(s.map((x) => x.name)).toEqual(["train", "valid", "test"]);
    expect(s[0]!.labelTo).toBe(s[0]!.to - 2);
  });
});

describe("maskToMembers", () => {
  it("drops scores outside the membership and counts them", () => {
    const p: Panel = { ...panel, member: new Uint8Array(panel.nDates * panel.nInst).fill(1) };
    p.member!.fill(0, 0, panel.nDates); // instrument 0 never a member
    const s = new Float64Array(panel.nDates * panel.nInst).fill(1);
    s[1] = NaN;
    expect(maskToMembers(s, p)).toBe(panel.nDates - 1);
    expect(s[2]).toBeNaN();
    expect(s[panel.nDates]).toBe(1);
    expect(maskToMembers(new Float64Array(3), panel)).toBe(0);
  });
});
