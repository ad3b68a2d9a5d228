/**
 * numpy's float64 summation order, reproduced bit for bit.
 *
 * The reference evaluator computes each window's moments with `ndarray.sum(-1)`
 * over a contiguous (…, n) array, which numpy does by pairwise summation
 * (`DOUBLE_pairwise_sum`, numpy/core/src/umath/loops_utils.h.src): fewer than 8
 * terms are added left to right; up to 128 terms go into 8 interleaved
 * accumulators combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)), the remainder
 * added after; longer runs are split at a multiple of 8 near the middle and the
 * halves summed recursively. Where cross-sectional ranking depends on exact ties
 * (a slope or residual that is 0, a correlation of exactly −1), agreeing with the
 * reference to the last bit needs the same order, so the kernels that replay a
 * window the reference's way sum through these.
 *
 * The reduction adds the pairwise sum to an output initialised to +0, so a sum
 * of zeros is +0 (never −0) here too.
 *
 * Each function sums terms of a[ao + k] (k ∈ [0, n)), a zero standing for an
 * excluded point exactly as the reference's zeroed deviations do.
 */

/** Σ a[ao + k] in numpy's pairwise order. */
export function pairwiseSum(a: Float64Array, ao: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let k = 0; k < n; k++) res += a[ao + k]!;
    return res;
  }
  if (n <= 128) {
    let r0 = a[ao]!;
    let r1 = a[ao + 1]!;
    let r2 = a[ao + 2]!;
    let r3 = a[ao + 3]!;
    let r4 = a[ao + 4]!;
    let r5 = a[ao + 5]!;
    let r6 = a[ao + 6]!;
    let r7 = a[ao + 7]!;
    const m = n - (n % 8);
    let k = 8;
    for (; k < m; k += 8) {
      const p = ao + k;
      r0 += a[p]!;
      r1 += a[p + 1]!;
      r2 += a[p + 2]!;
      r3 += a[p + 3]!;
      r4 += a[p + 4]!;
      r5 += a[p + 5]!;
      r6 += a[p + 6]!;
      r7 += a[p + 7]!;
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; k < n; k++) res += a[ao + k]!;
    return res + 0;
  }
  let n2 = n >> 1;
  n2 -= n2 % 8;
  return pairwiseSum(a, ao, n2) + pairwiseSum(a, ao + n2, n - n2);
}

/** Σ a[ao + k]·b[bo + k] in numpy's pairwise order (each product rounded first, as `(a*b).sum(-1)`). */
export function pairwiseDot(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let k = 0; k < n; k++) res += a[ao + k]! * b[bo + k]!;
    return res;
  }
  if (n <= 128) {
    let r0 = a[ao]! * b[bo]!;
    let r1 = a[ao + 1]! * b[bo + 1]!;
    let r2 = a[ao + 2]! * b[bo + 2]!;
    let r3 = a[ao + 3]! * b[bo + 3]!;
    let r4 = a[ao + 4]! * b[bo + 4]!;
    let r5 = a[ao + 5]! * b[bo + 5]!;
    let r6 = a[ao + 6]! * b[bo + 6]!;
    let r7 = a[ao + 7]! * b[bo + 7]!;
    const m = n - (n % 8);
    let k = 8;
    for (; k < m; k += 8) {
      const p = ao + k;
      const q = bo + k;
      r0 += a[p]! * b[q]!;
      r1 += a[p + 1]! * b[q + 1]!;
      r2 += a[p + 2]! * b[q + 2]!;
      r3 += a[p + 3]! * b[q + 3]!;
      r4 += a[p + 4]! * b[q + 4]!;
      r5 += a[p + 5]! * b[q + 5]!;
      r6 += a[p + 6]! * b[q + 6]!;
      r7 += a[p + 7]! * b[q + 7]!;
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; k < n; k++) res += a[ao + k]! * b[bo + k]!;
    return res + 0;
  }
  let n2 = n >> 1;
  n2 -= n2 % 8;
  return pairwiseDot(a, ao, b, bo, n2) + pairwiseDot(a, ao + n2, b, bo + n2, n - n2);
}
