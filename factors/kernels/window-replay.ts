/**
 * Rolling sums, products, means and variances, skew/kurtosis, covariances and regressions of
 * the quanta dialect computed window by window with the reference evaluator's own arithmetic
 * (shared/reference/factor_ref.py: `roll_sum`, `q_PROD`, `roll_mean`, `roll_var`,
 * `roll_zscore`, `_central_moments`, `roll_cov_corr`, `_regress`), so that they agree with
 * it to the last bit.
 *
 * Why bits matter here: the block schemes of ./moments.ts and ./regression.ts are
 * accurate to a few ulps, but their last bits depend on where the block boundaries
 * fall. Windows that are equal in exact arithmetic (a suspension's repeated values,
 * the same valid points shifted past NaN days, a constant operand) then come out an
 * ulp apart, and statistics that are exactly 0 (the slope of a symmetric window on
 * SEQUENCE, the skew of a symmetric window, a residual of a perfect fit) come out as
 * ±1e-17 — where the reference's come out equal, or exactly 0. Any comparison, rank,
 * argmax, zero-variance rule, truth test or division downstream turns that last bit
 * into a different value: random expressions checked against the reference
 * (bench/fuzz-parity.ts) failed this way through TS_SUM, SUMIF, PROD, TS_STD, TS_SKEW,
 * TS_KURT, REGBETA, REGRESI and TS_COVARIANCE.
 *
 * The reference's arithmetic: a window's points are taken oldest first; invalid ones
 * (NaN, or before the instrument's first row) contribute nothing; every reduction
 * over the window is a plain left-to-right sum from +0 (numpy reduces the strided
 * window axis of its sliding-window view element by element; checked bit for bit against
 * factor_ref.py on the CSI 300 and S&P 500 files, one exception: sequenceSumsPairwise).
 * Centering (`_center`) subtracts the window's smallest valid value, then the mean of
 * those differences: d = (x − min) − Σ(x − min)/count.
 *
 * Cost: O(n) per cell (the block schemes are O(1)), so these run for windows up to
 * REPLAY_WINDOW_MAX; longer windows keep the block schemes. Not replayed: WMA's weights 0.9^k
 * and TS_SKEW's m2^1.5 come from numpy's `**`, which on this AVX-512 machine is SVML and
 * differs from Math.pow in the last bit for ~25% of arguments (not reproduced).
 *
 * Convention as ./moments.ts: `(…, out, start, end, n)` reads [start, end) of an
 * instrument-major array and writes out[start, end); the window counts today and
 * stops at `start`; n ≥ 1; non-finite values are skipped. Windows whose points are all
 * valid (most of them) take a path without validity tests, minima from a deque.
 */
import { routeEmit2, sumIfSeries } from "./moments.ts";
import { pairwiseDot, pairwiseSum } from "./pairwise.ts";
import type { Scratch } from "./scratch.ts";

/**
 * Longest window computed here; longer ones use the O(1) block schemes (exact to a few ulps,
 * not to the last bit). The replay costs O(n) per cell: on the full S&P 500 panel a batch of
 * 200 random quanta expressions (windows ≤ 30) evaluates ~1.45× slower than with the block
 * schemes alone, TS_COVARIANCE / TS_VAR / TS_SKEW of 20–30 days 2.5–4×. 0 turns replay off.
 */
export const REPLAY_WINDOW_MAX = 32;

/** Σ of the valid values of the window, left to right; NaN if none (TS_SUM, SUMAC). */
export function replaySum(x: Float64Array, out: Float64Array, start: number, end: number, n: number, scratch: Scratch): void {
  seqWindowSums(x, start, out, start, end - start, n, scratch);
}

/**
 * SUMIF(A, n, C): the window sum of A where C is true and 0 where C is false, over the
 * days where both are valid (the reference's `roll_sum` of that series); NaN if none.
 */
export function replaySumIf(
  a: Float64Array, c: Float64Array, out: Float64Array, start: number, end: number, n: number, scratch: Scratch,
): void {
  const len = end - start;
  const tmp = sumIfSeries(a, c, start, len, scratch.f64(2, len));
  seqWindowSums(tmp, 0, out, start, len, n, scratch);
}

/** Window sums of x[xo + r] → out[oo + r], r ∈ [0, len); four full windows side by side where all points are valid. */
function seqWindowSums(x: Float64Array, xo: number, out: Float64Array, oo: number, len: number, n: number, scratch: Scratch): void {
  const full = scratch.f64(3, len);
  fullWindows(x, xo, len, n, full);
  for (let r = 0; r < len; r++) {
    const a = r - n + 1 > 0 ? r - n + 1 : 0;
    const b0 = xo + a;
    if (r - n + 1 >= 0 && r + 3 < len && full[r] === 1 && full[r + 1] === 1 && full[r + 2] === 1 && full[r + 3] === 1) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < n; j++) {
        const p = b0 + j;
        s0 += x[p]!;
        s1 += x[p + 1]!;
        s2 += x[p + 2]!;
        s3 += x[p + 3]!;
      }
      out[oo + r] = s0;
      out[oo + r + 1] = s1;
      out[oo + r + 2] = s2;
      out[oo + r + 3] = s3;
      r += 3;
      continue;
    }
    let s0 = 0;
    let c = 0;
    for (let k = a; k <= r; k++) {
      const v = x[xo + k]!;
      if (v - v === 0) {
        s0 += v;
        c++;
      }
    }
    out[oo + r] = c > 0 ? s0 : 0 / 0;
  }
}

/** full[r] = 1 when every point of the window ending at r (clipped at 0) is valid, else 0. */
function fullWindows(x: Float64Array, xo: number, len: number, n: number, full: Float64Array): void {
  let run = 0;
  for (let r = 0; r < len; r++) {
    const v = x[xo + r]!;
    run = v - v === 0 ? run + 1 : 0;
    full[r] = run >= (r + 1 < n ? r + 1 : n) ? 1 : 0;
  }
}

/** Π of the valid values of the window, left to right; NaN if none (PROD). Four full windows side by side where all points are valid. */
export function replayProd(x: Float64Array, out: Float64Array, start: number, end: number, n: number, scratch: Scratch): void {
  const len = end - start;
  const full = scratch.f64(3, len);
  fullWindows(x, start, len, n, full);
  for (let r = 0; r < len; r++) {
    const b0 = start + (r - n + 1 > 0 ? r - n + 1 : 0);
    if (r - n + 1 >= 0 && r + 3 < len && full[r] === 1 && full[r + 1] === 1 && full[r + 2] === 1 && full[r + 3] === 1) {
      let p0 = 1, p1 = 1, p2 = 1, p3 = 1;
      for (let j = 0; j < n; j++) {
        const q = b0 + j;
        p0 *= x[q]!;
        p1 *= x[q + 1]!;
        p2 *= x[q + 2]!;
        p3 *= x[q + 3]!;
      }
      out[start + r] = p0;
      out[start + r + 1] = p1;
      out[start + r + 2] = p2;
      out[start + r + 3] = p3;
      r += 3;
      continue;
    }
    let p = 1;
    let c = 0;
    for (let k = b0; k <= start + r; k++) {
      const v = x[k]!;
      if (v - v === 0) {
        p *= v;
        c++;
      }
    }
    out[start + r] = c > 0 ? p : 0 / 0;
  }
}

/**
 * TS_SKEW / TS_KURT: scipy's biased skewness / excess kurtosis of the window
 * (`_central_moments` + `_skew_kurt_scipy`): m_k = Σd^k / count with d centred as
 * above, d³ as d²·d and d⁴ as d²·d²; ≥ 3 / ≥ 4 points; NaN where m2 ≤ (1e-15·mean)²
 * (scipy's zero rule). skew = m3 / m2^1.5 — numpy's `**` (SVML on AVX-512 machines)
 * and Math.pow can differ in the last bit, but an exactly-zero m3 stays 0.
 */
export function replaySkewKurt(
  x: Float64Array, out: Float64Array, start: number, end: number, n: number, kurt: boolean, scratch: Scratch,
): void {
  const need = kurt ? 4 : 3;
  const len = end - start;
  if (len <= 0) return;
  const lows = scratch.f64(3, len);
  const full = scratch.f64(4, len);
  windowLows(x, start, len, n, lows, full, scratch.f64(7, len));
  for (let r = 0; r < len; r++) {
    const t = start + r;
    const a = r - n + 1 > 0 ? start + r - n + 1 : start;
    const lo = lows[r]!;
    let cnt = 0;
    let s = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    if (full[r] === 1) {
      cnt = t - a + 1;
      if (cnt < need) {
        out[t] = 0 / 0;
        continue;
      }
      for (let k = a; k <= t; k++) s += x[k]! - lo;
      const m = s / cnt;
      for (let k = a; k <= t; k++) {
        const d = x[k]! - lo - m;
        const d2 = d * d;
        s2 += d2;
        s3 += d2 * d;
        s4 += d2 * d2;
      }
    } else {
      for (let k = a; k <= t; k++) {
        const v = x[k]!;
        if (v - v === 0) {
          cnt++;
          s += v - lo;
        }
      }
      if (cnt < need) {
        out[t] = 0 / 0;
        continue;
      }
      const m = s / cnt;
      for (let k = a; k <= t; k++) {
        const v = x[k]!;
        if (v - v === 0) {
          const d = v - lo - m;
          const d2 = d * d;
          s2 += d2;
          s3 += d2 * d;
          s4 += d2 * d2;
        }
      }
    }
    const m2 = s2 / cnt;
    const tiny = 1e-15 * (lo + s / cnt);
    if (m2 <= tiny * tiny) out[t] = 0 / 0;
    else out[t] = kurt ? s4 / cnt / (m2 * m2) - 3 : s3 / cnt / Math.pow(m2, 1.5);
  }
}

/** Outputs of a co-moment replay; any may be omitted. */
export interface ReplayCoOutputs {
  /** sample covariance of a and b (ddof 1) */
  readonly cov?: Float64Array | undefined;
  /** Pearson correlation of a and b */
  readonly corr?: Float64Array | undefined;
  /** slope of a (y) on b (x) */
  readonly beta?: Float64Array | undefined;
  /** today's residual of that regression */
  readonly resi?: Float64Array | undefined;
}

/**
 * TS_COVARIANCE, TS_CORR (`roll_cov_corr`) and REGBETA / REGRESI (`_regress`) of a on b
 * over the window's pairwise-valid points (≥ 2), both series centred as above, sums of
 * da·db, da², db² left to right: cov = Σda·db/(count − 1), corr = Σda·db/√(Σda²·Σdb²),
 * β = Σda·db/Σdb² (Σdb² > 0), residual = da_today − β·db_today (NaN if today's pair is
 * invalid). `b` null: b is the window position 1 … n (SEQUENCE), always valid; then
 * `pairwise` selects numpy's pairwise order for the window sums (see sequenceSumsPairwise).
 */
export function replayCoMoments(
  a: Float64Array, b: Float64Array | null, outs: ReplayCoOutputs, start: number, end: number, n: number,
  scratch: Scratch, pairwise = false,
): void {
  const len = end - start;
  if (len <= 0) return;
  if (b === null && pairwise && n >= 8) {
    replayTimeRegressionPairwise(a, outs, start, end, n, scratch);
    return;
  }
  const lowsA = scratch.f64(3, len);
  const fullA = scratch.f64(4, len);
  windowLows(a, start, len, n, lowsA, fullA, scratch.f64(7, len));
  const lowsB = scratch.f64(5, len);
  const fullB = scratch.f64(6, len);
  if (b !== null) windowLows(b, start, len, n, lowsB, fullB, scratch.f64(7, len));
  else fullB.fill(1, 0, len);
  // SEQUENCE over a full-length window: the time deviations are the same every day
  const dTime = scratch.f64(10, n);
  let sTime = 0;
  for (let j = 0; j < n; j++) sTime += j;
  for (let j = 0; j < n; j++) dTime[j] = j - sTime / n;
  const four: FourWindows = { a, b, start, n, lowsA, lowsB, dTime, outs };
  for (let r = 0; r < len; r++) {
    if (r - n + 1 >= 0 && r + 3 < len && fullA[r] === 1 && fullA[r + 1] === 1 && fullA[r + 2] === 1 && fullA[r + 3] === 1 &&
      fullB[r] === 1 && fullB[r + 1] === 1 && fullB[r + 2] === 1 && fullB[r + 3] === 1) {
      coMomentsFour(four, r);
      r += 3;
      continue;
    }
    const t = start + r;
    const s0 = t - n + 1;
    const lo = s0 > start ? s0 : start;
    let cnt = 0;
    let loA = 1 / 0;
    let loB = 1 / 0;
    let sa = 0;
    let sb = 0;
    let sab = 0;
    let saa = 0;
    let sbb = 0;
    let daT = 0 / 0;
    let dbT = 0 / 0;
    if (fullA[r] === 1 && (b === null || fullB[r] === 1)) {
      // every point valid: minima from the deques, no tests in the loops
      cnt = t - lo + 1;
      loA = lowsA[r]!;
      loB = b === null ? lo - s0 + 1 : lowsB[r]!;
      for (let k = lo; k <= t; k++) {
        sa += a[k]! - loA;
        sb += (b === null ? k - s0 + 1 : b[k]!) - loB;
      }
      const ma = sa / cnt;
      const mb = sb / cnt;
      for (let k = lo; k <= t; k++) {
        const da = a[k]! - loA - ma;
        const db = (b === null ? k - s0 + 1 : b[k]!) - loB - mb;
        sab += da * db;
        saa += da * da;
        sbb += db * db;
        if (k === t) {
          daT = da;
          dbT = db;
        }
      }
    } else {
      for (let k = lo; k <= t; k++) {
        const v = a[k]!;
        const u = b === null ? k - s0 + 1 : b[k]!;
        if (v - v === 0 && u - u === 0) {
          cnt++;
          if (v < loA) loA = v;
          if (u < loB) loB = u;
        }
      }
      for (let k = lo; k <= t; k++) {
        const v = a[k]!;
        const u = b === null ? k - s0 + 1 : b[k]!;
        if (v - v === 0 && u - u === 0) {
          sa += v - loA;
          sb += u - loB;
        }
      }
      const ma = sa / cnt;
      const mb = sb / cnt;
      for (let k = lo; k <= t; k++) {
        const v = a[k]!;
        const u = b === null ? k - s0 + 1 : b[k]!;
        if (v - v === 0 && u - u === 0) {
          const da = v - loA - ma;
          const db = u - loB - mb;
          sab += da * db;
          saa += da * da;
          sbb += db * db;
          if (k === t) {
            daT = da;
            dbT = db;
          }
        }
      }
    }
    emitCo(outs, t, cnt, sab, saa, sbb, daT, dbT);
  }
}

interface FourWindows {
  readonly a: Float64Array;
  readonly b: Float64Array | null;
  readonly start: number;
  readonly n: number;
  readonly lowsA: Float64Array;
  readonly lowsB: Float64Array;
  /** b null: the deviations j − (n − 1)/2 of the time index in a full window */
  readonly dTime: Float64Array;
  readonly outs: ReplayCoOutputs;
}

/**
 * replayCoMoments for the four full-length windows ending at start + r … r + 3, all points
 * valid: the same sums, as four independent addition chains side by side.
 */
function coMomentsFour(w: FourWindows, r: number): void {
  const { a, b, n, lowsA, lowsB, dTime, outs } = w;
  const b0 = w.start + r - n + 1;
  const la0 = lowsA[r]!, la1 = lowsA[r + 1]!, la2 = lowsA[r + 2]!, la3 = lowsA[r + 3]!;
  let sa0 = 0, sa1 = 0, sa2 = 0, sa3 = 0;
  for (let j = 0; j < n; j++) {
    const p = b0 + j;
    sa0 += a[p]! - la0;
    sa1 += a[p + 1]! - la1;
    sa2 += a[p + 2]! - la2;
    sa3 += a[p + 3]! - la3;
  }
  const ma0 = sa0 / n, ma1 = sa1 / n, ma2 = sa2 / n, ma3 = sa3 / n;
  let ab0 = 0, ab1 = 0, ab2 = 0, ab3 = 0;
  let aa0 = 0, aa1 = 0, aa2 = 0, aa3 = 0;
  let bb0 = 0, bb1 = 0, bb2 = 0, bb3 = 0;
  let lb0 = 0, lb1 = 0, lb2 = 0, lb3 = 0;
  let mb0 = 0, mb1 = 0, mb2 = 0, mb3 = 0;
  const wantAA = outs.corr !== undefined;
  if (b === null) {
    for (let j = 0; j < n; j++) bb0 += dTime[j]! * dTime[j]!;
    bb1 = bb2 = bb3 = bb0;
    for (let j = 0; j < n; j++) {
      const p = b0 + j;
      const db = dTime[j]!;
      const d0 = a[p]! - la0 - ma0;
      const d1 = a[p + 1]! - la1 - ma1;
      const d2 = a[p + 2]! - la2 - ma2;
      const d3 = a[p + 3]! - la3 - ma3;
      ab0 += d0 * db;
      ab1 += d1 * db;
      ab2 += d2 * db;
      ab3 += d3 * db;
      if (wantAA) {
        aa0 += d0 * d0;
        aa1 += d1 * d1;
        aa2 += d2 * d2;
        aa3 += d3 * d3;
      }
    }
  } else {
    lb0 = lowsB[r]!;
    lb1 = lowsB[r + 1]!;
    lb2 = lowsB[r + 2]!;
    lb3 = lowsB[r + 3]!;
    let sb0 = 0, sb1 = 0, sb2 = 0, sb3 = 0;
    for (let j = 0; j < n; j++) {
      const p = b0 + j;
      sb0 += b[p]! - lb0;
      sb1 += b[p + 1]! - lb1;
      sb2 += b[p + 2]! - lb2;
      sb3 += b[p + 3]! - lb3;
    }
    mb0 = sb0 / n;
    mb1 = sb1 / n;
    mb2 = sb2 / n;
    mb3 = sb3 / n;
    for (let j = 0; j < n; j++) {
      const p = b0 + j;
      const d0 = a[p]! - la0 - ma0;
      const d1 = a[p + 1]! - la1 - ma1;
      const d2 = a[p + 2]! - la2 - ma2;
      const d3 = a[p + 3]! - la3 - ma3;
      const e0 = b[p]! - lb0 - mb0;
      const e1 = b[p + 1]! - lb1 - mb1;
      const e2 = b[p + 2]! - lb2 - mb2;
      const e3 = b[p + 3]! - lb3 - mb3;
      ab0 += d0 * e0;
      ab1 += d1 * e1;
      ab2 += d2 * e2;
      ab3 += d3 * e3;
      bb0 += e0 * e0;
      bb1 += e1 * e1;
      bb2 += e2 * e2;
      bb3 += e3 * e3;
      if (wantAA) {
        aa0 += d0 * d0;
        aa1 += d1 * d1;
        aa2 += d2 * d2;
        aa3 += d3 * d3;
      }
    }
  }
  const tEnd = b0 + n - 1;
  const dTimeT = dTime[n - 1]!;
  emitCo(outs, tEnd, n, ab0, aa0, bb0, a[tEnd]! - la0 - ma0, b === null ? dTimeT : b[tEnd]! - lb0 - mb0);
  emitCo(outs, tEnd + 1, n, ab1, aa1, bb1, a[tEnd + 1]! - la1 - ma1, b === null ? dTimeT : b[tEnd + 1]! - lb1 - mb1);
  emitCo(outs, tEnd + 2, n, ab2, aa2, bb2, a[tEnd + 2]! - la2 - ma2, b === null ? dTimeT : b[tEnd + 2]! - lb2 - mb2);
  emitCo(outs, tEnd + 3, n, ab3, aa3, bb3, a[tEnd + 3]! - la3 - ma3, b === null ? dTimeT : b[tEnd + 3]! - lb3 - mb3);
}

/** Writes the requested co-moment statistics of day t from the count and the centred sums. */
function emitCo(outs: ReplayCoOutputs, t: number, cnt: number, sab: number, saa: number, sbb: number, daT: number, dbT: number): void {
  const two = cnt >= 2;
  if (outs.cov !== undefined) outs.cov[t] = two ? sab / (cnt - 1) : 0 / 0;
  if (outs.corr !== undefined) outs.corr[t] = two ? sab / Math.sqrt(saa * sbb) : 0 / 0;
  const beta = two && sbb > 0 ? sab / sbb : 0 / 0;
  if (outs.beta !== undefined) outs.beta[t] = beta;
  if (outs.resi !== undefined) outs.resi[t] = daT - beta * dbT;
}

/** replayRegression on SEQUENCE with every window sum in numpy's pairwise order over the n slots. */
function replayTimeRegressionPairwise(y: Float64Array, outs: ReplayCoOutputs, start: number, end: number, n: number, scratch: Scratch): void {
  const dy = scratch.f64(8, n);
  const dx = scratch.f64(9, n);
  const beta = outs.beta;
  const resi = outs.resi;
  for (let t = start; t < end; t++) {
    const s0 = t - n + 1;
    let cnt = 0;
    let lo = 1 / 0;
    let loX = 1 / 0;
    for (let k = 0; k < n; k++) {
      const s = s0 + k;
      const v = s >= start ? y[s]! : 0 / 0;
      if (v - v === 0) {
        cnt++;
        if (v < lo) lo = v;
        if (k + 1 < loX) loX = k + 1;
      }
    }
    for (let k = 0; k < n; k++) {
      const s = s0 + k;
      const v = s >= start ? y[s]! : 0 / 0;
      const ok = v - v === 0;
      dy[k] = ok ? v - lo : 0;
      dx[k] = ok ? k + 1 - loX : 0;
    }
    const my = pairwiseSum(dy, 0, n) / cnt;
    const mx = pairwiseSum(dx, 0, n) / cnt;
    for (let k = 0; k < n; k++) {
      const s = s0 + k;
      const v = s >= start ? y[s]! : 0 / 0;
      const ok = v - v === 0;
      dy[k] = ok ? dy[k]! - my : 0;
      dx[k] = ok ? dx[k]! - mx : 0;
    }
    const sxx = pairwiseDot(dx, 0, dx, 0, n);
    const b = cnt >= 2 && sxx > 0 ? pairwiseDot(dx, 0, dy, 0, n) / sxx : 0 / 0;
    if (beta !== undefined) beta[t] = b;
    if (resi !== undefined) resi[t] = y[t]! - y[t]! === 0 ? dy[n - 1]! - b * dx[n - 1]! : 0 / 0;
  }
}

/**
 * Whether the reference sums REGBETA / REGRESI windows on SEQUENCE pairwise (true) or left to
 * right (false) for instrument i: it depends on the memory layout numpy gives the
 * pairwise-validity mask of the sliding-window view (T × C × n) and the broadcast time index,
 * and that layout puts the window axis innermost when the chunk holds one instrument or has
 * fewer than 2^18 cells (measured on numpy 1.24: 0 exceptions in 300 random shapes). C is
 * the size of the reference's instrument chunk (`_chunks`: 6e6 / (T·n) instruments at a time)
 * holding i; with fewer than 8 points both orders are the same.
 */
export function sequenceSumsPairwise(nDates: number, nInst: number, i: number, n: number): boolean {
  const step = Math.max(1, Math.floor(6_000_000 / Math.max(1, nDates * n)));
  const c0 = Math.floor(i / step) * step;
  const c = Math.min(nInst, c0 + step) - c0;
  return c === 1 || nDates * c * n < 262_144;
}

/**
 * Mean / variance family (`roll_mean`, `roll_var`, `roll_zscore`, `roll_mean_std`): per
 * window, mean = min + Σ(x − min)/count, variance = Σd²/(count − 1) (≥ 2 points) with d
 * centred as above; outs[s] receives statistic modes[s] (./moments.ts's Emit2): the mean, the
 * variance, the standard deviation, today's z-score d_today/std (NaN if today is invalid),
 * or the band mean + k·std. These are the dialect's most used operators, so the sums of
 * windows whose points are all valid run four windows side by side (four independent
 * addition chains, each still left to right) and the window minima come from a deque.
 */
export function replayMoments2(
  x: Float64Array, outs: readonly Float64Array[], modes: Int32Array, start: number, end: number, n: number, k: number,
  scratch: Scratch,
): void {
  const len = end - start;
  if (len <= 0) return;
  const { mean: outMean, variance: outVar, std: outStd, zscore: outZ, band: outBand } = routeEmit2(outs, modes);
  const second = outVar !== undefined || outStd !== undefined || outZ !== undefined || outBand !== undefined;
  const lows = scratch.f64(3, len);
  const full = scratch.f64(4, len);
  const offs = scratch.f64(5, len);
  const sq = scratch.f64(6, len);
  windowLows(x, start, len, n, lows, full, scratch.f64(7, len));
  // offs[r] = Σ(x − min) / count over the window ending at r
  for (let r = 0; r < len; r++) {
    const a = r - n + 1 > 0 ? r - n + 1 : 0;
    const b0 = start + a;
    const w = r - a + 1;
    if (r + 3 < len && full[r] === 1 && full[r + 1] === 1 && full[r + 2] === 1 && full[r + 3] === 1 && a + 3 === (r + 3 - n + 1 > 0 ? r + 3 - n + 1 : 0)) {
      // windows r … r+3: all points valid, all of the same length
      const l0 = lows[r]!, l1 = lows[r + 1]!, l2 = lows[r + 2]!, l3 = lows[r + 3]!;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < w; j++) {
        const p = b0 + j;
        s0 += x[p]! - l0;
        s1 += x[p + 1]! - l1;
        s2 += x[p + 2]! - l2;
        s3 += x[p + 3]! - l3;
      }
      offs[r] = s0 / w;
      offs[r + 1] = s1 / w;
      offs[r + 2] = s2 / w;
      offs[r + 3] = s3 / w;
      sq[r] = sq[r + 1] = sq[r + 2] = sq[r + 3] = w;
      r += 3;
      continue;
    }
    const lo = lows[r]!;
    let s0 = 0;
    let c = 0;
    for (let j = 0; j < w; j++) {
      const v = x[b0 + j]!;
      if (v - v === 0) {
        s0 += v - lo;
        c++;
      }
    }
    offs[r] = s0 / c;
    sq[r] = c;
  }
  // sq[r]: the count until here, then Σd² of the window
  if (second) {
    for (let r = 0; r < len; r++) {
      const a = r - n + 1 > 0 ? r - n + 1 : 0;
      const b0 = start + a;
      const w = r - a + 1;
      if (r + 3 < len && full[r] === 1 && full[r + 1] === 1 && full[r + 2] === 1 && full[r + 3] === 1 && a + 3 === (r + 3 - n + 1 > 0 ? r + 3 - n + 1 : 0)) {
        const l0 = lows[r]!, l1 = lows[r + 1]!, l2 = lows[r + 2]!, l3 = lows[r + 3]!;
        const m0 = offs[r]!, m1 = offs[r + 1]!, m2 = offs[r + 2]!, m3 = offs[r + 3]!;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let j = 0; j < w; j++) {
          const p = b0 + j;
          const d0 = x[p]! - l0 - m0;
          const d1 = x[p + 1]! - l1 - m1;
          const d2 = x[p + 2]! - l2 - m2;
          const d3 = x[p + 3]! - l3 - m3;
          s0 += d0 * d0;
          s1 += d1 * d1;
          s2 += d2 * d2;
          s3 += d3 * d3;
        }
        emit2(x, start + r, w, lows[r]!, m0, s0, outMean, outVar, outStd, outZ, outBand, k);
        emit2(x, start + r + 1, w, l1, m1, s1, outMean, outVar, outStd, outZ, outBand, k);
        emit2(x, start + r + 2, w, l2, m2, s2, outMean, outVar, outStd, outZ, outBand, k);
        emit2(x, start + r + 3, w, l3, m3, s3, outMean, outVar, outStd, outZ, outBand, k);
        r += 3;
        continue;
      }
      const lo = lows[r]!;
      const m = offs[r]!;
      let s0 = 0;
      for (let j = 0; j < w; j++) {
        const v = x[b0 + j]!;
        if (v - v === 0) {
          const d = v - lo - m;
          s0 += d * d;
        }
      }
      emit2(x, start + r, sq[r]!, lo, m, s0, outMean, outVar, outStd, outZ, outBand, k);
    }
  } else if (outMean !== undefined) {
    for (let r = 0; r < len; r++) outMean[start + r] = sq[r]! > 0 ? lows[r]! + offs[r]! : 0 / 0;
  }
}

/** Writes the window statistics of day t from count, minimum, mean offset and Σd². */
function emit2(
  x: Float64Array, t: number, cnt: number, lo: number, m: number, s2: number,
  outMean: Float64Array | undefined, outVar: Float64Array | undefined, outStd: Float64Array | undefined,
  outZ: Float64Array | undefined, outBand: Float64Array | undefined, k: number,
): void {
  const mean = cnt > 0 ? lo + m : 0 / 0;
  const variance = cnt > 1 ? s2 / (cnt - 1) : 0 / 0;
  const std = Math.sqrt(variance);
  if (outMean !== undefined) outMean[t] = mean;
  if (outVar !== undefined) outVar[t] = variance;
  if (outStd !== undefined) outStd[t] = std;
  if (outZ !== undefined) {
    const v = x[t]!;
    outZ[t] = v - v === 0 ? (v - lo - m) / std : 0 / 0;
  }
  if (outBand !== undefined) outBand[t] = mean + k * std;
}

/**
 * lows[r] = the smallest valid value of the window ending at start + r (a monotone deque,
 * O(1) per day; Infinity if none) and full[r] = 1 when every point of that window (clipped
 * at start) is valid, else 0. `deque` is work space of len entries.
 */
function windowLows(
  x: Float64Array, start: number, len: number, n: number, lows: Float64Array, full: Float64Array, deque: Float64Array,
): void {
  let head = 0;
  let tail = 0;
  let run = 0;
  for (let r = 0; r < len; r++) {
    const v = x[start + r]!;
    if (head < tail && deque[head]! <= r - n) head++;
    if (v - v === 0) {
      while (tail > head && x[start + deque[tail - 1]!]! >= v) tail--;
      deque[tail++] = r;
      run++;
    } else {
      run = 0;
    }
    lows[r] = head < tail ? x[start + deque[head]!]! : 1 / 0;
    full[r] = run >= (r + 1 < n ? r + 1 : n) ? 1 : 0;
  }
}
