import { describe, expect, it } from "vitest";
import {
  highDay,
  lowDay,
  qlibIdxMax,
  qlibIdxMin,
  rollingArgMax,
  rollingArgMin,
  rollingCount,
  rollingMax,
  rollingMeanAbsDev,
  rollingMedian,
  rollingMedianAbsDev,
  rollingMin,
  rollingQuantile,
  rollingRank,
} from "../../../factors/kernels/order.ts";
import { naiveRolling, naiveStats, randomSeries, rng } from "./naive.ts";

type Kernel = (x: Float64Array, out: Float64Array, start: number, end: number, n: number) => void;

const N = NaN;

/** Runs a kernel on the whole array as one span. */
function run(k: Kernel, xs: number[], n: number): number[] {
  const x = Float64Array.from(xs);
  const out = new Float64Array(x.length).fill(-999);
  k(x, out, 0, x.length, n);
  return Array.from(out);
}

/** Elementwise equal, NaN == NaN, within 1e-12 relative. */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, label = ""): void {
  expect(got.length, label).toBe(want.length);
  for (let k = 0; k < want.length; k++) {
    const g = got[k]!;
    const w = want[k]!;
    if (Number.isNaN(w) || Number.isNaN(g)) {
      expect(g, `${label} [${k}]`).toBeNaN();
      expect(w, `${label} [${k}] (reference)`).toBeNaN();
    } else {
      expect(Math.abs(g - w), `${label} [${k}]: ${g} vs ${w}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(w)));
    }
  }
}

describe("hand-computed cases", () => {
  const xs = [3, N, 1, 4, 1, N, N, N, 5, 9];

  it("max / min skip NaNs, partial windows at the start, NaN for an all-NaN window", () => {
    expectClose(run(rollingMax, xs, 3), [3, 3, 3, 4, 4, 4, 1, N, 5, 9]);
    expectClose(run(rollingMin, xs, 3), [3, 3, 1, 1, 1, 1, 1, N, 5, 5]);
  });

  it("expanding (n = 0) max / min / count / median", () => {
    expectClose(run(rollingMax, xs, 0), [3, 3, 3, 4, 4, 4, 4, 4, 5, 9]);
    expectClose(run(rollingMin, xs, 0), [3, 3, 1, 1, 1, 1, 1, 1, 1, 1]);
    expectClose(run(rollingCount, xs, 0), [1, 1, 2, 3, 4, 4, 4, 4, 5, 6]);
    expectClose(run(rollingMedian, xs, 0), [3, 3, 2, 3, 2, 2, 2, 2, 3, 3.5]);
  });

  it("count is 0 on an all-NaN window and counts ±inf (pandas count)", () => {
    expectClose(run(rollingCount, xs, 3), [1, 1, 2, 2, 3, 2, 1, 0, 1, 2]);
    expectClose(run(rollingCount, [Infinity, N, -Infinity], 2), [1, 1, 1]);
  });

  it("median and quantile interpolate linearly", () => {
    expectClose(run(rollingMedian, xs, 4), [3, 3, 2, 3, 1, 1, 2.5, 1, 5, 7]);
    const q = (v: number[], n: number, p: number) => {
      const x = Float64Array.from(v);
      const out = new Float64Array(v.length);
      rollingQuantile(x, out, 0, v.length, n, p);
      return Array.from(out);
    };
    // sorted windows [8], [1,8], [1,4,8], [1,2,4,8]; q=0.8 → pos 0.8, 1.6, 2.4
    expectClose(q([8, 1, 4, 2], 4, 0.8), [8, 1 + 7 * 0.8, 4 + 4 * 0.6, 4 + 4 * 0.4]);
    expectClose(q([8, 1, 4, 2], 4, 0), [8, 1, 1, 1]);
    expectClose(q([8, 1, 4, 2], 4, 1), [8, 8, 8, 8]);
    expect(() => q([1], 1, 1.5)).toThrow(RangeError);
  });

  it("rank: pct of today, ties averaged, NaN today → NaN", () => {
    // windows: [3], [3,N], [3,N,1], [N,1,4]→[1,4], [1,4,1]
    expectClose(run(rollingRank, [3, N, 1, 4, 1], 3), [1, N, 1 / 2, 1, 1.5 / 3]);
    expectClose(run(rollingRank, [2, 2, 2, 2], 0), [1, 0.75, 2 / 3, 0.625]);
  });

  it("argmax / argmin: days since the extreme, ties → the oldest; highday = +1", () => {
    const ys = [1, 5, 5, N, 2, 7];
    expectClose(run(rollingArgMax, ys, 3), [0, 0, 1, 2, 2, 0]);
    expectClose(run(rollingArgMin, ys, 3), [0, 1, 2, 2, 0, 1]);
    expectClose(run(highDay, ys, 3), [1, 1, 2, 3, 3, 1]);
    expectClose(run(lowDay, ys, 3), [1, 2, 3, 3, 1, 2]);
    expectClose(run(rollingArgMax, [N, N, 1], 2), [N, N, 0]);
  });

  it("qlib IdxMax/IdxMin: 1-based from the window's oldest bar, first NaN wins", () => {
    // windows (n=3): [1] [1,5] [1,5,5] [5,5,N] [5,N,2] [N,2,7] [2,7,3]
    const ys = [1, 5, 5, N, 2, 7, 3];
    expectClose(run(qlibIdxMax, ys, 3), [1, 2, 2, 3, 2, 1, 2]);
    expectClose(run(qlibIdxMin, ys, 3), [1, 1, 1, 3, 2, 1, 1]);
    // ±inf are NaN to the window; an all-NaN window is NaN
    expectClose(run(qlibIdxMax, [2, Infinity, 1, N, N], 2), [1, 2, 1, 2, N]);
  });

  it("TS_MAD: median absolute deviation around the median", () => {
    // [1,2,3,4,100]: median 3, |dev| = 2,1,0,1,97 → 1
    expectClose(run(rollingMedianAbsDev, [1, 2, 3, 4, 100], 5), [0, 0.5, 1, 1, 1]);
    expectClose(run(rollingMedianAbsDev, [N, 5, N, 5], 2), [N, 0, 0, 0]);
  });

  it("qlib Mad: mean absolute deviation around the mean", () => {
    // [1,2,3,6]: mean 3, |dev| 2,1,0,3 → 1.5
    expectClose(run(rollingMeanAbsDev, [1, 2, N, 3, 6], 5), [0, 0.5, 0.5, 2 / 3, 1.5]);
    expectClose(run(rollingMeanAbsDev, [N, N], 2), [N, N]);
  });

  it("respects start/end: never reads before start nor writes outside", () => {
    const x = Float64Array.from([100, 100, 1, 2, 3, 100]);
    const out = new Float64Array(6).fill(-1);
    rollingMax(x, out, 2, 5, 10);
    expect(Array.from(out)).toEqual([-1, -1, 1, 2, 3, -1]);
    rollingRank(x, out.fill(-1), 2, 5, 0);
    expect(Array.from(out)).toEqual([-1, -1, 1, 1, 1, -1]);
    qlibIdxMin(x, out.fill(-1), 2, 5, 4);
    expect(Array.from(out)).toEqual([-1, -1, 1, 1, 1, -1]);
  });

  it("rejects bad windows", () => {
    const x = new Float64Array(3);
    expect(() => rollingMax(x, x.slice(), 0, 3, -1)).toThrow(RangeError);
    expect(() => rollingArgMax(x, x.slice(), 0, 3, 0)).toThrow(RangeError);
    expect(() => qlibIdxMax(x, x.slice(), 0, 3, 2.5)).toThrow(RangeError);
    expect(() => rollingMeanAbsDev(x, x.slice(), 0, 3, 0)).toThrow(RangeError);
  });
});

describe("randomized against the naive sort-based versions", () => {
  const cases: Array<[string, Kernel, string, boolean]> = [
    ["rollingMax", rollingMax, "max", true],
    ["rollingMin", rollingMin, "min", true],
    ["rollingMedian", rollingMedian, "median", true],
    ["rollingRank", rollingRank, "rank", true],
    ["rollingCount", rollingCount, "count", true],
    ["rollingMedianAbsDev", rollingMedianAbsDev, "mad", true],
    ["rollingMeanAbsDev", rollingMeanAbsDev, "meanAbsDev", false],
    ["rollingArgMax", rollingArgMax, "argmax", false],
    ["rollingArgMin", rollingArgMin, "argmin", false],
    ["qlibIdxMax", qlibIdxMax, "idxmax", false],
    ["qlibIdxMin", qlibIdxMin, "idxmin", false],
  ];
  const windows = [1, 2, 3, 5, 20, 60];

  for (const [name, kernel, stat, expanding] of cases) {
    it(name, () => {
      const r = rng(name.length * 7919 + 1);
      const ns = expanding ? [0, ...windows] : windows;
      for (let rep = 0; rep < 4; rep++) {
        // three "instruments" back to back: windows must restart at each span start
        const x = randomSeries(r, 300, { inf: true });
        const spans = [0, 40, 41, 170, 300];
        for (const n of ns) {
          const out = new Float64Array(x.length).fill(-999);
          const want = new Float64Array(x.length).fill(-999);
          for (let s = 0; s + 1 < spans.length; s++) {
            kernel(x, out, spans[s]!, spans[s + 1]!, n);
            want.set(naiveRolling(x, spans[s]!, spans[s + 1]!, n, naiveStats[stat]!()).subarray(spans[s]!, spans[s + 1]!), spans[s]!);
          }
          expectClose(out, want, `${name} n=${n} rep=${rep}`);
        }
      }
    });
  }

  it("rollingQuantile at several q", () => {
    const r = rng(42);
    for (const q of [0, 0.2, 0.25, 0.5, 0.8, 1, 1 / 3]) {
      const x = randomSeries(r, 400, { inf: true });
      for (const n of [0, 1, 4, 5, 30, 60]) {
        const out = new Float64Array(x.length);
        rollingQuantile(x, out, 0, x.length, n, q);
        expectClose(out, naiveRolling(x, 0, x.length, n, naiveStats.quantile!(q)), `q=${q} n=${n}`);
      }
    }
  });
});
