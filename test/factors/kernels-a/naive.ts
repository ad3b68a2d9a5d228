/**
 * Slow, obviously-correct per-window implementations (two-pass after
 * subtracting the window's minimum, as the reference evaluator) that the block
 * kernels are checked against on random series with NaN gaps.
 */

/** The valid (finite) values of x[lo..t], oldest first, with their positions. */
export function windowOf(x: Float64Array, start: number, t: number, n: number): { v: number[]; pos: number[] } {
  const lo = n === 0 ? start : Math.max(start, t - n + 1);
  const v: number[] = [];
  const pos: number[] = [];
  for (let k = lo; k <= t; k++) {
    const a = x[k]!;
    if (Number.isFinite(a)) {
      v.push(a);
      pos.push(k);
    }
  }
  return { v, pos };
}

export function center(v: number[]): { mean: number; d: number[] } {
  const ref = Math.min(...v);
  const m = v.reduce((s, a) => s + (a - ref), 0) / v.length;
  return { mean: ref + m, d: v.map((a) => a - ref - m) };
}

export function naiveMean(v: number[]): number {
  return v.length ? center(v).mean : NaN;
}

export function naiveVar(v: number[]): number {
  if (v.length < 2) return NaN;
  const { d } = center(v);
  return d.reduce((s, a) => s + a * a, 0) / (v.length - 1);
}

export function naiveSum(v: number[]): number {
  return v.length ? v.reduce((s, a) => s + a, 0) : NaN;
}

/** Pairwise (x, y) points of the window where both are finite. */
export function pairsOf(x: Float64Array, y: Float64Array, start: number, t: number, n: number): [number[], number[]] {
  const lo = n === 0 ? start : Math.max(start, t - n + 1);
  const a: number[] = [];
  const b: number[] = [];
  for (let k = lo; k <= t; k++) {
    if (Number.isFinite(x[k]!) && Number.isFinite(y[k]!)) {
      a.push(x[k]!);
      b.push(y[k]!);
    }
  }
  return [a, b];
}

export function naiveCov(a: number[], b: number[]): { cov: number; corr: number; beta: number; mx: number; my: number } {
  if (a.length < 2) return { cov: NaN, corr: NaN, beta: NaN, mx: NaN, my: NaN };
  const ca = center(a);
  const cb = center(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let k = 0; k < a.length; k++) {
    sab += ca.d[k]! * cb.d[k]!;
    saa += ca.d[k]! * ca.d[k]!;
    sbb += cb.d[k]! * cb.d[k]!;
  }
  return { cov: sab / (a.length - 1), corr: sab / Math.sqrt(saa * sbb), beta: saa > 0 ? sab / saa : NaN, mx: ca.mean, my: cb.mean };
}

/** Random walk with NaN gaps, ±inf ticks and flat stretches (the cases that break running sums). */
export function nastySeries(len: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const x = new Float64Array(len);
  let level = 1000 * rnd() + 50;
  for (let k = 0; k < len; k++) {
    const u = rnd();
    if (u < 0.08) x[k] = NaN;
    else if (u < 0.09) x[k] = rnd() < 0.5 ? Infinity : -Infinity;
    else if (u < 0.2 && k > 0 && Number.isFinite(x[k - 1]!)) x[k] = x[k - 1]!; // repeats: flat stretches
    else {
      level += (rnd() - 0.5) * 10;
      x[k] = level;
    }
  }
  return x;
}

/** |a − b| ≤ rtol·|b| + atol, NaN only against NaN. */
export function close(a: number, b: number, rtol = 1e-9, atol = 1e-9): boolean {
  if (Number.isNaN(b) || Number.isNaN(a)) return Number.isNaN(a) && Number.isNaN(b);
  return Math.abs(a - b) <= rtol * Math.abs(b) + atol;
}
