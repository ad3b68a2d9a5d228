/**
 * Value distributions that send the IC's sort (backtest/stats.ts RankScratch) down each of its
 * paths: the 16-bit key radix sort, ties, values sharing a key (inserted back into place), ties
 * among them, an outlier that squeezes the rest into one key (the fallback sort), huge and
 * overflowing ranges, subnormals. `finiteOnly` leaves out ±Infinity (the IC gathers finite factor
 * values only).
 */
export type Rng = () => number;

/** Park–Miller minimal standard generator: the draws these tests were written against. */
export function lehmer(seed: number): Rng {
  let s = seed;
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
}

export function sortInputs(rnd: Rng, { finiteOnly = false } = {}): Record<string, () => number> {
  return {
    uniform: () => rnd() - 0.5,
    "few values (ties)": () => Math.round(rnd() * 5) / 5,
    "one outlier (all else shares a key: fallback sort)": () => (rnd() < 0.01 ? 1e9 : rnd()),
    "a few values sharing a key, ties among them": () => (rnd() < 0.06 ? 0.5 + Math.round(rnd() * 2) * 1e-12 : rnd()),
    "powers of ten (fallback sort)": () => Math.pow(10, -Math.floor(rnd() * 300)),
    "huge spread": () => Math.exp(40 * rnd()) * (rnd() < 0.5 ? -1 : 1),
    "±0": () => (rnd() < 0.5 ? 0 : -0),
    ...(finiteOnly ? {} : { "±Infinity (radix fallback)": () => (rnd() < 0.02 ? Infinity : rnd() < 0.02 ? -Infinity : rnd()) }),
    "ulp apart": () => 1 + Math.round(rnd() * 3) * Number.EPSILON,
    subnormal: () => 5e-324 * Math.round(rnd() * 10),
    "range overflows": () => (rnd() < 0.5 ? 1.7e308 : -1.7e308) * rnd(),
    "powers of two": () => Math.pow(2, Math.round(rnd() * 200) - 100),
    constant: () => 3.25,
  };
}

/** Average ranks by a plain comparison sort (the definition). */
export function naiveRanks(x: ArrayLike<number>, n: number): Float64Array {
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a]! - x[b]!);
  const out = new Float64Array(n);
  let g = 0;
  while (g < n) {
    let h = g + 1;
    while (h < n && x[idx[h]!] === x[idx[g]!]) h++;
    for (let k = g; k < h; k++) out[idx[k]!] = (g + 1 + h) / 2;
    g = h;
  }
  return out;
}

/**
 * The IC's Pearson sums by definition (metrics_ref.py's shifted two-pass): with a = Σ(x − mn)/n
 * and d = x − mn − a, [Σ d·y[yBase + k], Σ d²] — each sum taken in two lanes, even and odd k,
 * added at the end, as RankScratch.pearsonRankDot does.
 */
export function shiftedPearsonSums(x: ArrayLike<number>, n: number, mn: number, y: ArrayLike<number>, yBase = 0): [number, number] {
  const sx = new Float64Array(2);
  for (let k = 0; k < n; k++) sx[k & 1]! += x[k]! - mn;
  const a = (sx[0]! + sx[1]!) / n;
  const sxy = new Float64Array(2);
  const sxx = new Float64Array(2);
  for (let k = 0; k < n; k++) {
    const d = x[k]! - mn - a;
    sxy[k & 1]! += d * y[yBase + k]!;
    sxx[k & 1]! += d * d;
  }
  return [sxy[0]! + sxy[1]!, sxx[0]! + sxx[1]!];
}
