import { describe, expect, it } from "vitest";
import {
  rollingBand, rollingCountTrue, rollingKurt, rollingMean, rollingProd, rollingSkew, rollingStd, rollingSum,
  rollingSumIf, rollingVar, rollingZscore,
} from "../../../factors/kernels/moments.ts";
import { close, nastySeries, naiveMean, naiveSum, naiveVar, windowOf } from "./naive.ts";

const N = NaN;
const f = (...v: number[]): Float64Array => Float64Array.from(v);

function run(
  k: (x: Float64Array, out: Float64Array, s: number, e: number, n: number) => void,
  x: Float64Array,
  n: number,
): number[] {
  const out = new Float64Array(x.length).fill(-999);
  k(x, out, 0, x.length, n);
  return [...out];
}

describe("rollingSum", () => {
  it("skips NaN and ±inf, counts today, NaN for an all-missing window", () => {
    expect(run(rollingSum, f(1, N, 3, 4, Infinity, 6), 3)).toEqual([1, 1, 4, 7, 7, 10]);
    expect(run(rollingSum, f(N, N, 1, N, N, N), 2)).toEqual([N, N, 1, 1, N, N]);
  });

  it("never reaches before the span start (two instruments in one array)", () => {
    const x = f(1, 2, 3, 10, 20, 30);
    const out = new Float64Array(6).fill(-1);
    rollingSum(x, out, 0, 3, 2);
    rollingSum(x, out, 3, 6, 2);
    expect([...out]).toEqual([1, 3, 5, 10, 30, 50]);
  });

  it("leaves cells outside [start, end) alone", () => {
    const out = new Float64Array(5).fill(-1);
    rollingSum(f(1, 2, 3, 4, 5), out, 1, 4, 2);
    expect([...out]).toEqual([-1, 2, 5, 7, -1]);
  });

  it("n = 0 is the expanding window; n past the span is the same", () => {
    expect(run(rollingSum, f(1, 2, N, 4), 0)).toEqual([1, 3, 3, 7]);
    expect(run(rollingSum, f(1, 2, N, 4), 50)).toEqual([1, 3, 3, 7]);
  });

  it("a window of zeros sums to exactly 0 after large values left it (no drift)", () => {
    const x = f(1e15, 3.3, -7.1e12, 0.1, 0, 0, 0, 0);
    const out = run(rollingSum, x, 3);
    expect(out.slice(6)).toEqual([0, 0]);
  });

  it("rejects a non-integer or negative window", () => {
    expect(() => run(rollingSum, f(1, 2), 1.5)).toThrow(RangeError);
    expect(() => run(rollingSum, f(1, 2), -1)).toThrow(RangeError);
  });
});

describe("rollingMean / rollingVar / rollingStd", () => {
  it("hand-computed values with a NaN gap and a partial window at the start", () => {
    expect(run(rollingMean, f(1, N, 3, 5), 3)).toEqual([1, 1, 2, 4]);
    expect(run(rollingVar, f(1, 2, 3, 4), 3)).toEqual([N, 0.5, 1, 1]);
    const sd = run(rollingStd, f(1, N, 3, 5), 3);
    expect(sd[0]).toBeNaN();
    expect(sd[1]).toBeNaN();
    expect(sd[2]).toBeCloseTo(Math.SQRT2, 15);
    expect(sd[3]).toBeCloseTo(Math.SQRT2, 15);
  });

  it("equal values: mean exactly the value, variance exactly 0, even after other values", () => {
    const x = f(7.3, 1e6, -4.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1);
    const m = run(rollingMean, x, 4);
    const v = run(rollingVar, x, 4);
    for (let t = 6; t < 10; t++) {
      expect(m[t]).toBe(0.1);
      expect(v[t]).toBe(0);
    }
  });

  it("keeps full precision on a nearly-constant stretch after a level shift (no drift)", () => {
    const x = new Float64Array(400);
    for (let t = 0; t < 300; t++) x[t] = 10 + 90 * Math.abs(Math.sin(t));
    for (let t = 300; t < 400; t++) x[t] = 123.456 + ((t % 3) - 1) * 1e-9;
    const sd = run(rollingStd, x, 20);
    // the window {a−ε, a, a+ε} repeated: sample std of the exact values
    for (let t = 340; t < 400; t++) {
      const { v } = windowOf(x, 0, t, 20);
      const exact = Math.sqrt(naiveVar(v));
      expect(Math.abs(sd[t]! - exact)).toBeLessThan(1e-9 * exact);
    }
  });

  it("matches per-window two-pass values on long nasty series, across block boundaries", () => {
    for (const n of [0, 1, 2, 3, 7, 20, 61]) {
      const x = nastySeries(700, n + 11);
      const mean = run(rollingMean, x, n);
      const vr = run(rollingVar, x, n);
      const sm = run(rollingSum, x, n);
      for (let t = 0; t < x.length; t++) {
        const { v } = windowOf(x, 0, t, n);
        expect(close(mean[t]!, naiveMean(v), 1e-12)).toBe(true);
        expect(close(vr[t]!, naiveVar(v), 1e-9, 1e-12)).toBe(true);
        expect(close(sm[t]!, naiveSum(v), 1e-12)).toBe(true);
      }
    }
  });
});

describe("rollingZscore and rollingBand", () => {
  it("(x − mean)/std; NaN if today is missing, < 2 points or std = 0", () => {
    const z = run(rollingZscore, f(1, 2, 3, N, 3, 3, 3), 3);
    expect(z[0]).toBeNaN(); // 1 point
    expect(z[1]).toBeCloseTo((2 - 1.5) / Math.SQRT1_2, 14);
    expect(z[2]).toBeCloseTo(1, 14);
    expect(z[3]).toBeNaN(); // today missing
    expect(z[6]).toBeNaN(); // {3, 3, 3}: std 0
  });

  it("mean ± k·std", () => {
    const out = new Float64Array(3);
    rollingBand(f(1, 2, 3), out, 0, 3, 3, 2);
    expect(out[0]).toBeNaN();
    expect(out[2]).toBeCloseTo(2 + 2, 14);
    rollingBand(f(1, 2, 3), out, 0, 3, 3, -2);
    expect(out[2]).toBeCloseTo(0, 14);
  });
});

describe("rollingSkew / rollingKurt", () => {
  const skewP = (x: Float64Array, o: Float64Array, s: number, e: number, n: number): void => rollingSkew(x, o, s, e, n, "pandas");
  const kurtP = (x: Float64Array, o: Float64Array, s: number, e: number, n: number): void => rollingKurt(x, o, s, e, n, "pandas");
  const skewS = (x: Float64Array, o: Float64Array, s: number, e: number, n: number): void => rollingSkew(x, o, s, e, n, "scipy");
  const kurtS = (x: Float64Array, o: Float64Array, s: number, e: number, n: number): void => rollingKurt(x, o, s, e, n, "scipy");

  it("pandas' bias-adjusted values (from pandas 1.5 rolling skew/kurt)", () => {
    const x = f(1, 2, 4, 8, 3);
    const s = run(skewP, x, 4);
    expect(s.slice(0, 2)).toEqual([N, N]);
    expect(s[2]).toBeCloseTo(0.9352195295828238, 12);
    expect(s[3]).toBeCloseTo(1.1376243669576889, 12);
    expect(s[4]).toBeCloseTo(1.4430588355316425, 12);
    const k = run(kurtP, x, 4);
    expect(k.slice(0, 3)).toEqual([N, N, N]);
    expect(k[3]).toBeCloseTo(0.7576559546313799, 12);
    expect(k[4]).toBeCloseTo(2.23486717956162, 12);
  });

  it("scipy's biased values (scipy.stats.skew / kurtosis)", () => {
    const x = f(1, 2, 4, 8, 3);
    const s = run(skewS, x, 4);
    expect(s[2]).toBeCloseTo(0.3818017741606059, 12);
    expect(s[3]).toBeCloseTo(0.6568077344996993, 12);
    expect(s[4]).toBeCloseTo(0.8331504071506617, 12);
    const k = run(kurtS, x, 4);
    expect(k[2]).toBeNaN();
    expect(k[3]).toBeCloseTo(-1.0989792060491494, 12);
    expect(k[4]).toBeCloseTo(-0.9020177093917838, 12);
  });

  it("equal values: pandas 0 / −3, scipy NaN", () => {
    const x = f(9, 1, 5, 5, 5, 5);
    expect(run(skewP, x, 3)[4]).toBe(0);
    expect(run(kurtP, x, 4)[5]).toBe(-3);
    expect(run(skewS, x, 3)[4]).toBeNaN();
    expect(run(kurtS, x, 4)[5]).toBeNaN();
  });

  it("pandas: a tiny but non-zero variance (≤ 1e-14) is NaN", () => {
    const x = f(1, 1 + 1e-8, 1, 1 + 2e-8);
    expect(run(skewP, x, 4)[3]).toBeNaN();
  });

  it("merged block parts equal per-window moments on a nasty series", () => {
    const x = nastySeries(400, 5);
    for (const n of [4, 9, 30]) {
      const k = run(kurtS, x, n);
      const s = run(skewS, x, n);
      for (let t = 0; t < x.length; t++) {
        const { v } = windowOf(x, 0, t, n);
        const m = v.reduce((a, b) => a + b, 0) / v.length;
        const d = v.map((a) => a - m);
        const m2 = d.reduce((a, b) => a + b * b, 0) / v.length;
        const m3 = d.reduce((a, b) => a + b * b * b, 0) / v.length;
        const m4 = d.reduce((a, b) => a + b ** 4, 0) / v.length;
        const zero = m2 <= (1e-15 * m) ** 2;
        const es = v.length >= 3 && !zero ? m3 / m2 ** 1.5 : NaN;
        const ek = v.length >= 4 && !zero ? m4 / (m2 * m2) - 3 : NaN;
        expect(close(s[t]!, es, 1e-7, 1e-9)).toBe(true);
        expect(close(k[t]!, ek, 1e-7, 1e-9)).toBe(true);
      }
    }
  });
});

describe("rollingProd, rollingCountTrue, rollingSumIf", () => {
  it("PROD multiplies the valid points", () => {
    expect(run(rollingProd, f(2, N, 3, 0.5, N, N), 2)).toEqual([2, 2, 3, 1.5, 0.5, N]);
  });

  it("COUNT: days with C ≠ 0 among days where C is not NaN; NaN if none", () => {
    expect(run(rollingCountTrue, f(1, 0, N, 2, -1, N, N, N), 3)).toEqual([1, 1, 1, 1, 2, 2, 1, N]);
  });

  it("SUMIF: Σ A where C is true, among days with A and C valid", () => {
    const out = new Float64Array(5);
    rollingSumIf(f(10, 20, N, 40, 50), f(1, 0, 1, N, 1), out, 0, 5, 2);
    expect([...out]).toEqual([10, 10, 0, N, 50]);
  });
});
