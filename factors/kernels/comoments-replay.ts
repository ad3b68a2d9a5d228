/**
 * Co-moments (Cov, Corr, the regressions) computed window by window with the
 * reference evaluator's own arithmetic, so that they agree with it to the last bit.
 *
 * Why bits matter: cross-sectional ranking (RankIC, RANK) turns the last bit into
 * a different rank wherever two instruments tie or nearly tie, and they do far
 * more often than chance would have it. Prices are 2-decimal numbers, so a slope,
 * a residual, their ratio to the close or a covariance is often the same small
 * rational for two instruments on a day: exactly 0, or 0.02/65.68 = 0.01/32.84,
 * or −16/465 for GT and RRC on 2015-11-12 (RESI30). The reference resolves such
 * ties through its rounding — to an exact tie, to two values an ulp or two apart,
 * or to ±1e-19 where the exact value is 0 — and no more precise formula predicts
 * which: replaying the same operations in the same order does.
 *
 * The reference (shared/reference/factor_ref.py, `_center`) computes a window
 * from its values only: the minimum of its valid values is subtracted, then the
 * mean of those differences (invalid points zeroed), then the sums of products
 * are taken. numpy sums an axis in one of two orders, depending on the memory
 * layout of the array it sums:
 * - left to right (`seqSum`, `seqDot`) when the window axis is strided, as in
 *   every array derived from the sliding-window view: each series' deviations,
 *   and the products of two deviations;
 * - pairwise (./pairwise.ts) for arrays numpy allocates contiguously: in qlib's
 *   Slope/Rsquare/Resi, the products with the time deviations (Σdx², Σdx·dy).
 * Those layouts hold whenever the reference processes two or more instruments
 * per chunk, i.e. for any panel but a one-instrument one.
 *
 * Cost is O(n) per cell, against O(1) for the block scheme of ./regression.ts,
 * which keeps the expanding window (n = 0) and windows longer than
 * REPLAY_MAX_WINDOW; for correlations it replays only the windows that can tie
 * (`coMomentAt`). The quanta dialect's regressions and co-moments are replayed by
 * ./window-replay.ts (which calls `coMomentAt` for every window).
 * Inputs are read as x[xo + r], outputs written to out[oo + r], r ∈ [0, len);
 * the window of r covers r − n + 1 … r, positions before 0 counting as invalid
 * (the reference's NaN padding before an instrument's first row). Non-finite
 * values are invalid.
 */
import { pairwiseDot } from "./pairwise.ts";
import type { Scratch } from "./scratch.ts";
import { timeRegressionKernel } from "./wasm/time-regression.ts";

/**
 * Longest window whose regressions and covariances are replayed in full; longer ones (and n = 0)
 * use the O(1) block scheme. The replay's cost grows with n while ties get rarer (a longer
 * window's slope or residual is a rational with a larger denominator, less often shared by two
 * instruments): on the S&P 500 file windows of 5 and 30 days tie, none of 60 does.
 */
export const REPLAY_MAX_WINDOW = 32;

/** qlib's `np.isclose(std, 0, atol=2e-5)` threshold (Corr, Rsquare). */
const STD_EPS = 2e-5;

/** Optional outputs of a regression replay. */
export interface ReplayOutputs {
  readonly beta?: Float64Array | undefined;
  readonly r2?: Float64Array | undefined;
  readonly resi?: Float64Array | undefined;
}

// ---------------------------------------------------------------------------------------------
// one window, the general way (any pattern of invalid points)
// ---------------------------------------------------------------------------------------------

/** Σ a[k], k < n, left to right from +0 (numpy's reduction along a strided axis). */
function seqSum(a: Float64Array, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += a[k]!;
  return s;
}

/** Σ a[k]·b[k], k < n, left to right, each product rounded first. */
function seqDot(a: Float64Array, b: Float64Array, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += a[k]! * b[k]!;
  return s;
}

/**
 * Copies the window ending at r into w[0..n): the value, or NaN where it is not
 * finite, lies before 0, or (when `also` is given) `also` is not finite there.
 */
function gather(x: Float64Array, xo: number, r: number, n: number, w: Float64Array, also: Float64Array | null, ao: number): void {
  const r0 = r - n + 1;
  for (let k = 0; k < n; k++) {
    const s = r0 + k;
    let v = 0 / 0;
    if (s >= 0) {
      v = x[xo + s]!;
      if (v - v !== 0 || (also !== null && also[ao + s]! - also[ao + s]! !== 0)) v = 0 / 0;
    }
    w[k] = v;
  }
}

/**
 * `_center` of one window w[0..n) (NaN = excluded): dev[k] = (w[k] − min) − mean
 * for included points, 0 for the others, the mean of the differences summed left
 * to right. Returns the number of included points.
 */
function center(w: Float64Array, n: number, dev: Float64Array): number {
  let lo = 1 / 0;
  let cnt = 0;
  for (let k = 0; k < n; k++) {
    const v = w[k]!;
    if (v === v) {
      cnt++;
      if (v < lo) lo = v;
    }
  }
  for (let k = 0; k < n; k++) {
    const v = w[k]!;
    dev[k] = v === v ? v - lo : 0;
  }
  const m = seqSum(dev, n) / cnt;
  for (let k = 0; k < n; k++) dev[k] = w[k] === w[k] ? dev[k]! - m : 0;
  return cnt;
}

// ---------------------------------------------------------------------------------------------
// qlib Slope / Rsquare / Resi (`_reg_time`)
// ---------------------------------------------------------------------------------------------

/**
 * qlib Slope / Rsquare / Resi: OLS of y on the position k = 0 … n−1 in the window,
 * NaN points skipped (≥ 2 points). y's deviations as `_center` (mean summed left to
 * right), x̄ = Σk / count over the valid positions, Σdx² and Σdx·dy pairwise, Σdy²
 * left to right; R² = (Σdx·dy)² / (Σdx²·Σdy²), NaN where √(Σdy²/(count − 1)) ≤ 2e-5
 * when `mask`; Resi = dy_today − β·((n − 1) − x̄), NaN when today is invalid.
 */
export function replayTimeRegression(
  y: Float64Array, yo: number, oo: number, len: number, n: number, outs: ReplayOutputs, mask: boolean, scratch: Scratch,
): void {
  const beta = outs.beta;
  const r2 = outs.r2;
  const resi = outs.resi;
  // with every point valid, x̄ = (n − 1)/2 exactly and Σdx² is the same for all windows
  const dxAll = scratch.f64(11, n);
  const half = (n - 1) / 2;
  for (let k = 0; k < n; k++) dxAll[k] = k - half;
  const sxx = pairwiseDot(dxAll, 0, dxAll, 0, n);
  const kernel = timeRegressionKernel(len, n);
  if (kernel !== undefined) {
    // The all-valid windows by the WebAssembly kernel (their minima as windowMinima's, then the same
    // operations as below, two windows to a vector); the others as below, by timeRegressionAt.
    kernel.y.set(y.subarray(yo, yo + len));
    kernel.dx.set(dxAll.subarray(0, n));
    kernel.run(len, n, sxx, mask);
    if (beta !== undefined) beta.set(kernel.beta.subarray(0, len), oo);
    if (r2 !== undefined) r2.set(kernel.r2.subarray(0, len), oo);
    if (resi !== undefined) resi.set(kernel.resi.subarray(0, len), oo);
    const valid = kernel.st;
    for (let r = 0; r < len; r++) if (valid[r] !== valid[r]) timeRegressionAt(y, yo, r, n, oo + r, outs, mask, scratch);
    return;
  }
  const lows = scratch.f64(12, len);
  const sums = scratch.f64(13, len);
  windowMinima(y, yo, len, n, lows, sums, scratch.f64(14, len));
  // Σ(y − min) of every window whose points are all valid (NaN marks the others), left to right
  // as the reference, four windows at a time so that four additions chains run side by side.
  for (let r = 0; r < len; r++) {
    if (sums[r] !== sums[r]) continue;
    const b0 = yo + r - n + 1;
    if (r + 3 < len && sums[r + 3] === sums[r + 3]) {
      // r … r + 3 all valid (validity runs are contiguous)
      const l0 = lows[r]!, l1 = lows[r + 1]!, l2 = lows[r + 2]!, l3 = lows[r + 3]!;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < n; k++) {
        const p = b0 + k;
        s0 += y[p]! - l0;
        s1 += y[p + 1]! - l1;
        s2 += y[p + 2]! - l2;
        s3 += y[p + 3]! - l3;
      }
      sums[r] = s0;
      sums[r + 1] = s1;
      sums[r + 2] = s2;
      sums[r + 3] = s3;
      r += 3;
    } else {
      const l0 = lows[r]!;
      let s0 = 0;
      for (let k = 0; k < n; k++) s0 += y[b0 + k]! - l0;
      sums[r] = s0;
    }
  }
  const m8 = n - (n % 8);
  for (let r = 0; r < len; r++) {
    const s = sums[r]!;
    if (s !== s) {
      timeRegressionAt(y, yo, r, n, oo + r, outs, mask, scratch);
      continue;
    }
    const b0 = yo + r - n + 1;
    const lo = lows[r]!;
    const m = s / n;
    // Σdx·dy in numpy's pairwise order (left to right below 8 terms; else 8 interleaved
    // accumulators, combined, then the rest) and Σdy² left to right, in one pass
    let sxy = 0;
    let syy = 0;
    if (n < 8) {
      for (let k = 0; k < n; k++) {
        const e = y[b0 + k]! - lo - m;
        sxy += dxAll[k]! * e;
        syy += e * e;
      }
    } else {
      let e0 = y[b0]! - lo - m, e1 = y[b0 + 1]! - lo - m, e2 = y[b0 + 2]! - lo - m, e3 = y[b0 + 3]! - lo - m;
      let e4 = y[b0 + 4]! - lo - m, e5 = y[b0 + 5]! - lo - m, e6 = y[b0 + 6]! - lo - m, e7 = y[b0 + 7]! - lo - m;
      let a0 = dxAll[0]! * e0, a1 = dxAll[1]! * e1, a2 = dxAll[2]! * e2, a3 = dxAll[3]! * e3;
      let a4 = dxAll[4]! * e4, a5 = dxAll[5]! * e5, a6 = dxAll[6]! * e6, a7 = dxAll[7]! * e7;
      syy = e0 * e0 + e1 * e1 + e2 * e2 + e3 * e3 + e4 * e4 + e5 * e5 + e6 * e6 + e7 * e7;
      let k = 8;
      for (; k < m8; k += 8) {
        const p = b0 + k;
        e0 = y[p]! - lo - m;
        e1 = y[p + 1]! - lo - m;
        e2 = y[p + 2]! - lo - m;
        e3 = y[p + 3]! - lo - m;
        e4 = y[p + 4]! - lo - m;
        e5 = y[p + 5]! - lo - m;
        e6 = y[p + 6]! - lo - m;
        e7 = y[p + 7]! - lo - m;
        a0 += dxAll[k]! * e0;
        a1 += dxAll[k + 1]! * e1;
        a2 += dxAll[k + 2]! * e2;
        a3 += dxAll[k + 3]! * e3;
        a4 += dxAll[k + 4]! * e4;
        a5 += dxAll[k + 5]! * e5;
        a6 += dxAll[k + 6]! * e6;
        a7 += dxAll[k + 7]! * e7;
        syy = syy + e0 * e0 + e1 * e1 + e2 * e2 + e3 * e3 + e4 * e4 + e5 * e5 + e6 * e6 + e7 * e7;
      }
      sxy = a0 + a1 + (a2 + a3) + (a4 + a5 + (a6 + a7));
      for (; k < n; k++) {
        const e = y[b0 + k]! - lo - m;
        sxy += dxAll[k]! * e;
        syy += e * e;
      }
    }
    const b = sxy / sxx;
    const o = oo + r;
    if (beta !== undefined) beta[o] = b;
    if (r2 !== undefined) r2[o] = mask && Math.sqrt(syy / (n - 1)) <= STD_EPS ? 0 / 0 : (sxy * sxy) / (sxx * syy);
    if (resi !== undefined) resi[o] = y[yo + r]! - lo - m - b * half;
  }
}

/**
 * For each r: lows[r] = the minimum of the valid values in the window ending at r (a monotone
 * deque, O(1) per day), and allValid[r] = 0 when all n points of that window are valid, NaN
 * otherwise. `deque` is work space of len entries.
 */
function windowMinima(
  y: Float64Array, yo: number, len: number, n: number, lows: Float64Array, allValid: Float64Array, deque: Float64Array,
): void {
  let head = 0;
  let tail = 0;
  let run = 0;
  for (let r = 0; r < len; r++) {
    const v = y[yo + r]!;
    if (head < tail && deque[head]! <= r - n) head++;
    if (v - v === 0) {
      while (tail > head && y[yo + deque[tail - 1]!]! >= v) tail--;
      deque[tail++] = r;
      run++;
    } else {
      run = 0;
    }
    lows[r] = head < tail ? y[yo + deque[head]!]! : 0 / 0;
    allValid[r] = run >= n ? 0 : 0 / 0;
  }
}

/** replayTimeRegression for the window ending at r when some of its points are invalid (written to index o). */
function timeRegressionAt(
  y: Float64Array, yo: number, r: number, n: number, o: number, outs: ReplayOutputs, mask: boolean, scratch: Scratch,
): void {
  const w = scratch.f64(8, n);
  const dy = scratch.f64(9, n);
  const dx = scratch.f64(10, n);
  gather(y, yo, r, n, w, null, 0);
  const cnt = center(w, n, dy);
  let b = 0 / 0;
  let q = 0 / 0;
  let e = 0 / 0;
  if (cnt >= 2) {
    let sk = 0;
    for (let k = 0; k < n; k++) if (w[k] === w[k]) sk += k;
    const xm = sk / cnt;
    for (let k = 0; k < n; k++) dx[k] = w[k] === w[k] ? k - xm : 0;
    const sxx = pairwiseDot(dx, 0, dx, 0, n);
    const sxy = pairwiseDot(dx, 0, dy, 0, n);
    b = sxy / sxx;
    if (outs.r2 !== undefined) {
      const syy = seqDot(dy, dy, n);
      q = mask && Math.sqrt(syy / (cnt - 1)) <= STD_EPS ? 0 / 0 : (sxy * sxy) / (sxx * syy);
    }
    if (w[n - 1] === w[n - 1]) e = dy[n - 1]! - b * (n - 1 - xm);
  }
  if (outs.beta !== undefined) outs.beta[o] = b;
  if (outs.r2 !== undefined) outs.r2[o] = q;
  if (outs.resi !== undefined) outs.resi[o] = e;
}

// ---------------------------------------------------------------------------------------------
// Cov / Corr (`roll_cov_corr`; qlib Corr's std mask from `roll_var`)
// ---------------------------------------------------------------------------------------------

/** Which co-moment: sample covariance, Pearson correlation, or qlib's masked correlation. */
export const CoMode = { Cov: 0, Corr: 1, QlibCorr: 2 } as const;
export type CoMode = (typeof CoMode)[keyof typeof CoMode];

/** The co-moment of the window ending at r, any pattern of invalid points. */
export function coMomentAt(
  a: Float64Array, ao: number, b: Float64Array, bo: number, r: number, n: number, mode: CoMode, scratch: Scratch,
): number {
  const wa = scratch.f64(8, n);
  const wb = scratch.f64(9, n);
  const da = scratch.f64(10, n);
  const db = scratch.f64(11, n);
  gather(a, ao, r, n, wa, b, bo);
  gather(b, bo, r, n, wb, a, ao);
  const cnt = center(wa, n, da);
  center(wb, n, db);
  if (cnt < 2) return 0 / 0;
  const sab = seqDot(da, db, n);
  if (mode === CoMode.Cov) return sab / (cnt - 1);
  if (mode === CoMode.QlibCorr && (ownStdTiny(a, ao, r, n, scratch) || ownStdTiny(b, bo, r, n, scratch))) return 0 / 0;
  return sab / Math.sqrt(seqDot(da, da, n) * seqDot(db, db, n));
}

/** qlib Corr's mask for one series: its own rolling std (ddof 1, `roll_var`) over the window ending at r is ≤ 2e-5. */
function ownStdTiny(x: Float64Array, xo: number, r: number, n: number, scratch: Scratch): boolean {
  const w = scratch.f64(12, n);
  const d = scratch.f64(13, n);
  gather(x, xo, r, n, w, null, 0);
  const cnt = center(w, n, d);
  return cnt > 1 && Math.sqrt(seqDot(d, d, n) / (cnt - 1)) <= STD_EPS;
}
