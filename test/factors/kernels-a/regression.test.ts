import { describe, expect, it } from "vitest";
import { rollingCorr, rollingCov, rollingRegression, rollingTimeRegression } from "../../../factors/kernels/regression.ts";
import { close, nastySeries, naiveCov, naiveVar, pairsOf, windowOf } from "./naive.ts";

const N = NaN;
const f = (...v: number[]): Float64Array => Float64Array.from(v);

function cov(x: Float64Array, y: Float64Array, n: number): number[] {
  const out = new Float64Array(x.length);
  rollingCov(x, y, out, 0, x.length, n);
  return [...out];
}

function corr(x: Float64Array, y: Float64Array, n: number, qlibMask = false): number[] {
  const out = new Float64Array(x.length);
  rollingCorr(x, y, out, 0, x.length, n, qlibMask);
  return [...out];
}

describe("rollingCov / rollingCorr", () => {
  it("hand-computed: pairwise-valid points, ≥ 2 pairs, ddof 1", () => {
    const x = f(1, 2, 3, N, 5);
    const y = f(2, 4, 7, 8, N);
    const c = cov(x, y, 3);
    expect(c[0]).toBeNaN();
    expect(c[1]).toBeCloseTo(1, 15); // {(1,2),(2,4)}: Σdx·dy = 0.5·1·2 = 1, /1
    expect(c[2]).toBeCloseTo(2.5, 15); // x̄ 2, ȳ 13/3: (−1)(−7/3) + 0 + (1)(8/3) = 5 → /2
    expect(c[3]).toBeCloseTo(1.5, 15); // pairs (2,4),(3,7): 0.5·3·... = (−.5)(−1.5)+(.5)(1.5) = 1.5
    expect(c[4]).toBeNaN(); // only (3,7) is a pair
    const r = corr(x, y, 3);
    expect(r[1]).toBeCloseTo(1, 14);
    expect(r[2]).toBeCloseTo(5 / Math.sqrt(2 * (49 / 9 + 1 / 9 + 64 / 9)), 14);
  });

  it("a constant operand has zero variance: the correlation is not finite", () => {
    const r = corr(f(1, 2, 3, 4), f(5, 5, 5, 5), 3);
    expect(Number.isFinite(r[2]!)).toBe(false);
  });

  it("qlib mask: NaN where either series' own std ≤ 2e-5, also when their NaNs differ", () => {
    const x = f(1, 2, 3, 4, 5, 6, 7);
    const y = f(3, 1, 4, 1 + 1e-6, 1, 1 - 1e-6, 1);
    const plain = corr(x, y, 3);
    const masked = corr(x, y, 3, true);
    expect(Number.isFinite(plain[6]!)).toBe(true);
    expect(masked[2]).toBeCloseTo(plain[2]!, 14);
    expect(masked[6]).toBeNaN();
    // same with a NaN in x only (the two series' own valid days differ)
    const x2 = f(1, 2, 3, 4, N, 6, 7);
    const m2 = corr(x2, y, 3, true);
    expect(m2[2]).toBeCloseTo(plain[2]!, 14);
    expect(m2[6]).toBeNaN();
  });

  it("qlib mask uses each series' own valid points, not the pairs", () => {
    // the pairs (1, 1), (2, 1 + 1e-6) have a tiny y-std, but y's own window {1, 1 + 1e-6, 5} does not
    const x = f(1, 2, N);
    const y = f(1, 1 + 1e-6, 5);
    expect(corr(x, y, 3, true)[2]).toBeCloseTo(1, 12);
    // a nearly-flat y (std ≤ 2e-5) is masked
    expect(corr(f(1, 2, 3), f(1, 1 + 1e-6, 1), 3, true)[2]).toBeNaN();
  });

  it("matches per-window two-pass values on nasty series, across block boundaries", () => {
    for (const n of [0, 2, 3, 10, 33]) {
      const x = nastySeries(500, n + 1);
      const y = nastySeries(500, n + 101);
      const c = cov(x, y, n);
      const r = corr(x, y, n);
      for (let t = 0; t < x.length; t++) {
        const [a, b] = pairsOf(x, y, 0, t, n);
        const e = naiveCov(a, b);
        expect(close(c[t]!, e.cov, 1e-8, 1e-9)).toBe(true);
        if (Number.isFinite(e.corr)) expect(close(r[t]!, e.corr, 1e-8, 1e-12)).toBe(true);
      }
    }
  });
});

describe("rollingTimeRegression (qlib Slope / Rsquare / Resi)", () => {
  function reg(y: Float64Array, n: number, mask = true): { beta: number[]; r2: number[]; resi: number[] } {
    const beta = new Float64Array(y.length);
    const r2 = new Float64Array(y.length);
    const resi = new Float64Array(y.length);
    rollingTimeRegression(y, { beta, r2, resi }, 0, y.length, n, mask);
    return { beta: [...beta], r2: [...r2], resi: [...resi] };
  }

  it("a straight line: slope 2, R² 1, residual 0; NaN below 2 points", () => {
    const { beta, r2, resi } = reg(f(1, 3, 5, 7, 9), 3);
    expect(beta[0]).toBeNaN();
    expect(beta.slice(1)).toEqual([2, 2, 2, 2]);
    expect(r2[4]).toBeCloseTo(1, 15);
    expect(resi[4]).toBeCloseTo(0, 13);
  });

  it("NaN points are skipped (positions keep their time); slope/R² defined when today is NaN, residual not", () => {
    const { beta, r2, resi } = reg(f(0, N, 4, 5, N), 4);
    expect(beta[2]).toBeCloseTo(2, 14); // points (0,0), (2,4)
    // window t = 3: (0,0), (2,4), (3,5): x̄ 5/3, ȳ 3, Sxy = (−5/3)(−3) + (1/3)(1) + (4/3)(2) = 8, Sxx = 25/9+1/9+16/9 = 42/9
    expect(beta[3]).toBeCloseTo(8 / (42 / 9), 13);
    expect(resi[3]).toBeCloseTo(5 - (3 + (8 / (42 / 9)) * (3 - 5 / 3)), 13);
    // t = 4 today NaN: window (1..4) holds (2,4), (3,5)
    expect(beta[4]).toBeCloseTo(1, 14);
    expect(r2[4]).toBeCloseTo(1, 14);
    expect(resi[4]).toBeNaN();
  });

  it("qlib: R² is NaN where the window's std ≤ 2e-5 (flat stretch); slope stays 0", () => {
    const { beta, r2 } = reg(f(1, 2, 3, 5, 5, 5, 5), 3, true);
    expect(r2[6]).toBeNaN();
    expect(beta[6]).toBe(0);
    expect(reg(f(1, 2, 3, 5, 5, 5, 5), 3, false).r2[6]).toBeNaN(); // 0/0 without the mask as well
  });

  it("matches per-window OLS on a nasty series", () => {
    const y = nastySeries(300, 7);
    for (const n of [2, 5, 17]) {
      const { beta, resi, r2 } = reg(y, n, false);
      for (let t = 0; t < y.length; t++) {
        const { v, pos } = windowOf(y, 0, t, n);
        const e = naiveCov(pos, v);
        expect(close(beta[t]!, e.beta, 1e-8, 1e-10)).toBe(true);
        if (Number.isFinite(e.corr)) expect(close(r2[t]!, e.corr * e.corr, 1e-8, 1e-12)).toBe(true);
        const today = Number.isFinite(y[t]!);
        const want = today && v.length >= 2 ? y[t]! - (e.my + e.beta * (t - e.mx)) : NaN;
        expect(close(resi[t]!, want, 1e-6, 1e-9)).toBe(true);
      }
      // the R² mask is driven by the same window std
      const masked = reg(y, n, true).r2;
      for (let t = 0; t < y.length; t++) {
        const sd = Math.sqrt(naiveVar(windowOf(y, 0, t, n).v));
        if (sd <= 2e-5) expect(masked[t]).toBeNaN();
      }
    }
  });
});

describe("rollingRegression (REGBETA / REGRESI)", () => {
  it("y = 2x + 1: beta 2, residual 0; var(x) = 0 → NaN; today's pair invalid → residual NaN", () => {
    const x = f(1, 4, 2, 2, 2, 7);
    const y = f(3, 9, 5, 5, N, 15);
    const beta = new Float64Array(6);
    const resi = new Float64Array(6);
    rollingRegression(y, x, { beta, resi }, 0, 6, 2);
    expect(beta[0]).toBeNaN();
    expect(beta[1]).toBeCloseTo(2, 14);
    expect(resi[1]).toBeCloseTo(0, 13);
    expect(beta[3]).toBeNaN(); // x = {2, 2}
    expect(resi[4]).toBeNaN(); // y missing today
    expect(beta[5]).toBeNaN(); // one pair: (7, 15)
  });
});
