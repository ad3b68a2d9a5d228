/** Invariants of the TopK-Dropout simulation on the real S&P 500 slice. */
import { describe, expect, it } from "vitest";
import { FIXTURES, loadPanel, rng } from "./helpers.ts";
import { simulateTopk, type TopkOptions, type TopkResult } from "../../backtest/topk.ts";
import { labelReturns } from "../../backtest/label.ts";
import { equalWeightBenchmark } from "../../backtest/benchmark.ts";
import { riskMetrics } from "../../backtest/risk.ts";

const panel = loadPanel(`${FIXTURES}sp500_ic_slice.csv.gz`);
const { nDates, nInst } = panel;
const close = panel.fields.get("close")!;
const open = panel.fields.get("open")!;
const volume = panel.fields.get("volume")!;
const bench = equalWeightBenchmark(panel);
const window = { from: 20, to: nDates - 1 };
const TOPK = 10;
const NDROP = 2;

/** Independent restatement of DESIGN §4 rule 2. */
function tradable(i: number, t: number, deal: "open" | "close"): boolean {
  const susp = (s: number): boolean => {
    if (s < panel.first[i]! || s > panel.last[i]!) return true;
    const p = i * nDates + s;
    return !Number.isFinite(close[p]!) || !(volume[p]! > 0);
  };
  if (susp(t)) return false;
  let prev = NaN;
  for (let s = t - 1; s >= panel.first[i]!; s--)
    if (!susp(s)) {
      prev = close[i * nDates + s]!;
      break;
    }
  let px = (deal === "open" ? open : close)[i * nDates + t]!;
  if (!(px > 1e-8)) px = close[i * nDates + t]!;
  const ch = px / prev - 1;
  return !(Math.abs(ch) >= 0.095);
}

function randomScores(seed: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: nDates * nInst }, () => r());
}

function sim(scores: Float64Array, opts: TopkOptions = {}): TopkResult {
  return simulateTopk({ panel, scores, window, bench }, { topk: TOPK, nDrop: NDROP, initCash: 1e7, ...opts });
}

describe("TopK-Dropout invariants on the S&P 500 slice", () => {
  const runs = [1, 2, 3].flatMap((seed) => [
    sim(randomScores(seed)),
    sim(randomScores(seed), { dealPrice: "open" }),
    sim(randomScores(seed), { capAtTopk: true }),
  ]);

  it("sells at most n_drop a day; holds at most topk (plus blocked sells, as qlib; exactly topk when capped)", () => {
    for (const r of runs) {
      let outstanding = 0;
      for (let k = 0; k < r.value.length; k++) {
        expect(r.nSells[k]!).toBeLessThanOrEqual(NDROP);
        outstanding += r.blockedSells[k]!;
        expect(r.holdings[k]!.length).toBeLessThanOrEqual(TOPK + outstanding);
      }
    }
    for (const r of runs.filter((_, k) => k % 3 === 2)) for (const h of r.holdings) expect(h.length).toBeLessThanOrEqual(TOPK);
  });

  it("never trades a suspended or limit-hit instrument; charges a cost on every trade", () => {
    let n = 0;
    runs.forEach((r, k) => {
      const deal = k % 3 === 1 ? "open" : "close";
      for (const t of r.trades) {
        expect(tradable(t.inst, r.from + t.day, deal)).toBe(true);
        const rate = t.side === "buy" ? 0.0005 : 0.0015;
        expect(t.cost).toBeCloseTo(Math.max(t.value * rate, 5), 9);
        expect(t.cost).toBeGreaterThanOrEqual(5);
        n++;
      }
    });
    expect(n).toBeGreaterThan(1000);
  });

  it("the slice does contain untradable days (the rule is exercised)", () => {
    let blocked = 0;
    for (let i = 0; i < nInst; i++) for (let t = window.from; t <= window.to; t++) if (t >= panel.first[i]! && !tradable(i, t, "close")) blocked++;
    expect(blocked).toBeGreaterThan(5);
  });

  it("value accounting: each day's return times the previous value equals the value change plus cost", () => {
    const r = runs[0]!;
    let prev = 1e7;
    for (let k = 0; k < r.value.length; k++) {
      expect(r.ret[k]! * prev).toBeCloseTo(r.value[k]! - prev + r.cost[k]! * prev, 4);
      prev = r.value[k]!;
    }
  });

  it("a perfect-foresight score earns a large excess; random scores lose about the costs", () => {
    const label = labelReturns(panel); // label at t−1 = close(t+1)/close(t) − 1: the next day's return
    const oracle = riskMetrics(sim(label).excessWithCost);
    expect(oracle.arr).toBeGreaterThan(1); // > 100% a year on 30 names
    const rand = [4, 5, 6, 7, 8, 9, 10, 11].map((s) => sim(randomScores(s)));
    const gross = rand.reduce((a, r) => a + riskMetrics(r.excess).mean, 0) / rand.length;
    const cost = rand.reduce((a, r) => a + riskMetrics(r.cost).mean, 0) / rand.length;
    const net = rand.reduce((a, r) => a + riskMetrics(r.excessWithCost).mean, 0) / rand.length;
    expect(cost).toBeGreaterThan(0.0002);
    expect(Math.abs(gross)).toBeLessThan(cost * 1.5); // no edge before costs (noise on 30 names)
    expect(net).toBeCloseTo(gross - cost, 12);
    expect(net).toBeLessThan(0);
  });
});
