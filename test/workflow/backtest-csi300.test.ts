/**
 * The portfolio side of the pipeline on real CSI 300 data (read by path from ../shared/data, never
 * copied; skipped when absent): point-in-time universe, SH000300 benchmark, 2016–2018, scores given.
 * A score equal to the future label earns a large excess return, a random one about loses its
 * costs, and the exchange rules hold on every day of a market with suspensions and ±10 % limits.
 * The whole Alpha158 + gbdt run takes minutes: that is bench/backtest-csi300.ts.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadData } from "../../src/workflow/load.ts";
import { runBacktest, type BacktestOutcome } from "../../src/workflow/backtest.ts";
import { loadIndexSeries } from "../../src/data/index-series.ts";
import { indexBenchmark } from "../../backtest/benchmark.ts";
import { labelReturns } from "../../backtest/label.ts";
import type { Panel } from "../../factors/panel.ts";

const DATA = fileURLToPath(new URL("../../../shared/data/", import.meta.url));
const files = ["csi300_2010_2018.csv.gz", "csi300_membership_2010_2018.csv.gz", "index_cn_2010_2018.csv.gz"].map((f) => DATA + f);
const present = files.every((f) => existsSync(f));
const TOPK = 50;
const NDROP = 5;
const test = { start: "2016-01-01", end: "2018-12-31" };

/** DESIGN §4 rule 2 restated: suspended, or |close / previous traded close − 1| ≥ 9.5 % (dealing at the close). */
function tradable(panel: Panel, i: number, t: number): boolean {
  const close = panel.fields.get("close")!;
  const volume = panel.fields.get("volume")!;
  const susp = (s: number) => s < panel.first[i]! || s > panel.last[i]! || !Number.isFinite(close[i * panel.nDates + s]!) || !(volume[i * panel.nDates + s]! > 0);
  if (susp(t)) return false;
  for (let s = t - 1; s >= panel.first[i]!; s--) {
    if (susp(s)) continue;
    const change = close[i * panel.nDates + t]! / close[i * panel.nDates + s]! - 1;
    return !(Math.abs(change) >= 0.095);
  }
  return true;
}

function checkRules(panel: Panel, o: BacktestOutcome): { untradable: number } {
  const p = o.test.portfolio!;
  let untradable = 0;
  for (let k = 0; k < p.value.length; k++) expect(p.nSells[k]!).toBeLessThanOrEqual(NDROP);
  for (const tr of p.trades) {
    const t = p.from + tr.day;
    expect(tradable(panel, tr.inst, t), `${tr.side} ${panel.instruments[tr.inst]} on ${panel.dates[t]}`).toBe(true);
    const rate = tr.side === "buy" ? 0.0005 : 0.0015;
    expect(tr.cost).toBeCloseTo(Math.max(tr.value * rate, 5), 9);
    // Lots of 100 raw shares: amount × factor is a multiple of 100.
    const f = panel.fields.get("factor")![tr.inst * panel.nDates + t]!;
    if (tr.side === "buy") expect(Math.abs((tr.amount * f) / 100 - Math.round((tr.amount * f) / 100))).toBeLessThan(1e-6);
  }
  for (let k = 0; k < p.value.length; k++) for (const i of p.holdings[k]!) if (!tradable(panel, i, p.from + k)) untradable++;
  return { untradable };
}

describe.skipIf(!present)("CSI 300 2016–2018 with given scores", async () => {
  const { panel } = present ? await loadData(files[0]!, { universe: files[1]!, onWarning: () => {} }) : ({} as { panel: Panel });
  const label = present ? labelReturns(panel) : new Float64Array();
  const idx = present ? await loadIndexSeries(files[2]!, "SH000300") : undefined;
  const bench = idx ? indexBenchmark(panel, idx.dates, idx.close) : new Float64Array();

  it("foresight earns a large excess return; the rules hold on every trade; the book never exceeds topk with capAtTopk", async () => {
    const o = await runBacktest(panel, { ranges: { test }, scores: label, label, bench, topk: { capAtTopk: true } });
    const s = o.test.summary!;
    expect(s.excessWithCost.arr).toBeGreaterThan(1);
    expect(o.test.ic.rankIc).toBeGreaterThan(0.99);
    for (const h of o.test.portfolio!.holdings) expect(h.length).toBeLessThanOrEqual(TOPK);
    // Some held names sit on suspended or limit days: the rules are exercised, not vacuous.
    expect(checkRules(panel, o).untradable).toBeGreaterThan(0);
  });

  it("a random score has no edge and pays its costs; qlib's sizing exceeds topk only after a blocked sell", async () => {
    let seed = 7;
    const random = Float64Array.from(label, () => (seed = (seed * 16807) % 2147483647) / 2147483647);
    const o = await runBacktest(panel, { ranges: { test }, scores: random, label, bench });
    const s = o.test.summary!;
    expect(Math.abs(o.test.ic.rankIc)).toBeLessThan(0.01);
    expect(s.excessWithCost.arr).toBeCloseTo(s.excess.arr - s.cost * 252, 10);
    expect(s.cost * 252).toBeGreaterThan(0.03); // ~20 % daily turnover at 0.05 % + 0.15 %
    // Against SH000300 an equal-weight random book of its members earns about the small-cap tilt, not alpha.
    expect(Math.abs(s.excessWithCost.arr)).toBeLessThan(0.15);
    checkRules(panel, o);
    const p = o.test.portfolio!;
    let blocked = 0;
    p.holdings.forEach((h, k) => {
      blocked += p.blockedSells[k]!;
      if (h.length > TOPK) expect(blocked).toBeGreaterThan(0);
    });
  });
});
