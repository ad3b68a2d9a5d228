/**
 * Rolling sums and moments over ONE instrument's contiguous series.
 *
 * Convention (shared with ./order.ts): `(x, out, start, end, n, …)` reads
 * x[start..end) and writes out[start..end) of an instrument-major array; the
 * window [t−n+1, t] counts today and never reaches before `start`; n = 0 is the
 * expanding window; non-finite values (NaN, ±inf) are skipped; a value is
 * written once the window holds enough valid points, NaN before. `out` must not
 * alias `x`.
 *
 * Exactness without O(n) per cell — block decomposition: the series is cut into
 * blocks of n days. A window ending in block b is (a suffix of block b−1) ∪ (a
 * prefix of block b). Prefix statistics are accumulated forward from the block
 * start, suffix statistics backward from the block end, each from scratch —
 * nothing is ever subtracted, so no rounding error is carried from one window to
 * the next (the drift that makes qlib's and pandas' online sums wrong on
 * suspension stretches). Each part keeps (count, anchor K, mean offset, central
 * moments), computed from sums of x − K where K is the part's first valid value,
 * so |x − K| is bounded by the part's own range and nearly-constant windows keep
 * full precision. The two parts are merged with Chan/Pébay's pairwise formulas
 * (correction terms non-negative), the difference of their means taken as
 * (K_b − K_a) + (off_b − off_a) so it never goes through a rounded absolute mean
 * (a spread of 1e-9 on a level of 100 would otherwise lose 5 digits). A window
 * of equal values has mean exactly that value and variance exactly 0 (pandas'
 * "consecutive same value" rule), as in the reference, which computes every
 * window two-pass. Cost: O(1) per cell whatever n; no allocation per call.
 */
import { momentsKernel, type MomentsWasm, WANT_BAND, WANT_MEAN, WANT_STD, WANT_VAR, WANT_Z } from "./wasm/moments.ts";
import { defaultScratch } from "./scratch.ts";
import type { Scratch } from "./scratch.ts";

/**
 * A central sum of squares (or of 4th powers) from raw sums, clamped at 0 against rounding.
 * The inputs are finite, so NaN here can only be ∞ − ∞ from squares that overflowed: that
 * window's sum is +∞, as the reference's overflowing squared deviations are (its variance is
 * then NaN, its correlations, slopes and z-scores 0), never 0.
 */
export function nonNegative(q: number): number {
  return q > 0 ? q : q <= 0 ? 0 : 1 / 0;
}

/** Window length actually used: n = 0 (expanding) or n past the span is the whole span. */
function blockWidth(n: number, len: number): number {
  if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`window must be an integer >= 0, got ${n}`);
  return n === 0 || n > len ? len : n;
}

// ---------------------------------------------------------------------------------------------
// sums and products (plain sums, as the reference: Σ of the valid values)
// ---------------------------------------------------------------------------------------------

/**
 * Σ of the valid values of x[xo + r], r ∈ [0, len), written to out[oo + r]; NaN
 * where the window holds no valid value.
 */
function blockSum(x: Float64Array, xo: number, out: Float64Array, oo: number, len: number, n: number, scratch: Scratch): void {
  if (len <= 0) return;
  const w = blockWidth(n, len);
  const kernel = momentsKernel(len);
  if (kernel !== undefined) {
    // By the WebAssembly kernel: the same additions in the same order.
    kernel.x.set(x.subarray(xo, xo + len));
    kernel.sum(len, w);
    out.set(kernel.mean.subarray(0, len), oo);
    return;
  }
  const sufAcc = scratch.f64(0, w);
  const sufCnt = scratch.f64(1, w);
  for (let b0 = 0; b0 < len; b0 += w) {
    const b1 = b0 + w < len ? b0 + w : len;
    const base = b0 - w;
    if (b0 > 0) {
      let acc = 0;
      let c = 0;
      for (let s = b0 - 1; s >= base; s--) {
        const v = x[xo + s]!;
        if (v - v === 0) {
          acc += v;
          c++;
        }
        sufAcc[s - base] = acc;
        sufCnt[s - base] = c;
      }
    }
    let acc = 0;
    let c = 0;
    for (let t = b0; t < b1; t++) {
      const v = x[xo + t]!;
      if (v - v === 0) {
        acc += v;
        c++;
      }
      const s = t - w + 1;
      if (b0 > 0 && s < b0) {
        const j = s - base;
        out[oo + t] = c + sufCnt[j]! > 0 ? sufAcc[j]! + acc : 0 / 0;
      } else {
        out[oo + t] = c > 0 ? acc : 0 / 0;
      }
    }
  }
}

/** Π of the valid values in the window (NaN if none), the same block scheme with products. */
function blockProd(x: Float64Array, xo: number, out: Float64Array, oo: number, len: number, n: number, scratch: Scratch): void {
  if (len <= 0) return;
  const w = blockWidth(n, len);
  const sufAcc = scratch.f64(0, w);
  const sufCnt = scratch.f64(1, w);
  for (let b0 = 0; b0 < len; b0 += w) {
    const b1 = b0 + w < len ? b0 + w : len;
    const base = b0 - w;
    if (b0 > 0) {
      let acc = 1;
      let c = 0;
      for (let s = b0 - 1; s >= base; s--) {
        const v = x[xo + s]!;
        if (v - v === 0) {
          acc *= v;
          c++;
        }
        sufAcc[s - base] = acc;
        sufCnt[s - base] = c;
      }
    }
    let acc = 1;
    let c = 0;
    for (let t = b0; t < b1; t++) {
      const v = x[xo + t]!;
      if (v - v === 0) {
        acc *= v;
        c++;
      }
      const s = t - w + 1;
      if (b0 > 0 && s < b0) {
        const j = s - base;
        out[oo + t] = c + sufCnt[j]! > 0 ? sufAcc[j]! * acc : 0 / 0;
      } else {
        out[oo + t] = c > 0 ? acc : 0 / 0;
      }
    }
  }
}

/** Σ of the valid values in the window (NaN if none): qlib Sum, TS_SUM, SUMAC. */
export function rollingSum(
  x: Float64Array, out: Float64Array, start: number, end: number, n: number, scratch: Scratch = defaultScratch,
): void {
  blockSum(x, start, out, start, end - start, n, scratch);
}

/** Π of the valid values in the window (NaN if none): PROD. */
export function rollingProd(
  x: Float64Array, out: Float64Array, start: number, end: number, n: number, scratch: Scratch = defaultScratch,
): void {
  blockProd(x, start, out, start, end - start, n, scratch);
}

/**
 * quanta COUNT(C, n): days with C true (≠ 0) among the days where C is not NaN;
 * NaN where the window has no such day.
 */
export function rollingCountTrue(
  c: Float64Array, out: Float64Array, start: number, end: number, n: number, scratch: Scratch = defaultScratch,
): void {
  const len = end - start;
  const tmp = scratch.f64(2, len);
  for (let r = 0; r < len; r++) {
    const v = c[start + r]!;
    tmp[r] = v - v === 0 ? (v !== 0 ? 1 : 0) : 0 / 0;
  }
  blockSum(tmp, 0, out, start, len, n, scratch);
}

/**
 * The series SUMIF sums over a window: A where C is true, 0 where C is false, NaN where
 * either is invalid (written to tmp[0, len) from a[start…], c[start…]).
 */
export function sumIfSeries(a: Float64Array, c: Float64Array, start: number, len: number, tmp: Float64Array): Float64Array {
  for (let r = 0; r < len; r++) {
    const v = a[start + r]!;
    const k = c[start + r]!;
    tmp[r] = v - v === 0 && k - k === 0 ? (k !== 0 ? v : 0) : 0 / 0;
  }
  return tmp;
}

/**
 * quanta SUMIF(A, n, C): Σ A over the days with C true, among the days where A
 * and C are both valid (a valid day with C false counts as 0); NaN where none.
 */
export function rollingSumIf(
  a: Float64Array,
  c: Float64Array,
  out: Float64Array,
  start: number,
  end: number,
  n: number,
  scratch: Scratch = defaultScratch,
): void {
  const len = end - start;
  const tmp = sumIfSeries(a, c, start, len, scratch.f64(2, len));
  blockSum(tmp, 0, out, start, len, n, scratch);
}

// ---------------------------------------------------------------------------------------------
// mean / variance family: (count, mean, M2) per window
// ---------------------------------------------------------------------------------------------

/** What a moments-2 pass writes for each day. */
export const Emit2 = {
  Mean: 0,
  /** sample variance, ddof = 1 (≥ 2 points) */
  Var: 1,
  /** sample standard deviation, ddof = 1 (≥ 2 points) */
  Std: 2,
  /** (x_t − mean) / std; NaN if x_t is invalid, < 2 points or std = 0 */
  Zscore: 3,
  /** mean + k·std (k may be negative) */
  Band: 4,
} as const;

/** The output of each statistic asked for (outs[e] receives statistic modes[e]; at most one each). */
export interface Emit2Outputs {
  readonly mean?: Float64Array | undefined;
  readonly variance?: Float64Array | undefined;
  readonly std?: Float64Array | undefined;
  readonly zscore?: Float64Array | undefined;
  readonly band?: Float64Array | undefined;
}

/** Routes a family pass's outputs by statistic, once per call, so kernels store per statistic with no switch per cell. */
export function routeEmit2(outs: readonly Float64Array[], modes: Int32Array): Emit2Outputs {
  // Every field set up front, in one order: one hidden class whatever the statistics asked for
  // (added one by one in the order of `modes`, each family made its own class, and the caller
  // reading them was deoptimised with "wrong map").
  const r: { -readonly [K in keyof Emit2Outputs]: Float64Array | undefined } = {
    mean: undefined,
    variance: undefined,
    std: undefined,
    zscore: undefined,
    band: undefined,
  };
  for (let e = 0; e < outs.length; e++) {
    const o = outs[e]!;
    switch (modes[e]) {
      case Emit2.Mean: r.mean = o; break;
      case Emit2.Var: r.variance = o; break;
      case Emit2.Std: r.std = o; break;
      case Emit2.Zscore: r.zscore = o; break;
      default: r.band = o;
    }
  }
  return r;
}

export type Emit2 = (typeof Emit2)[keyof typeof Emit2];

/**
 * The (count, mean, M2) pass over x[xo + r] → out[oo + r], r ∈ [0, len) (relative
 * indices so composed kernels can write into scratch buffers).
 */
export function moments2Into(
  x: Float64Array,
  xo: number,
  out: Float64Array,
  oo: number,
  len: number,
  n: number,
  mode: Emit2,
  k: number,
  scratch: Scratch,
): void {
  moments2MultiInto(x, xo, [out], Int32Array.of(mode), oo, len, n, k, scratch);
}

/**
 * moments2Into writing several statistics of the same windows at once (Mean and Std of the same
 * series and window cost one pass): outs[s] receives what moments2Into with modes[s] writes.
 */
export function moments2MultiInto(
  x: Float64Array,
  xo: number,
  outs: readonly Float64Array[],
  modes: Int32Array,
  oo: number,
  len: number,
  n: number,
  k: number,
  scratch: Scratch,
): void {
  if (len <= 0) return;
  const kernel = momentsKernel(len);
  if (kernel !== undefined) {
    momentsByKernel(kernel, x, xo, outs, modes, oo, len, n, k);
    return;
  }
  if (outs.length === 1 && modes[0] === Emit2.Mean) {
    blockMean(x, xo, outs[0]!, oo, len, n, scratch);
    return;
  }
  // One output per statistic (a family never asks for the same one twice): plain per-statistic
  // stores below, no loop or switch per cell.
  const { mean: outMean, variance: outVar, std: outStd, zscore: outZ, band: outBand } = routeEmit2(outs, modes);
  const wantMean = outMean !== undefined;
  const start = 0;
  const end = len;
  const w = blockWidth(n, len);
  const sufCnt = scratch.f64(0, w);
  const sufAnchor = scratch.f64(1, w);
  const sufOff = scratch.f64(2, w);
  const sufM2 = scratch.f64(3, w);
  const sufMin = scratch.f64(4, w);
  const sufS1 = scratch.f64(5, w);
  for (let b0 = start; b0 < end; b0 += w) {
    const b1 = b0 + w < end ? b0 + w : end;
    const base = b0 - w;
    const hasSuffix = b0 > start;
    if (hasSuffix) {
      let c = 0;
      let anchor = 0;
      let s1 = 0;
      let s2 = 0;
      let lo = 1 / 0;
      for (let s = b0 - 1; s >= base; s--) {
        const v = x[xo + s]!;
        if (v - v === 0) {
          if (c === 0) anchor = v;
          const d = v - anchor;
          s1 += d;
          s2 += d * d;
          c++;
          if (v < lo) lo = v;
        }
        const j = s - base;
        sufCnt[j] = c;
        if (c > 0) {
          const m = s1 / c;
          const q = s2 - m * s1;
          sufAnchor[j] = anchor;
          sufOff[j] = m;
          sufM2[j] = nonNegative(q);
          sufMin[j] = lo;
          sufS1[j] = s1;
        }
      }
    }
    let c = 0;
    let anchor = 0;
    let s1 = 0;
    let s2 = 0;
    let lo = 1 / 0;
    for (let t = b0; t < b1; t++) {
      const v = x[xo + t]!;
      if (v - v === 0) {
        if (c === 0) anchor = v;
        const d = v - anchor;
        s1 += d;
        s2 += d * d;
        c++;
        if (v < lo) lo = v;
      }
      // The window's mean is base + off: the anchor of one part plus a small offset, so a
      // difference to a value in the window never goes through a rounded absolute mean.
      let cnt = c;
      let base0 = anchor;
      let off = 0; // (read only when cnt > 0; a NaN start would box it: eslint.config.js)
      let m2 = 0;
      // The mean as the reference computes it: the window's minimum plus the mean offset from
      // it, Σ(x − min) / count, with Σ(x − min) assembled from each part's exact-as-possible sum
      // around its anchor. For integer-valued windows (counts, 0/1 flags, volumes) every term is
      // exact, so the mean is bit-identical to the reference's and equal windows tie exactly.
      let wMin = lo;
      let wSum = c > 0 ? s1 + c * (anchor - lo) : 0;
      if (c > 0) {
        off = s1 / c;
        const q = s2 - off * s1;
        m2 = nonNegative(q);
      }
      const s = t - w + 1;
      if (hasSuffix && s < b0) {
        const j = s - base;
        const c2 = sufCnt[j]!;
        if (c2 > 0) {
          const kS = sufAnchor[j]!;
          const oS = sufOff[j]!;
          if (wantMean) {
            const mS = sufMin[j]!;
            if (mS < wMin) {
              // re-base the prefix part's sum on the lower minimum
              if (c > 0) wSum += c * (wMin - mS);
              wMin = mS;
            }
            wSum += sufS1[j]! + c2 * (kS - wMin);
          }
          if (c === 0) {
            cnt = c2;
            base0 = kS;
            off = oS;
            m2 = sufM2[j]!;
          } else {
            cnt = c + c2;
            const delta = anchor - kS + (off - oS);
            m2 = m2 + sufM2[j]! + ((delta * delta * c) * c2) / cnt;
            base0 = kS;
            off = oS + (delta * c) / cnt;
          }
        }
      }
      const o = oo + t;
      if (outMean !== undefined) outMean[o] = cnt > 0 ? wMin + wSum / cnt : 0 / 0;
      if (outVar !== undefined) outVar[o] = cnt > 1 ? m2 / (cnt - 1) : 0 / 0;
      if (outStd !== undefined) outStd[o] = cnt > 1 ? Math.sqrt(m2 / (cnt - 1)) : 0 / 0;
      if (outZ !== undefined) {
        const std = cnt > 1 ? Math.sqrt(m2 / (cnt - 1)) : 0 / 0;
        outZ[o] = v - v === 0 && std > 0 ? (v - base0 - off) / std : 0 / 0;
      }
      if (outBand !== undefined) outBand[o] = cnt > 1 ? base0 + off + k * Math.sqrt(m2 / (cnt - 1)) : 0 / 0;
    }
  }
}

/** moments2MultiInto by the WebAssembly kernel (./wasm/moments.ts): the same bits. */
function momentsByKernel(
  kernel: MomentsWasm, x: Float64Array, xo: number, outs: readonly Float64Array[], modes: Int32Array, oo: number, len: number, n: number, k: number,
): void {
  const w = blockWidth(n, len);
  const { mean, variance, std, zscore, band } = routeEmit2(outs, modes);
  const want =
    (mean !== undefined ? WANT_MEAN : 0) |
    (variance !== undefined ? WANT_VAR : 0) |
    (std !== undefined ? WANT_STD : 0) |
    (zscore !== undefined ? WANT_Z : 0) |
    (band !== undefined ? WANT_BAND : 0);
  kernel.x.set(x.subarray(xo, xo + len));
  kernel.run(len, w, want, k);
  if (mean !== undefined) mean.set(kernel.mean.subarray(0, len), oo);
  if (variance !== undefined) variance.set(kernel.variance.subarray(0, len), oo);
  if (std !== undefined) std.set(kernel.std.subarray(0, len), oo);
  if (zscore !== undefined) zscore.set(kernel.zscore.subarray(0, len), oo);
  if (band !== undefined) band.set(kernel.band.subarray(0, len), oo);
}

/**
 * The Mean output of moments2MultiInto alone, by the same arithmetic (bit for bit) without the
 * second moment: the window's minimum plus Σ(x − min) / count, Σ(x − min) assembled from each
 * part's sum around its anchor. Mean is Alpha158's most frequent operator.
 */
function blockMean(x: Float64Array, xo: number, out: Float64Array, oo: number, len: number, n: number, scratch: Scratch): void {
  const w = blockWidth(n, len);
  const sufCnt = scratch.f64(0, w);
  const sufAnchor = scratch.f64(1, w);
  const sufMin = scratch.f64(4, w);
  const sufS1 = scratch.f64(5, w);
  for (let b0 = 0; b0 < len; b0 += w) {
    const b1 = b0 + w < len ? b0 + w : len;
    const base = b0 - w;
    const hasSuffix = b0 > 0;
    if (hasSuffix) {
      let c = 0;
      let anchor = 0;
      let s1 = 0;
      let lo = 1 / 0;
      for (let s = b0 - 1; s >= base; s--) {
        const v = x[xo + s]!;
        if (v - v === 0) {
          if (c === 0) anchor = v;
          s1 += v - anchor;
          c++;
          if (v < lo) lo = v;
        }
        const j = s - base;
        sufCnt[j] = c;
        sufAnchor[j] = anchor;
        sufMin[j] = lo;
        sufS1[j] = s1;
      }
    }
    let c = 0;
    let anchor = 0;
    let s1 = 0;
    let lo = 1 / 0;
    for (let t = b0; t < b1; t++) {
      const v = x[xo + t]!;
      if (v - v === 0) {
        if (c === 0) anchor = v;
        s1 += v - anchor;
        c++;
        if (v < lo) lo = v;
      }
      let cnt = c;
      let wMin = lo;
      let wSum = c > 0 ? s1 + c * (anchor - lo) : 0;
      const s = t - w + 1;
      if (hasSuffix && s < b0) {
        const j = s - base;
        const c2 = sufCnt[j]!;
        if (c2 > 0) {
          const mS = sufMin[j]!;
          if (mS < wMin) {
            if (c > 0) wSum += c * (wMin - mS);
            wMin = mS;
          }
          wSum += sufS1[j]! + c2 * (sufAnchor[j]! - wMin);
          cnt = c + c2;
        }
      }
      out[oo + t] = cnt > 0 ? wMin + wSum / cnt : 0 / 0;
    }
  }
}

function moments2(
  x: Float64Array, out: Float64Array, start: number, end: number, n: number, mode: Emit2, k: number, scratch: Scratch,
): void {
  moments2Into(x, start, out, start, end - start, n, mode, k, scratch);
}

/** Mean of the valid values (qlib Mean, TS_MEAN, BB_MIDDLE, SMA(A,n)). */
export function rollingMean(
  x: Float64Array, out: Float64Array, start: number, end: number, n: number, scratch: Scratch = defaultScratch,
): void {
  moments2(x, out, start, end, n, Emit2.Mean, 0, scratch);
}

/** Sample variance, ddof = 1, NaN below 2 valid points (qlib Var, TS_VAR). */
export function rollingVar(
  x: Float64Array, out: Float64Array, start: number, end: number, n: number, scratch: Scratch = defaultScratch,
): void {
  moments2(x, out, start, end, n, Emit2.Var, 0, scratch);
}

/** Sample standard deviation, ddof = 1, NaN below 2 valid points (qlib Std, TS_STD). */
export function rollingStd(
  x: Float64Array, out: Float64Array, start: number, end: number, n: number, scratch: Scratch = defaultScratch,
): void {
  moments2(x, out, start, end, n, Emit2.Std, 0, scratch);
}

/** TS_ZSCORE: (x_t − mean) / std (ddof 1); NaN if x_t is invalid, < 2 points or std = 0. */
export function rollingZscore(
  x: Float64Array, out: Float64Array, start: number, end: number, n: number, scratch: Scratch = defaultScratch,
): void {
  moments2(x, out, start, end, n, Emit2.Zscore, 0, scratch);
}

/** Bollinger band: mean + k·std (ddof 1), NaN below 2 points (BB_UPPER k = 2, BB_LOWER k = −2). */
export function rollingBand(
  x: Float64Array,
  out: Float64Array,
  start: number,
  end: number,
  n: number,
  k: number,
  scratch: Scratch = defaultScratch,
): void {
  moments2(x, out, start, end, n, Emit2.Band, k, scratch);
}

// ---------------------------------------------------------------------------------------------
// skewness / kurtosis: (count, mean, M2, M3, M4) per window
// ---------------------------------------------------------------------------------------------

/**
 * Which estimator and zero rules:
 * - `pandas` (qlib Skew/Kurt): bias-adjusted G1 / excess G2; NaN below 3 / 4 points;
 *   all values equal → 0 / −3; biased variance ≤ 1e-14 → NaN.
 * - `scipy` (TS_SKEW/TS_KURT): biased skew / excess kurtosis; NaN below 3 / 4 points;
 *   biased variance ≤ (1e-15·mean)² → NaN.
 */
export type MomentRule = "pandas" | "scipy";

/** Partial central moments of a part summed around `anchor`: m = s1/c; M_k from raw sums of d = x − anchor. */
function moments4(
  x: Float64Array,
  out: Float64Array,
  start: number,
  end: number,
  n: number,
  kurt: boolean,
  rule: MomentRule,
  scratch: Scratch,
): void {
  const len = end - start;
  if (len <= 0) return;
  const w = blockWidth(n, len);
  const sC = scratch.f64(0, w);
  const sAnchor = scratch.f64(1, w);
  const sOff = scratch.f64(5, w);
  const sM2 = scratch.f64(2, w);
  const sM3 = scratch.f64(3, w);
  const sM4 = scratch.f64(4, w);
  const pandas = rule === "pandas";
  for (let b0 = start; b0 < end; b0 += w) {
    const b1 = b0 + w < end ? b0 + w : end;
    const base = b0 - w;
    const hasSuffix = b0 > start;
    if (hasSuffix) {
      let c = 0;
      let anchor = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let s4 = 0;
      for (let s = b0 - 1; s >= base; s--) {
        const v = x[s]!;
        if (v - v === 0) {
          if (c === 0) anchor = v;
          const d = v - anchor;
          const d2 = d * d;
          s1 += d;
          s2 += d2;
          s3 += d2 * d;
          s4 += d2 * d2;
          c++;
        }
        const j = s - base;
        sC[j] = c;
        if (c > 0) {
          const m = s1 / c;
          const q2 = s2 - m * s1;
          sAnchor[j] = anchor;
          sOff[j] = m;
          sM2[j] = nonNegative(q2);
          sM3[j] = s3 - 3 * m * s2 + 2 * m * m * s1;
          const q4 = s4 - 4 * m * s3 + 6 * m * m * s2 - 3 * m * m * m * s1;
          sM4[j] = nonNegative(q4);
        }
      }
    }
    let c = 0;
    let anchor = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    for (let t = b0; t < b1; t++) {
      const v = x[t]!;
      if (v - v === 0) {
        if (c === 0) anchor = v;
        const d = v - anchor;
        const d2 = d * d;
        s1 += d;
        s2 += d2;
        s3 += d2 * d;
        s4 += d2 * d2;
        c++;
      }
      let nb = c;
      let base0 = anchor;
      let off = 0; // read only when nb > 0
      let m2 = 0;
      let m3 = 0;
      let m4 = 0;
      if (c > 0) {
        const m = s1 / c;
        const q2 = s2 - m * s1;
        const q4 = s4 - 4 * m * s3 + 6 * m * m * s2 - 3 * m * m * m * s1;
        off = m;
        m2 = nonNegative(q2);
        m3 = s3 - 3 * m * s2 + 2 * m * m * s1;
        m4 = nonNegative(q4);
      }
      const s = t - w + 1;
      if (hasSuffix && s < b0) {
        const j = s - base;
        const na = sC[j]!;
        if (na > 0) {
          if (nb === 0) {
            nb = na;
            base0 = sAnchor[j]!;
            off = sOff[j]!;
            m2 = sM2[j]!;
            m3 = sM3[j]!;
            m4 = sM4[j]!;
          } else {
            // Pébay (2008): merge part a (suffix) with part b (prefix); delta = mean_b − mean_a.
            const a2 = sM2[j]!;
            const a3 = sM3[j]!;
            const nn = na + nb;
            const delta = anchor - sAnchor[j]! + (off - sOff[j]!);
            const dn = delta / nn;
            const dn2 = dn * dn;
            const t1 = delta * dn * na * nb;
            m4 = sM4[j]! + m4 + t1 * dn2 * (na * na - na * nb + nb * nb) + 6 * dn2 * (na * na * m2 + nb * nb * a2)
              + 4 * dn * (na * m3 - nb * a3);
            m3 = a3 + m3 + t1 * dn * (na - nb) + 3 * dn * (na * m2 - nb * a2);
            m2 = a2 + m2 + t1;
            base0 = sAnchor[j]!;
            off = sOff[j]! + dn * nb;
            nb = nn;
          }
        }
      }
      out[t] = finishMoment(nb, base0 + off, m2 / nb, m3 / nb, m4 / nb, m2 === 0, kurt, pandas);
    }
  }
}

/** Skew or excess kurtosis from biased central moments mk = Mk / cnt with each rule's NaN/zero cases. */
function finishMoment(
  cnt: number, mean: number, m2: number, m3: number, m4: number, allEqual: boolean, kurt: boolean, pandas: boolean,
): number {
  if (cnt < (kurt ? 4 : 3)) return 0 / 0;
  if (pandas) {
    if (allEqual) return kurt ? -3 : 0;
    if (m2 <= 1e-14) return 0 / 0;
    if (kurt) return ((cnt * cnt - 1) * m4 / (m2 * m2) - 3 * (cnt - 1) * (cnt - 1)) / ((cnt - 2) * (cnt - 3));
    return (Math.sqrt(cnt * (cnt - 1)) / (cnt - 2)) * (m3 / (m2 * Math.sqrt(m2)));
  }
  const tiny = 1e-15 * mean;
  if (m2 <= tiny * tiny) return 0 / 0;
  return kurt ? m4 / (m2 * m2) - 3 : m3 / (m2 * Math.sqrt(m2));
}

/** Rolling skewness (qlib Skew: rule "pandas"; TS_SKEW: rule "scipy"). */
export function rollingSkew(
  x: Float64Array,
  out: Float64Array,
  start: number,
  end: number,
  n: number,
  rule: MomentRule,
  scratch: Scratch = defaultScratch,
): void {
  moments4(x, out, start, end, n, false, rule, scratch);
}

/** Rolling excess kurtosis (qlib Kurt: rule "pandas"; TS_KURT: rule "scipy"). */
export function rollingKurt(
  x: Float64Array,
  out: Float64Array,
  start: number,
  end: number,
  n: number,
  rule: MomentRule,
  scratch: Scratch = defaultScratch,
): void {
  moments4(x, out, start, end, n, true, rule, scratch);
}
