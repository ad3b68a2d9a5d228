import { mulberry32 } from "../../helpers/rng.ts";

/** Deterministic PRNG (mulberry32) so failures reproduce. */
export const rng = mulberry32;
/**
 * Slow, obviously-correct versions of the order kernels (window re-sorted from
 * scratch every step) to compare the fast kernels against.
 */

export type WindowStat = (win: number[], xs: number[], today: number, lo: number, t: number) => number;

const finite = (v: number): boolean => Number.isFinite(v);

/** Applies stat to every window of x[start..end) (n = 0: expanding); win = sorted finite values. */
export function naiveRolling(x: Float64Array, start: number, end: number, n: number, stat: WindowStat): Float64Array {
  const out = new Float64Array(x.length).fill(-999);
  for (let t = start; t < end; t++) {
    const lo = n === 0 ? start : Math.max(start, t - n + 1);
    const xs = Array.from(x.subarray(lo, t + 1));
    const win = xs.filter(finite).sort((a, b) => a - b);
    out[t] = stat(win, xs, x[t]!, lo, t);
  }
  return out;
}

export function median(win: number[]): number {
  const m = win.length;
  if (m === 0) return NaN;
  return m % 2 ? win[(m - 1) / 2]! : (win[m / 2 - 1]! + win[m / 2]!) / 2;
}

export function quantile(win: number[], q: number): number {
  const m = win.length;
  if (m === 0) return NaN;
  const pos = q * (m - 1);
  const i = Math.floor(pos);
  if (i === pos) return win[i]!;
  return win[i]! + (win[i + 1]! - win[i]!) * (pos - i);
}

/** Average 1-based rank of v among win, divided by the count. */
export function pctRank(win: number[], v: number): number {
  if (!finite(v) || win.length === 0) return NaN;
  let less = 0;
  let eq = 0;
  for (const w of win) {
    if (w < v) less++;
    else if (w === v) eq++;
  }
  return (less + (eq + 1) / 2) / win.length;
}

export const naiveStats: Record<string, (q?: number) => WindowStat> = {
  max: () => (w) => (w.length ? w[w.length - 1]! : NaN),
  min: () => (w) => (w.length ? w[0]! : NaN),
  median: () => (w) => median(w),
  quantile: (q = 0.5) => (w) => quantile(w, q),
  rank: () => (w, _xs, today) => pctRank(w, today),
  count: () => (_w, xs) => xs.filter((v) => !Number.isNaN(v)).length,
  mad: () => (w) => (w.length ? median(w.map((v) => Math.abs(v - median(w))).sort((a, b) => a - b)) : NaN),
  meanAbsDev: () => (w) => {
    if (!w.length) return NaN;
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    return w.reduce((a, b) => a + Math.abs(b - mean), 0) / w.length;
  },
  argmax: () => (w, xs, _today, lo, t) => daysSince(xs, lo, t, (a, b) => a > b),
  argmin: () => (w, xs, _today, lo, t) => daysSince(xs, lo, t, (a, b) => a < b),
  idxmax: () => (w, xs) => qlibIdx(xs, (a, b) => a > b),
  idxmin: () => (w, xs) => qlibIdx(xs, (a, b) => a < b),
};

/** t − (position of the first strict extreme), over finite values. */
function daysSince(xs: number[], lo: number, t: number, better: (a: number, b: number) => boolean): number {
  let best = -1;
  xs.forEach((v, k) => {
    if (finite(v) && (best < 0 || better(v, xs[best]!))) best = k;
  });
  return best < 0 ? NaN : t - (lo + best);
}

/** np.argmax(window) + 1 with its NaN quirk (non-finite = NaN, as pandas feeds it). */
function qlibIdx(xs: number[], better: (a: number, b: number) => boolean): number {
  if (!xs.some(finite)) return NaN;
  const firstNan = xs.findIndex((v) => !finite(v));
  if (firstNan >= 0) return firstNan + 1;
  let best = 0;
  xs.forEach((v, k) => {
    if (better(v, xs[best]!)) best = k;
  });
  return best + 1;
}


/**
 * Random series with NaN gaps, runs of NaN, ties (values on a coarse grid),
 * occasional ±inf.
 */
export function randomSeries(r: () => number, len: number, opts: { inf?: boolean } = {}): Float64Array {
  const x = new Float64Array(len);
  let gap = 0;
  for (let k = 0; k < len; k++) {
    if (gap > 0) {
      x[k] = NaN;
      gap--;
      continue;
    }
    const u = r();
    if (u < 0.08) x[k] = NaN;
    else if (u < 0.1) {
      gap = 1 + Math.floor(r() * 12);
      x[k] = NaN;
    } else if (opts.inf && u < 0.12) x[k] = r() < 0.5 ? Infinity : -Infinity;
    else x[k] = Math.round(r() * 20) / 4 - 2;
  }
  return x;
}
