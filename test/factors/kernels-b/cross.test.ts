import { describe, expect, it } from "vitest";
import {
  csKurt,
  csMax,
  csMean,
  csMedian,
  csMin,
  csRank,
  csScale,
  csSkew,
  csStd,
  csZscore,
  type CrossSectionShape,
} from "../../../factors/kernels/cross.ts";
import { sortWithPayload } from "../../../factors/kernels/cross-sort.ts";
import { median, pctRank, randomSeries, rng } from "./naive.ts";

const N = NaN;

/** Builds an instrument-major panel from date-major rows (rows[t][i]). */
function panelOf(
  rows: number[][],
  first: number[],
  last: number[],
  member?: number[][],
): { x: Float64Array; p: CrossSectionShape } {
  const nDates = rows.length;
  const nInst = rows[0]!.length;
  const x = new Float64Array(nDates * nInst);
  const m = member ? new Uint8Array(nDates * nInst) : undefined;
  for (let t = 0; t < nDates; t++) {
    for (let i = 0; i < nInst; i++) {
      x[i * nDates + t] = rows[t]![i]!;
      if (m) m[i * nDates + t] = member![t]![i]!;
    }
  }
  const p: CrossSectionShape = {
    nDates,
    nInst,
    first: Int32Array.from(first),
    last: Int32Array.from(last),
    ...(m ? { member: m } : {}),
  };
  return { x, p };
}

type CsKernel = (x: Float64Array, out: Float64Array, p: CrossSectionShape) => void;

/** Runs a kernel, returns date-major rows. */
function runCs(k: CsKernel, x: Float64Array, p: CrossSectionShape): number[][] {
  const out = new Float64Array(x.length).fill(-999);
  k(x, out, p);
  return Array.from({ length: p.nDates }, (_, t) => Array.from({ length: p.nInst }, (_, i) => out[i * p.nDates + t]!));
}

function expectRows(got: number[][], want: number[][], label = ""): void {
  for (let t = 0; t < want.length; t++) {
    for (let i = 0; i < want[t]!.length; i++) {
      const g = got[t]![i]!;
      const w = want[t]![i]!;
      if (Number.isNaN(w)) expect(g, `${label} t=${t} i=${i}`).toBeNaN();
      else expect(Math.abs(g - w), `${label} t=${t} i=${i}: ${g} vs ${w}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(w)));
    }
  }
}

describe("hand-computed cross sections", () => {
  // 4 instruments × 3 dates; instrument 3 only lives on dates 1..2; instrument 2 is NaN on date 1
  const rows = [
    [1, 3, 3, 99],
    [4, 2, N, 2],
    [5, 5, 5, 5],
  ];
  const { x, p } = panelOf(rows, [0, 0, 0, 1], [2, 2, 2, 2]);

  it("RANK: pct, ties averaged; NaN outside span and where x is NaN", () => {
    expectRows(runCs(csRank, x, p), [
      [1 / 3, 2.5 / 3, 2.5 / 3, N],
      [3 / 3, 1.5 / 3, N, 1.5 / 3],
      [2.5 / 4, 2.5 / 4, 2.5 / 4, 2.5 / 4],
    ]);
  });

  it("aggregates broadcast to every in-span instrument, also where x is NaN", () => {
    expectRows(runCs(csMean, x, p), [
      [7 / 3, 7 / 3, 7 / 3, N],
      [8 / 3, 8 / 3, 8 / 3, 8 / 3],
      [5, 5, 5, 5],
    ]);
    const sd0 = Math.sqrt(((1 - 7 / 3) ** 2 + 2 * (3 - 7 / 3) ** 2) / 2);
    const sd1 = Math.sqrt(((4 - 8 / 3) ** 2 + 2 * (2 - 8 / 3) ** 2) / 2);
    expectRows(runCs(csStd, x, p), [
      [sd0, sd0, sd0, N],
      [sd1, sd1, sd1, sd1],
      [0, 0, 0, 0],
    ]);
    expectRows(runCs(csMedian, x, p), [
      [3, 3, 3, N],
      [2, 2, 2, 2],
      [5, 5, 5, 5],
    ]);
    expectRows(runCs(csMax, x, p), [
      [3, 3, 3, N],
      [4, 4, 4, 4],
      [5, 5, 5, 5],
    ]);
    expectRows(runCs(csMin, x, p), [
      [1, 1, 1, N],
      [2, 2, 2, 2],
      [5, 5, 5, 5],
    ]);
  });

  it("ZSCORE: ddof 1; zero std → NaN", () => {
    const sd0 = Math.sqrt(((1 - 7 / 3) ** 2 + 2 * (3 - 7 / 3) ** 2) / 2);
    const sd1 = Math.sqrt(((4 - 8 / 3) ** 2 + 2 * (2 - 8 / 3) ** 2) / 2);
    expectRows(runCs(csZscore, x, p), [
      [(1 - 7 / 3) / sd0, (3 - 7 / 3) / sd0, (3 - 7 / 3) / sd0, N],
      [(4 - 8 / 3) / sd1, (2 - 8 / 3) / sd1, N, (2 - 8 / 3) / sd1],
      [N, N, N, N],
    ]);
  });

  it("SCALE: x·a / Σ|x|; Σ|x| = 0 → NaN", () => {
    const { x: y, p: q } = panelOf(
      [
        [1, -3, N],
        [0, 0, 0],
      ],
      [0, 0, 0],
      [1, 1, 1],
    );
    const out = new Float64Array(y.length);
    csScale(y, out, q, 2);
    expect(Array.from(out)).toEqual([0.5, N, -1.5, N, N, N]);
  });

  it("SKEW / KURT: scipy biased, minimum counts, zero variance → NaN", () => {
    const { x: y, p: q } = panelOf(
      [
        [1, 2, 4, 8],
        [1, 2, 4, N],
        [3, 3, 3, 3],
      ],
      [0, 0, 0, 0],
      [2, 2, 2, 2],
    );
    const moments = (v: number[]) => {
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      const c = (k: number) => v.reduce((a, b) => a + (b - m) ** k, 0) / v.length;
      return { skew: c(3) / c(2) ** 1.5, kurt: c(4) / c(2) ** 2 - 3 };
    };
    const a = moments([1, 2, 4, 8]);
    const b = moments([1, 2, 4]);
    expectRows(runCs(csSkew, y, q), [[a.skew, a.skew, a.skew, a.skew], [b.skew, b.skew, b.skew, b.skew], [N, N, N, N]]);
    expectRows(runCs(csKurt, y, q), [[a.kurt, a.kurt, a.kurt, a.kurt], [N, N, N, N], [N, N, N, N]]);
  });

  it("membership mask: non-members are out of the cross-section", () => {
    const { x: y, p: q } = panelOf(
      [
        [1, 2, 3],
        [1, 2, 3],
      ],
      [0, 0, 0],
      [1, 1, 1],
      [
        [1, 1, 1],
        [1, 0, 1],
      ],
    );
    expectRows(runCs(csRank, y, q), [
      [1 / 3, 2 / 3, 1],
      [1 / 2, N, 1],
    ]);
    expectRows(runCs(csMean, y, q), [
      [2, 2, 2],
      [2, N, 2],
    ]);
  });

  it("out may alias x", () => {
    const y = x.slice();
    csRank(y, y, p);
    expectRows(runCs(csRank, x, p), [0, 1, 2].map((t) => [0, 1, 2, 3].map((i) => y[i * p.nDates + t]!)));
  });
});

describe("randomized against naive per-date computations", () => {
  it("all kernels on a 40 × 60 panel with spans, members and NaNs", () => {
    const r = rng(7);
    const nInst = 40;
    const nDates = 60;
    const x = new Float64Array(nInst * nDates);
    const first = new Int32Array(nInst);
    const last = new Int32Array(nInst);
    const member = new Uint8Array(nInst * nDates);
    for (let i = 0; i < nInst; i++) {
      x.set(randomSeries(r, nDates), i * nDates);
      first[i] = i % 7 === 0 ? Math.floor(r() * 30) : 0;
      last[i] = i % 5 === 0 ? Math.floor(30 + r() * 29) : nDates - 1;
      if (i === 3) {
        first[i] = nDates; // never lives
        last[i] = -1;
      }
      for (let t = 0; t < nDates; t++) member[i * nDates + t] = r() < 0.9 ? 1 : 0;
    }
    const p: CrossSectionShape = { nDates, nInst, first, last, member };
    const col = (t: number) => {
      const inCs: number[] = [];
      for (let i = 0; i < nInst; i++) if (t >= first[i]! && t <= last[i]! && member[i * nDates + t] === 1) inCs.push(i);
      const vals = inCs.map((i) => x[i * nDates + t]!).filter((v) => !Number.isNaN(v));
      return { inCs, vals };
    };
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const sd = (v: number[]) => (v.length < 2 ? NaN : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1)));
    const central = (v: number[], k: number) => v.reduce((a, b) => a + (b - mean(v)) ** k, 0) / v.length;
    const aggs: Array<[string, CsKernel, (v: number[]) => number]> = [
      ["mean", csMean, (v) => (v.length ? mean(v) : NaN)],
      ["std", csStd, sd],
      ["median", csMedian, (v) => median([...v].sort((a, b) => a - b))],
      ["max", csMax, (v) => (v.length ? Math.max(...v) : NaN)],
      ["min", csMin, (v) => (v.length ? Math.min(...v) : NaN)],
      ["skew", csSkew, (v) => (v.length < 3 || central(v, 2) === 0 ? NaN : central(v, 3) / central(v, 2) ** 1.5)],
      ["kurt", csKurt, (v) => (v.length < 4 || central(v, 2) === 0 ? NaN : central(v, 4) / central(v, 2) ** 2 - 3)],
    ];
    for (const [name, k, f] of aggs) {
      const want = new Float64Array(x.length).fill(NaN);
      for (let t = 0; t < nDates; t++) {
        const { inCs, vals } = col(t);
        for (const i of inCs) want[i * nDates + t] = f(vals);
      }
      const out = new Float64Array(x.length).fill(-999);
      k(x, out, p);
      for (let c = 0; c < x.length; c++) {
        if (Number.isNaN(want[c]!)) expect(out[c], `${name} cell ${c}`).toBeNaN();
        else expect(out[c]!, `${name} cell ${c}`).toBeCloseTo(want[c]!, 10);
      }
    }
    const perCell: Array<[string, CsKernel, (v: number, vals: number[]) => number]> = [
      ["rank", csRank, (v, vals) => pctRank(vals, v)],
      ["zscore", csZscore, (v, vals) => (sd(vals) > 0 ? (v - mean(vals)) / sd(vals) : NaN)],
      ["scale", csScale, (v, vals) => v / vals.reduce((a, b) => a + Math.abs(b), 0)],
    ];
    for (const [name, k, f] of perCell) {
      const want = new Float64Array(x.length).fill(NaN);
      for (let t = 0; t < nDates; t++) {
        const { inCs, vals } = col(t);
        for (const i of inCs) {
          const v = x[i * nDates + t]!;
          if (!Number.isNaN(v)) want[i * nDates + t] = f(v, vals);
        }
      }
      const out = new Float64Array(x.length).fill(-999);
      k(x, out, p);
      for (let c = 0; c < x.length; c++) {
        if (Number.isNaN(want[c]!) || !Number.isFinite(want[c]!)) expect(out[c], `${name} cell ${c}`).toBeNaN();
        else expect(out[c]!, `${name} cell ${c}`).toBeCloseTo(want[c]!, 10);
      }
    }
  });
});

describe("sortWithPayload", () => {
  it("sorts values ascending and carries the payload along (ties, sorted, reversed, constant)", () => {
    const r = rng(99);
    const inputs: number[][] = [
      [],
      [1],
      Array.from({ length: 300 }, () => Math.floor(r() * 5)),
      Array.from({ length: 300 }, () => r() * 100 - 50),
      Array.from({ length: 200 }, (_, k) => k),
      Array.from({ length: 200 }, (_, k) => -k),
      Array.from({ length: 100 }, () => 7),
      Array.from({ length: 33 }, (_, k) => (k % 2 ? -0 : 0)),
    ];
    for (const input of inputs) {
      const v = Float64Array.from(input);
      const idx = Int32Array.from(input, (_, k) => k);
      sortWithPayload(v, idx, 0, v.length);
      // (z + 0 turns -0 into +0: the two zeros are equal to the sort, in any order)
      expect(Array.from(v, (z) => z + 0)).toEqual([...input].sort((a, b) => a - b).map((z) => z + 0));
      for (let k = 1; k < v.length; k++) expect(v[k - 1]! <= v[k]!).toBe(true);
      for (let k = 0; k < v.length; k++) expect(input[idx[k]!]).toBe(v[k]);
      expect(new Set(idx).size).toBe(v.length);
    }
  });
});
