/**
 * simulateTopk against topk_ref.py (a pandas transliteration of qlib's TopkDropoutStrategy,
 * Exchange, Position and Account code paths) on the S&P 500 slice: daily value, gross return,
 * cost, turnover and holdings, to 1e-9.
 */
import { describe, expect, it } from "vitest";
import { FIXTURES, loadPanel, readLong } from "./helpers.ts";
import { simulateTopk } from "../../backtest/topk.ts";
import type { Panel } from "../../factors/panel.ts";

const base = loadPanel(`${FIXTURES}sp500_ic_slice.csv.gz`);

function withFactor(p: Panel): Panel {
  const f = new Float64Array(p.nDates * p.nInst);
  for (let i = 0; i < p.nInst; i++) f.fill(1 + (i % 3) * 0.5, i * p.nDates, (i + 1) * p.nDates);
  return { ...p, fields: new Map([...p.fields, ["factor", f]]) };
}

function loadScores(file: string, p: Panel): Float64Array {
  const out = new Float64Array(p.nDates * p.nInst).fill(NaN);
  const di = new Map(p.dates.map((d, k) => [d, k]));
  const ii = new Map(p.instruments.map((s, k) => [s, k]));
  for (const [d, s, v] of readLong(`${FIXTURES}${file}`).rows) {
    if (v === undefined || v === "") continue;
    out[ii.get(s!)! * p.nDates + di.get(d!)!] = Number(v);
  }
  return out;
}

const cases = [
  { name: "random_close", scores: "topk_scores_random.csv.gz", dealPrice: "close" as const, factor: false, cash: 1e6 },
  { name: "random_open_factor", scores: "topk_scores_random.csv.gz", dealPrice: "open" as const, factor: true, cash: 1e6 },
  { name: "foresight_close_factor", scores: "topk_scores_foresight.csv.gz", dealPrice: "close" as const, factor: true, cash: 1e8 },
];

describe("TopK-Dropout matches the qlib transliteration to 1e-9", () => {
  for (const c of cases) {
    it(c.name, () => {
      const panel = c.factor ? withFactor(base) : base;
      const r = simulateTopk(
        {
          panel,
          scores: loadScores(c.scores, panel),
          window: { from: 20, to: panel.nDates - 1 },
          bench: new Float64Array(panel.nDates),
        },
        { topk: 10, nDrop: 2, dealPrice: c.dealPrice, initCash: c.cash },
      );
      expect(r.tradeUnitApplied).toBe(c.factor);
      const exp = readLong(`${FIXTURES}topk_expected_${c.name}.csv`).rows;
      expect(exp.length).toBe(r.value.length);
      let trades = 0;
      exp.forEach(([date, value, ret, cost, turnover, holdings], k) => {
        expect(r.dates[k]).toBe(date);
        const near = (a: number, b: number): void => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
        near(r.value[k]!, Number(value));
        near(r.ret[k]!, Number(ret));
        near(r.cost[k]!, Number(cost));
        near(r.turnover[k]!, Number(turnover));
        expect([...r.holdings[k]!].map((i) => panel.instruments[i]).join(" ")).toBe(holdings ?? "");
        trades += r.nBuys[k]! + r.nSells[k]!;
      });
      expect(trades).toBeGreaterThan(200);
    });
  }
});
