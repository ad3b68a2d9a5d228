import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { FIXTURES, byDate, loadFactors, loadPanel, makePanel, readLong, rng } from "./helpers.ts";
import { labelReturns } from "../../backtest/label.ts";
import { Split, dateIndexRange } from "../../backtest/split.ts";
import { ICEvaluator, icMetrics, meanCrossSectionalRankCorr, tileDatesFor } from "../../backtest/ic.ts";
import type { ICSummary } from "../../backtest/ic.ts";

const SLICE = `${FIXTURES}sp500_ic_slice.csv.gz`;
const FACT = `${FIXTURES}sp500_ic_factors.csv.gz`;

interface RefRow extends Omit<ICSummary, "ic" | "icir" | "rankIc" | "rankIcir"> {
  name: string;
  ic: number | null;
  icir: number | null;
  rankIc: number | null;
  rankIcir: number | null;
}
const refJson = (f: string): RefRow[] => JSON.parse(readFileSync(`${FIXTURES}${f}`, "utf8")) as RefRow[];

function close(a: number, b: number | null): void {
  if (b === null) {
    expect(Number.isNaN(a)).toBe(true);
    return;
  }
  expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-6 * Math.abs(b) + 1e-12);
}

function expectMatches(got: ICSummary, ref: RefRow): void {
  close(got.ic, ref.ic);
  close(got.icir, ref.icir);
  close(got.rankIc, ref.rankIc);
  close(got.rankIcir, ref.rankIcir);
  expect(got.days).toBe(ref.days);
  expect(got.rankDays).toBe(ref.rankDays);
}

describe("label", () => {
  it("is Ref($close,-2)/Ref($close,-1)-1 inside the span, NaN past it and over gaps", () => {
    const p = makePanel(["d0", "d1", "d2", "d3", "d4"], ["X", "Y"], {
      close: [
        [10, 5],
        [11, NaN],
        [12.1, 6],
        [12.1, 6.6],
        [NaN, 7.26],
      ],
    });
    const l = labelReturns(p);
    const X = (t: number): number => l[t]!;
    const Y = (t: number): number => l[5 + t]!;
    expect(X(0)).toBeCloseTo(0.1, 12);
    expect(X(1)).toBeCloseTo(0, 12);
    expect(Number.isNaN(X(2))).toBe(true); // X's span ends at d3
    expect(Number.isNaN(Y(0))).toBe(true); // close d1 missing
    expect(Number.isNaN(Y(1))).toBe(false);
    expect(Y(1)).toBeCloseTo(0.1, 12);
    expect(Y(2)).toBeCloseTo(0.1, 12);
    expect(Number.isNaN(Y(3))).toBe(true);
  });
});

describe("IC metrics against metrics_ref.py on an S&P 500 slice", () => {
  const panel = loadPanel(SLICE);
  const factors = loadFactors(FACT, panel);
  const label = labelReturns(panel);

  it("whole slice: every factor within 1e-6, same day counts", () => {
    const ref = refJson("sp500_ic_expected.json");
    const ev = new ICEvaluator(label, panel, { from: 0, to: panel.nDates - 1 });
    expect(ref.length).toBe(5);
    for (const r of ref) expectMatches(ev.metrics(factors.get(r.name)!), r);
  });

  it("daily series match the reference date by date", () => {
    const { rows } = readLong(`${FIXTURES}sp500_ic_daily.csv`);
    const ev = new ICEvaluator(label, panel, { from: 0, to: panel.nDates - 1 });
    const daily = new Map([...factors].map(([n, f]) => [n, ev.daily(f)]));
    const di = new Map(panel.dates.map((d, k) => [d, k]));
    let checked = 0;
    for (const [date, name, ic, ric] of rows) {
      const d = daily.get(name!)!;
      const k = di.get(date!)! - d.from;
      close(d.ic[k]!, ic === "" ? null : Number(ic));
      close(d.rankIc[k]!, ric === "" ? null : Number(ric));
      checked++;
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it("a date's values do not depend on where the window starts (the evaluator transposes dates in tiles)", () => {
    const whole = new ICEvaluator(label, panel, { from: 0, to: panel.nDates - 1 });
    const f = factors.get("ROC5")!;
    const all = whole.daily(f);
    expect(all.ic.filter((v) => v - v === 0).length).toBeGreaterThan(100);
    // Windows of lengths around the tile width and its 8-date groups, starting off the whole
    // range's tile grid.
    const T = tileDatesFor(panel.nInst);
    expect(T % 8).toBe(0);
    expect(panel.nDates).toBeGreaterThan(2 * T + 20);
    const windows = [[3, 1], [5, 7], [9, 8], [13, 9], [30, 17], [61, 40], [1, T - 1], [2, T], [7, T + 1], [4, T + 9], [11, 2 * T + 5]] as const;
    for (const [from, len] of windows) {
      const d = new ICEvaluator(label, panel, { from, to: from + len - 1 }).daily(f);
      expect(d.from).toBe(from);
      expect(d.ic.length).toBe(len);
      expect(Array.from(d.ic)).toEqual(Array.from(all.ic.subarray(from, from + len)));
      expect(Array.from(d.rankIc)).toEqual(Array.from(all.rankIc.subarray(from, from + len)));
    }
  });

  it("a sub-range (unsealed split, label reads past the end as the reference does)", () => {
    const ref = refJson("sp500_ic_expected_range.json");
    const split = Split.of(panel, "r", { start: panel.dates[40]!, end: panel.dates[250]! }, { sealLabel: false });
    for (const r of ref) expectMatches(icMetrics(factors.get(r.name)!, label, panel, split), r);
  });

  it("with a membership mask", () => {
    const mpanel = loadPanel(SLICE, `${FIXTURES}sp500_ic_membership.csv`);
    const ref = refJson("sp500_ic_expected_member.json");
    const full = refJson("sp500_ic_expected.json");
    expect(ref[0]!.ic).not.toBe(full[0]!.ic); // the mask matters
    const ev = new ICEvaluator(labelReturns(mpanel), mpanel, { from: 0, to: mpanel.nDates - 1 });
    for (const r of ref) expectMatches(ev.metrics(factors.get(r.name)!), r);
  });

  it("a sealed split drops the last two label dates, and poisoning closes after it changes nothing", () => {
    const range = { start: panel.dates[40]!, end: panel.dates[250]! };
    const sealed = Split.of(panel, "s", range);
    expect(sealed.labelTo).toBe(248);
    const f = factors.get("ROC5")!;
    const before = icMetrics(f, label, panel, sealed);
    expect(icMetrics(f, label, panel, structuredClone(sealed))).toEqual(before); // survives a worker hop
    const close2 = new Float64Array(panel.fields.get("close")!);
    for (let i = 0; i < panel.nInst; i++) for (let t = 251; t < panel.nDates; t++) close2[i * panel.nDates + t] = close2[i * panel.nDates + t]! * (1 + 0.3 * Math.sin(i + t));
    const poisoned = { ...panel, fields: new Map([...panel.fields, ["close", close2]]) };
    const after = icMetrics(f, labelReturns(poisoned), poisoned, Split.of(poisoned, "s", range));
    expect(after).toEqual(before);
    const unsealed = icMetrics(f, labelReturns(poisoned), poisoned, Split.of(poisoned, "s", range, { sealLabel: false }));
    expect(unsealed.ic).not.toBe(before.ic);
  });
});

describe("IC edge cases", () => {
  it("skips dates with < 2 pairs or a constant side; ties get average ranks", () => {
    const dates = ["a", "b", "c", "d", "e", "f"];
    // labels: a constant (0), b non-constant, c below; d.. have none.
    const close = [
      [1, 1, 1, 1],
      [1, 1, 1, 1],
      [1, 1, 1, 1],
      [1.1, 1.1, 1.1, 1.5],
      [1.21, 1.0, 1.3, 1.5],
      [1.21, 1.0, 1.3, 1.5],
    ];
    const p = makePanel(dates, ["A", "B", "C", "D"], { close });
    const label = labelReturns(p);
    const f = byDate(
      [
        [1, 2, 3, 4], // a: constant label → skipped
        [1, 1, 1, 1], // b: constant factor → skipped
        [1, 1, 2, NaN], // c: 3 pairs with ties
        [1, 2, 3, 4],
        [1, 2, 3, 4],
        [1, 2, 3, 4],
      ],
      6,
      4,
    );
    const ev = new ICEvaluator(label, p, { from: 0, to: 5 });
    const d = ev.daily(f);
    expect(Number.isNaN(d.ic[0]!)).toBe(true);
    expect(Number.isNaN(d.ic[1]!)).toBe(true);
    expect(Number.isNaN(d.rankIc[1]!)).toBe(true);
    // date c: label = close[e]/close[d]-1 = [0.1, -0.0909.., 0.1818.., 0]; D's factor NaN.
    const l = [0.1, 1.0 / 1.1 - 1, 1.3 / 1.1 - 1];
    const fx = [1, 1, 2];
    const pear = (x: number[], y: number[]): number => {
      const mx = x.reduce((s, v) => s + v) / x.length;
      const my = y.reduce((s, v) => s + v) / y.length;
      let a = 0,
        b = 0,
        c = 0;
      x.forEach((v, k) => {
        a += (v - mx) * (y[k]! - my);
        b += (v - mx) ** 2;
        c += (y[k]! - my) ** 2;
      });
      return a / Math.sqrt(b * c);
    };
    expect(d.ic[2]!).toBeCloseTo(pear(fx, l), 12);
    expect(d.rankIc[2]!).toBeCloseTo(pear([1.5, 1.5, 3], [2, 1, 3]), 12);
    const s = ev.metrics(f);
    expect(s.days).toBe(1);
    expect(Number.isNaN(s.icir)).toBe(true); // one day: no std
  });

  it("meanCrossSectionalRankCorr: 1 for a monotone transform, -1 for a reversal, ~0 for noise", () => {
    const nd = 50;
    const ni = 40;
    const r = rng(3);
    const grid = Array.from({ length: nd }, () => Array.from({ length: ni }, () => 100 + r()));
    const p = makePanel(
      Array.from({ length: nd }, (_, k) => `d${String(k).padStart(2, "0")}`),
      Array.from({ length: ni }, (_, k) => `I${k}`),
      { close: grid },
    );
    const a = byDate(grid.map((row) => row.map((v) => v - 100)), nd, ni);
    const b = a.map((v) => Math.exp(3 * v));
    const c = a.map((v) => -v);
    const noise = a.map(() => r());
    const w = dateIndexRange(p, { start: "d00", end: "d49" });
    expect(meanCrossSectionalRankCorr(a, b, p, w)).toBeCloseTo(1, 12);
    expect(meanCrossSectionalRankCorr(a, c, p, w)).toBeCloseTo(-1, 12);
    expect(Math.abs(meanCrossSectionalRankCorr(a, noise, p, w))).toBeLessThan(0.1);
  });
});
