import { describe, expect, it } from "vitest";
import {
  alphaFromAlpha, alphaFromSpan, decayLinear, decayWma, emaSpan, ewmMean, macd, qlibWma, rsi, smaRecursive,
} from "../../../factors/kernels/averages.ts";

const N = NaN;
const f = (...v: number[]): Float64Array => Float64Array.from(v);

function run(k: (x: Float64Array, out: Float64Array, s: number, e: number) => void, x: Float64Array): number[] {
  const out = new Float64Array(x.length).fill(-999);
  k(x, out, 0, x.length);
  return [...out];
}

function expectClose(got: number[], want: number[], digits = 13): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    if (Number.isNaN(want[i]!)) expect(g).toBeNaN();
    else expect(g).toBeCloseTo(want[i]!, digits);
  });
}

describe("pandas ewm", () => {
  it("EMA span: a NaN day carries the value and still decays the old weights (x = 1, NaN, 3, span 2 → 1, 1, 2.8)", () => {
    expectClose(run((x, o, s, e) => emaSpan(x, o, s, e, 2), f(1, N, 3)), [1, 1, 2.8]);
  });

  it("EMA: leading NaNs, then pandas values (span 3)", () => {
    expectClose(run((x, o, s, e) => emaSpan(x, o, s, e, 3), f(N, 2, N, N, 4, 5)), [N, 2, 2, 2, 3.7777777777777777, 4.56]);
  });

  it("adjust=True with alpha, and ±inf treated as NaN", () => {
    expectClose(run((x, o, s, e) => ewmMean(x, o, s, e, alphaFromAlpha(0.5), true), f(1, Infinity, 3)), [1, 1, 2.6]);
  });

  it("SMA(A, n, m) = ewm(alpha = m/n, adjust=False): 1, NaN, 3 with alpha ½ → 1, 1, 2.333…", () => {
    expectClose(run((x, o, s, e) => smaRecursive(x, o, s, e, 2, 1), f(1, N, 3)), [1, 1, 7 / 3]);
    expectClose(run((x, o, s, e) => smaRecursive(x, o, s, e, 4, 2), f(N, 2, 2, N, 5, 2)), [N, 2, 2, 2, 4, 3]);
  });

  it("a constant series stays exactly constant", () => {
    const out = run((x, o, s, e) => emaSpan(x, o, s, e, 7), new Float64Array(50).fill(0.1));
    expect(out.every((v) => v === 0.1)).toBe(true);
  });

  it("alpha round trip through com, as pandas", () => {
    expect(alphaFromSpan(3)).toBe(0.5);
    expect(alphaFromAlpha(0.3)).toBeCloseTo(0.3, 15);
  });
});

describe("MACD and RSI (pandas values)", () => {
  it("MACD = EMA(s) − EMA(l)", () => {
    expectClose(run((x, o, s, e) => macd(x, o, s, e, 2, 3), f(1, 2, 1, 3, 1.5)), [
      0, 0.08333333333333326, -0.054945054945055194, 0.22499999999999964, -0.03292455345241252,
    ]);
  });

  it("RSI = 100·U/(U+D) on EMA(span n) of up/down moves; 100 when there are no down moves", () => {
    expectClose(run((x, o, s, e) => rsi(x, o, s, e, 3), f(1, 2, 1, 3, 1.5)), [N, 100, 33.33333333333333, 81.81818181818181, 39.130434782608695]);
    expectClose(run((x, o, s, e) => rsi(x, o, s, e, 3), f(5, 5, 5)), [N, N, N]);
  });
});

describe("weighted moving averages", () => {
  it("qlib WMA quirk: weights j/ΣL over the L rows so far, divided by the count of valid points", () => {
    expectClose(run((x, o, s, e) => qlibWma(x, o, s, e, 3), f(1, 2, 3, N)), [1, 5 / 6, 14 / 18, ((1 / 6) * 2 + (2 / 6) * 3) / 2]);
  });

  it("quanta WMA: 0.9^k weights renormalised over the valid points", () => {
    expectClose(run((x, o, s, e) => decayWma(x, o, s, e, 3), f(1, 2, N, 4)), [1, (2 + 0.9) / 1.9, (0.9 * 2 + 0.81) / 1.71, (4 + 0.81 * 2) / 1.81]);
  });

  it("DECAYLINEAR: weights d, d−1, …, 1 (today heaviest)", () => {
    expectClose(run((x, o, s, e) => decayLinear(x, o, s, e, 3), f(1, 2, 3, N)), [1, (2 * 3 + 1 * 2) / 5, 14 / 6, (3 * 2 + 2 * 1) / 3]);
  });
});
