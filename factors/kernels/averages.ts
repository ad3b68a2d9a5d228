/**
 * Moving averages and the technical indicators built on them, over ONE
 * instrument's series (convention of ./moments.ts: `(x, out, start, end, …)`,
 * window counts today and stops at `start`, non-finite inputs skipped).
 *
 * EMA/SMA copy pandas 1.5's `ewm(...).mean()` (aggregations.pyx `ewm`) step for
 * step, including its NaN handling (ignore_na=False: a NaN day carries the
 * previous value and still decays the older weights) and its alpha round trip
 * through `com`, so results agree with the reference to the last bits.
 */
import { defaultScratch } from "./scratch.ts";
import type { Scratch } from "./scratch.ts";

/** pandas' alpha for `ewm(span=s)`: com = (s − 1) / 2, alpha = 1 / (1 + com). */
export function alphaFromSpan(span: number): number {
  return 1 / (1 + (span - 1) / 2);
}

/** pandas' alpha for `ewm(alpha=a)`: com = 1/a − 1, alpha = 1 / (1 + com). */
export function alphaFromAlpha(a: number): number {
  return 1 / (1 + (1 / a - 1));
}

/**
 * pandas ewm mean over x[xo + r] → out[oo + r], r ∈ [0, len), min_periods = 1,
 * ignore_na = False. `adjust` = true: weights (1−α)^k normalised over the points
 * seen (pandas' default); false: the recursion y = (1−α)·y′ + α·x.
 */
export function ewmInto(
  x: Float64Array, xo: number, out: Float64Array, oo: number, len: number, alpha: number, adjust: boolean,
): void {
  const decay = 1 - alpha;
  const newWt = adjust ? 1 : alpha;
  let weighted = 0 / 0;
  let oldWt = 1;
  for (let r = 0; r < len; r++) {
    let cur = x[xo + r]!;
    if (cur - cur !== 0) cur = 0 / 0; // pandas turns ±inf into NaN before the window pass
    const obs = cur === cur;
    if (weighted === weighted) {
      oldWt *= decay;
      if (obs) {
        // pandas: "avoid numerical errors on constant series"
        if (weighted !== cur) weighted = (oldWt * weighted + newWt * cur) / (oldWt + newWt);
        oldWt = adjust ? oldWt + newWt : 1;
      }
    } else if (obs) {
      weighted = cur;
    }
    out[oo + r] = weighted;
  }
}

/** EMA with pandas' `ewm(alpha=…, adjust=…)` (see ewmInto); alpha from alphaFromSpan / alphaFromAlpha. */
export function ewmMean(
  x: Float64Array, out: Float64Array, start: number, end: number, alpha: number, adjust: boolean,
): void {
  ewmInto(x, start, out, start, end - start, alpha, adjust);
}

/** EMA(A, n) (both dialects, integer n): `ewm(span=n, adjust=True)`. */
export function emaSpan(x: Float64Array, out: Float64Array, start: number, end: number, span: number): void {
  ewmInto(x, start, out, start, end - start, alphaFromSpan(span), true);
}

/**
 * quanta SMA(A, n, m): Y = (m·A + (n−m)·Y′) / n = `ewm(alpha=m/n, adjust=False)`,
 * starting at the first valid value.
 */
export function smaRecursive(
  x: Float64Array, out: Float64Array, start: number, end: number, n: number, m: number,
): void {
  ewmInto(x, start, out, start, end - start, alphaFromAlpha(m / n), false);
}

/** MACD(A, s, l) = EMA(A, s) − EMA(A, l) (spans, no signal line). */
export function macd(
  x: Float64Array,
  out: Float64Array,
  start: number,
  end: number,
  short: number,
  long: number,
  scratch: Scratch = defaultScratch,
): void {
  const len = end - start;
  const slow = scratch.f64(0, len);
  ewmInto(x, start, out, start, len, alphaFromSpan(short), true);
  ewmInto(x, start, slow, 0, len, alphaFromSpan(long), true);
  for (let r = 0; r < len; r++) out[start + r] = out[start + r]! - slow[r]!;
}

/**
 * RSI(A, n) = 100·U/(U+D) with U = EMA(max(ΔA, 0), n), D = EMA(max(−ΔA, 0), n)
 * (span n; ΔA = A − A[t−1], NaN on the first day and around missing days):
 * 100 when D = 0, NaN when U + D = 0.
 */
export function rsi(
  x: Float64Array, out: Float64Array, start: number, end: number, n: number, scratch: Scratch = defaultScratch,
): void {
  const len = end - start;
  if (len <= 0) return;
  const up = scratch.f64(0, len);
  const dn = scratch.f64(1, len);
  up[0] = 0 / 0;
  dn[0] = 0 / 0;
  for (let r = 1; r < len; r++) {
    const d = x[start + r]! - x[start + r - 1]!;
    if (d === d) {
      up[r] = d > 0 ? d : 0;
      dn[r] = d < 0 ? -d : 0;
    } else {
      up[r] = 0 / 0;
      dn[r] = 0 / 0;
    }
  }
  const alpha = alphaFromSpan(n);
  ewmInto(up, 0, up, 0, len, alpha, true); // in place: each step reads x[r] before writing out[r]
  ewmInto(dn, 0, dn, 0, len, alpha, true);
  for (let r = 0; r < len; r++) {
    const u = up[r]!;
    out[start + r] = (100 * u) / (u + dn[r]!);
  }
}

/**
 * qlib WMA(x, N), quirk kept: weights j / ΣL for j = 1..L over the L rows of the
 * window (L < N at the series start), result Σ w·x over the valid points divided
 * by their COUNT (numpy's nanmean of w·x), not by Σ w.
 */
export function qlibWma(x: Float64Array, out: Float64Array, start: number, end: number, n: number): void {
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`qlibWma: window must be an integer >= 1, got ${n}`);
  for (let t = start; t < end; t++) {
    const lo = t - n + 1 > start ? t - n + 1 : start;
    const L = t - lo + 1;
    const den = (L * (L + 1)) / 2;
    let s = 0;
    let cnt = 0;
    for (let k = lo; k <= t; k++) {
      const v = x[k]!;
      if (v - v === 0) {
        s += ((k - lo + 1) / den) * v;
        cnt++;
      }
    }
    out[t] = cnt > 0 ? s / cnt : 0 / 0;
  }
}

/**
 * Σ w_k·x[t−k] / Σ w_k over the valid points of the window, with weights given
 * newest first (w_0 = today): quanta WMA (0.9^k) and DECAYLINEAR (d − k).
 */
function weightedMean(
  x: Float64Array, out: Float64Array, start: number, end: number, wts: Float64Array, n: number,
): void {
  for (let t = start; t < end; t++) {
    const kMax = t - start < n - 1 ? t - start : n - 1;
    let num = 0;
    let den = 0;
    // oldest point first, as the reference sums the window (`_weighted`): the same order
    // gives the same last bit, so equal windows give equal averages there and here
    for (let k = kMax; k >= 0; k--) {
      const v = x[t - k]!;
      if (v - v === 0) {
        const wk = wts[k]!;
        num += wk * v;
        den += wk;
      }
    }
    out[t] = den > 0 ? num / den : 0 / 0;
  }
}

/** quanta WMA(A, n): weights 0.9^k (k = 0 today), renormalised over the valid points. */
export function decayWma(
  x: Float64Array, out: Float64Array, start: number, end: number, n: number, scratch: Scratch = defaultScratch,
): void {
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`decayWma: window must be an integer >= 1, got ${n}`);
  const wts = scratch.f64(0, n);
  for (let k = 0; k < n; k++) wts[k] = Math.pow(0.9, k);
  weightedMean(x, out, start, end, wts, n);
}

/** DECAYLINEAR(A, d): weights d, d−1, …, 1 (today heaviest), renormalised over the valid points. */
export function decayLinear(
  x: Float64Array, out: Float64Array, start: number, end: number, d: number, scratch: Scratch = defaultScratch,
): void {
  if (!(Number.isInteger(d) && d >= 1)) throw new RangeError(`decayLinear: window must be an integer >= 1, got ${d}`);
  const wts = scratch.f64(0, d);
  for (let k = 0; k < d; k++) wts[k] = d - k;
  weightedMean(x, out, start, end, wts, d);
}
