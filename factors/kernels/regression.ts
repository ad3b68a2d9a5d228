/**
 * Rolling co-moments over ONE instrument's series: covariance, correlation and
 * OLS regressions (on another series or on time).
 *
 * Same convention as ./moments.ts (`(…, out, start, end, n)`, window counts today
 * and stops at `start`, n = 0 expanding, non-finite values skipped) and the same
 * block decomposition: a window is a suffix of the previous n-day block plus a
 * prefix of the current one, each part accumulated from scratch around an anchor
 * inside the part, merged with Chan's pairwise update
 * (C_xy = C_a + C_b + δx·δy·na·nb/n). Nothing is subtracted out of a running sum,
 * so nothing drifts, and a constant operand has exactly zero variance. Points
 * count only where both operands are valid (pairwise); the time index is always
 * valid.
 *
 * Ties: where instruments tie in exact arithmetic the reference's last bit decides
 * their rank, so some windows are recomputed with the reference's own arithmetic
 * (./comoments-replay.ts): qlib's time regressions (Slope/Rsquare/Resi) of
 * 1 … REPLAY_MAX_WINDOW days in full (their values are rationals of the prices
 * and tie often), correlations of any window only where the block result is
 * within 1e-7 of ±1 or 0 (the square root makes other ties improbable). The quanta
 * dialect's TS_CORR, TS_COVARIANCE, REGBETA and REGRESI come here only for windows longer
 * than ./window-replay.ts's REPLAY_WINDOW_MAX.
 */
import { CoMode, coMomentAt, REPLAY_MAX_WINDOW, replayTimeRegression } from "./comoments-replay.ts";
import { Emit2, moments2Into, nonNegative } from "./moments.ts";
import { defaultScratch } from "./scratch.ts";
import type { Scratch } from "./scratch.ts";
import { comomentsKernel } from "./wasm/comoments.ts";

/** qlib's `np.isclose(std, 0, atol=2e-5)`: Corr and Rsquare are NaN where a rolling std is this small. */
export const QLIB_STD_EPS = 2e-5;

const COV = 0;
const CORR = 1;
const REG = 2;
/** Corr with qlib's mask computed from the pairwise moments (valid when x and y are valid on the same days). */
const CORR_MASKED = 3;
type Mode = typeof COV | typeof CORR | typeof REG | typeof CORR_MASKED;

/** Outputs of a regression pass; any may be omitted. */
export interface RegressionOutputs {
  /** slope β of y on x (NaN below 2 points or where var(x) = 0) */
  readonly beta?: Float64Array | undefined;
  /** R² = C_xy² / (C_xx·C_yy) */
  readonly r2?: Float64Array | undefined;
  /** today's residual y_t − (ȳ + β(x_t − x̄)); NaN if today's pair is invalid */
  readonly resi?: Float64Array | undefined;
}

/**
 * The co-moment pass. x is read as x[xo + r] (or is the time index r when `time`),
 * y as y[yo + r]; results go to out*[oo + r], r ∈ [0, len).
 * REG with `r2Mask`: R² is NaN where std(y) over the window ≤ QLIB_STD_EPS (qlib Rsquare).
 */
function comoments(
  x: Float64Array | null,
  xo: number,
  y: Float64Array,
  yo: number,
  oo: number,
  len: number,
  n: number,
  mode: Mode,
  out1: Float64Array | undefined,
  out2: Float64Array | undefined,
  out3: Float64Array | undefined,
  r2Mask: boolean,
  scratch: Scratch,
): void {
  if (len <= 0) return;
  if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`window must be an integer >= 0, got ${n}`);
  const w = n === 0 || n > len ? len : n;
  const time = x === null;
  const xs = x ?? y;
  const sC = scratch.f64(0, w);
  const sKx = scratch.f64(1, w);
  const sKy = scratch.f64(2, w);
  const sOx = scratch.f64(6, w);
  const sOy = scratch.f64(7, w);
  const sXX = scratch.f64(3, w);
  const sYY = scratch.f64(4, w);
  const sXY = scratch.f64(5, w);
  for (let b0 = 0; b0 < len; b0 += w) {
    const b1 = b0 + w < len ? b0 + w : len;
    const base = b0 - w;
    const hasSuffix = b0 > 0;
    if (hasSuffix) {
      let c = 0;
      let kx = 0;
      let ky = 0;
      let sx = 0;
      let sy = 0;
      let sxx = 0;
      let syy = 0;
      let sxy = 0;
      for (let s = b0 - 1; s >= base; s--) {
        const u = time ? s : xs[xo + s]!;
        const v = y[yo + s]!;
        if (u - u === 0 && v - v === 0) {
          if (c === 0) {
            kx = u;
            ky = v;
          }
          const dx = u - kx;
          const dy = v - ky;
          sx += dx;
          sy += dy;
          sxx += dx * dx;
          syy += dy * dy;
          sxy += dx * dy;
          c++;
        }
        const j = s - base;
        sC[j] = c;
        if (c > 0) {
          const mx = sx / c;
          const my = sy / c;
          const qx = sxx - mx * sx;
          const qy = syy - my * sy;
          sKx[j] = kx;
          sKy[j] = ky;
          sOx[j] = mx;
          sOy[j] = my;
          sXX[j] = nonNegative(qx);
          sYY[j] = nonNegative(qy);
          sXY[j] = sxy - mx * sy;
        }
      }
    }
    let c = 0;
    let kx = 0;
    let ky = 0;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    for (let t = b0; t < b1; t++) {
      const u = time ? t : xs[xo + t]!;
      const v = y[yo + t]!;
      const today = u - u === 0 && v - v === 0;
      if (today) {
        if (c === 0) {
          kx = u;
          ky = v;
        }
        const dx = u - kx;
        const dy = v - ky;
        sx += dx;
        sy += dy;
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
        c++;
      }
      // Means as anchor + offset (see ./moments.ts): differences never go through a rounded mean.
      let cnt = c;
      let bx = kx;
      let by = ky;
      let mx = 0; // (read only when cnt > 0; a NaN start would box it: eslint.config.js)
      let my = 0;
      let cxx = 0;
      let cyy = 0;
      let cxy = 0;
      if (c > 0) {
        const ax = sx / c;
        const ay = sy / c;
        const qx = sxx - ax * sx;
        const qy = syy - ay * sy;
        mx = ax;
        my = ay;
        cxx = nonNegative(qx);
        cyy = nonNegative(qy);
        cxy = sxy - ax * sy;
      }
      const s = t - w + 1;
      if (hasSuffix && s < b0) {
        const j = s - base;
        const na = sC[j]!;
        if (na > 0) {
          if (c === 0) {
            cnt = na;
            bx = sKx[j]!;
            by = sKy[j]!;
            mx = sOx[j]!;
            my = sOy[j]!;
            cxx = sXX[j]!;
            cyy = sYY[j]!;
            cxy = sXY[j]!;
          } else {
            cnt = c + na;
            const dx = kx - sKx[j]! + (mx - sOx[j]!);
            const dy = ky - sKy[j]! + (my - sOy[j]!);
            const f = (na * c) / cnt;
            cxx = cxx + sXX[j]! + dx * dx * f;
            cyy = cyy + sYY[j]! + dy * dy * f;
            cxy = cxy + sXY[j]! + dx * dy * f;
            bx = sKx[j]!;
            by = sKy[j]!;
            mx = sOx[j]! + (dx * c) / cnt;
            my = sOy[j]! + (dy * c) / cnt;
          }
        }
      }
      const o = oo + t;
      if (mode === COV) {
        out1![o] = cnt >= 2 ? cxy / (cnt - 1) : 0 / 0;
      } else if (mode === CORR) {
        out1![o] = cnt >= 2 ? cxy / Math.sqrt(cxx * cyy) : 0 / 0;
      } else if (mode === CORR_MASKED) {
        const masked = cnt >= 2 && (Math.sqrt(cxx / (cnt - 1)) <= QLIB_STD_EPS || Math.sqrt(cyy / (cnt - 1)) <= QLIB_STD_EPS);
        out1![o] = cnt >= 2 && !masked ? cxy / Math.sqrt(cxx * cyy) : 0 / 0;
      } else {
        const beta = cnt >= 2 && cxx > 0 ? cxy / cxx : 0 / 0;
        if (out1 !== undefined) out1[o] = beta;
        if (out2 !== undefined) {
          let r2 = cnt >= 2 ? (cxy * cxy) / (cxx * cyy) : 0 / 0;
          if (r2Mask && cnt >= 2 && Math.sqrt(cyy / (cnt - 1)) <= QLIB_STD_EPS) r2 = 0 / 0;
          out2[o] = r2;
        }
        if (out3 !== undefined) out3[o] = today ? v - by - my - beta * (u - bx - mx) : 0 / 0;
      }
    }
  }
}

/** Sample covariance (ddof 1) over the pairwise-valid points, ≥ 2 (qlib Cov, TS_COVARIANCE). */
export function rollingCov(
  x: Float64Array,
  y: Float64Array,
  out: Float64Array,
  start: number,
  end: number,
  n: number,
  scratch: Scratch = defaultScratch,
): void {
  comoments(x, start, y, start, start, end - start, n, COV, out, undefined, undefined, false, scratch);
}

/**
 * Pearson correlation over the pairwise-valid points, ≥ 2 (TS_CORR); a zero
 * variance gives a non-finite value (NaN or ±inf; the evaluator maps it to NaN).
 * `qlibMask`: also NaN where either series' own rolling std (over its own valid
 * points) is ≤ 2e-5 — qlib Corr.
 */
export function rollingCorr(
  x: Float64Array,
  y: Float64Array,
  out: Float64Array,
  start: number,
  end: number,
  n: number,
  qlibMask: boolean,
  scratch: Scratch = defaultScratch,
): void {
  const len = end - start;
  if (len <= 0) return;
  const replay = Number.isInteger(n) && n >= 1;
  const mode = qlibMask ? CoMode.QlibCorr : CoMode.Corr;
  const kernel = qlibMask && Number.isInteger(n) && n >= 0 ? comomentsKernel(len) : undefined;
  if (kernel !== undefined) {
    // The WebAssembly kernel: the masked pass below (x and y side by side), which also checks that
    // they are valid on the same days and lists the windows to recompute.
    kernel.x.set(x.subarray(start, end));
    kernel.y.set(y.subarray(start, end));
    const listed = kernel.run(len, n === 0 || n > len ? len : n, 1 - TIE_MARGIN, TIE_MARGIN, replay);
    if (listed >= 0) {
      out.set(kernel.out.subarray(0, len), start);
      for (let q = 0; q < listed; q++) {
        const r = kernel.ties[q]!;
        out[start + r] = coMomentAt(x, start, y, start, r, n, mode, scratch);
      }
      return;
    }
  }
  if (qlibMask && sameValidity(x, y, start, end)) {
    // Each series' own valid points are the pairwise ones: its own std comes out of the same pass.
    comoments(x, start, y, start, start, len, n, CORR_MASKED, out, undefined, undefined, false, scratch);
  } else {
    comoments(x, start, y, start, start, len, n, CORR, out, undefined, undefined, false, scratch);
    if (qlibMask) {
      const sdx = scratch.f64(16, len);
      const sdy = scratch.f64(17, len);
      moments2Into(x, start, sdx, 0, len, n, Emit2.Std, 0, scratch);
      moments2Into(y, start, sdy, 0, len, n, Emit2.Std, 0, scratch);
      for (let r = 0; r < len; r++) {
        if (sdx[r]! <= QLIB_STD_EPS || sdy[r]! <= QLIB_STD_EPS) out[start + r] = 0 / 0;
      }
    }
  }
  if (!replay) return;
  // Where correlations tie across instruments — exactly ±1 (two points, or collinear ones) or 0 —
  // the reference's last bit decides the rank: those windows are recomputed its way.
  for (let r = 0; r < len; r++) {
    const v = out[start + r]!;
    const a = v < 0 ? -v : v;
    if (a >= 1 - TIE_MARGIN || a <= TIE_MARGIN) out[start + r] = coMomentAt(x, start, y, start, r, n, mode, scratch);
  }
}

/** How close to ±1 or 0 a block-computed correlation must be to be recomputed by replay (its error is far smaller). */
const TIE_MARGIN = 1e-7;

/** Windows of 1 … REPLAY_MAX_WINDOW days are replayed with the reference's arithmetic (./comoments-replay.ts). */
function replays(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= REPLAY_MAX_WINDOW;
}

/** True when x and y are finite on exactly the same days of [start, end). */
function sameValidity(x: Float64Array, y: Float64Array, start: number, end: number): boolean {
  for (let t = start; t < end; t++) {
    const u = x[t]!;
    const v = y[t]!;
    if ((u - u === 0) !== (v - v === 0)) return false;
  }
  return true;
}

/**
 * OLS of y on x over the pairwise-valid points of each window (REGBETA / REGRESI):
 * β NaN below 2 points or where var(x) = 0; the residual is today's, NaN if
 * today's x or y is invalid.
 */
export function rollingRegression(
  y: Float64Array,
  x: Float64Array,
  outs: RegressionOutputs,
  start: number,
  end: number,
  n: number,
  scratch: Scratch = defaultScratch,
): void {
  comoments(x, start, y, start, start, end - start, n, REG, outs.beta, outs.r2, outs.resi, false, scratch);
}

/**
 * OLS of y on its position in the window (time), NaN points skipped (qlib
 * Slope / Rsquare / Resi; REGBETA / REGRESI with SEQUENCE). Slope and R² are
 * defined even when today is NaN, the residual is not. `qlibMask`: R² is NaN where
 * the window's std of y ≤ 2e-5 (qlib Rsquare).
 */
export function rollingTimeRegression(
  y: Float64Array,
  outs: RegressionOutputs,
  start: number,
  end: number,
  n: number,
  qlibMask: boolean,
  scratch: Scratch = defaultScratch,
): void {
  const len = end - start;
  // Only qlib's Slope/Rsquare/Resi are replayed (Alpha158's BETA/RSQR/RESI rank like the reference):
  // the replay costs ~2 ns per window point, too much for the quanta dialect's REGBETA/REGRESI and
  // covariances that mining evaluates by the thousand, whose values already agree to ~1e-15.
  if (len > 0 && qlibMask && replays(n)) {
    replayTimeRegression(y, start, start, len, n, outs, true, scratch);
    return;
  }
  const kernel = len > 0 && Number.isInteger(n) && n >= 0 ? comomentsKernel(len) : undefined;
  if (kernel !== undefined) {
    // The WebAssembly kernel: the same pass (time and y side by side).
    kernel.y.set(y.subarray(start, end));
    kernel.runTime(len, n === 0 || n > len ? len : n, qlibMask);
    if (outs.beta !== undefined) outs.beta.set(kernel.out.subarray(0, len), start);
    if (outs.r2 !== undefined) outs.r2.set(kernel.r2.subarray(0, len), start);
    if (outs.resi !== undefined) outs.resi.set(kernel.resi.subarray(0, len), start);
    return;
  }
  comoments(null, 0, y, start, start, len, n, REG, outs.beta, outs.r2, outs.resi, qlibMask, scratch);
}
