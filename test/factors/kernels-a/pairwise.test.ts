import { describe, expect, it } from "vitest";
import { pairwiseDot, pairwiseSum } from "../../../factors/kernels/pairwise.ts";

/**
 * Expected values from numpy 1.24 (`a.sum()`, `(a*b).sum()` on contiguous float64 arrays) for
 * terms every language computes to the same bits (sums, products and quotients of integers).
 */
const a = (n: number) => Float64Array.from({ length: n }, (_, k) => ((((k * 7919) % 1000) - 500) / 7) * 10 ** (k % 5));
const b = (n: number) => Float64Array.from({ length: n }, (_, k) => ((k % 11) - 5) / 3);

function leftToRight(x: Float64Array): number {
  let s = 0;
  for (const v of x) s += v;
  return s;
}

describe("numpy's pairwise summation order", () => {
  it.each([
    [5, 293498.5714285714, -113793.33333333333],
    [10, -55710.71428571432, -571758.0952380953],
    [30, 39516.42857142852, -161215.47619047607],
    [130, -60519.28571428545, -2778509.285714286],
    [300, -327707.14285714226, -98045.71428571409],
  ])("n = %i: Σa and Σa·b are numpy's to the last bit", (n, sum, dot) => {
    expect(pairwiseSum(a(n), 0, n)).toBe(sum);
    expect(pairwiseDot(a(n), 0, b(n), 0, n)).toBe(dot);
  });

  it("differs from left-to-right summation from 8 terms on (so the order is really exercised)", () => {
    expect(pairwiseSum(a(5), 0, 5)).toBe(leftToRight(a(5)));
    for (const n of [30, 130, 300]) expect(pairwiseSum(a(n), 0, n)).not.toBe(leftToRight(a(n)));
  });

  it("reads at an offset and sums zeros to +0", () => {
    const x = new Float64Array(40);
    x.set(a(30), 10);
    expect(pairwiseSum(x, 10, 30)).toBe(39516.42857142852);
    expect(Object.is(pairwiseSum(Float64Array.of(-0, -0), 0, 2), 0)).toBe(true);
    expect(Object.is(pairwiseSum(new Float64Array(9).fill(-0), 0, 9), 0)).toBe(true);
  });
});
