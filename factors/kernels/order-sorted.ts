/**
 * Order statistics over a sorted copy of the window's valid values, kept sorted
 * on every step by finding the leaving value (binary search) and walking the
 * arriving one to its place (O(n) shift at worst, exact selections, no per-step
 * allocation): median, linear-interpolated quantile, percentile rank and the
 * median absolute deviation. Public surface and conventions: ./order.ts.
 *
 * The arithmetic copies pandas 1.5's roll_median_c / roll_quantile / roll_rank
 * so results agree bit for bit with the reference evaluator.
 */
import { checkWindow, effectiveWindow } from "./order-deque.ts";
import { SORTED_WINDOW_MAX_OUTPUTS, sortedWindowKernel } from "./wasm/sorted-window.ts";

// Branch-free binary search: the halving step is a select, not a jump, so the
// unpredictable comparisons cost no pipeline flushes (~15% faster at n = 60).

/** First index in buf[0..m) whose value is not < v. */
export function lowerBound(buf: Float64Array, m: number, v: number): number {
  if (m === 0) return 0;
  let base = 0;
  let len = m;
  while (len > 1) {
    const half = len >>> 1;
    base = buf[base + half - 1]! < v ? base + half : base;
    len -= half;
  }
  return buf[base]! < v ? base + 1 : base;
}

/** Median of the sorted buf[0..m), m >= 1 (pandas: mean of the two middle values). */
export function sortedMedian(buf: Float64Array, m: number): number {
  const mid = m >>> 1;
  return m & 1 ? buf[mid]! : (buf[mid]! + buf[mid - 1]!) / 2;
}

/** Linear-interpolated quantile of the sorted buf[0..m), m >= 1 (pandas roll_quantile). */
export function sortedQuantile(buf: Float64Array, m: number, q: number): number {
  if (m === 1) return buf[0]!;
  const pos = q * (m - 1);
  const idx = Math.floor(pos);
  if (pos === idx) return buf[idx]!;
  const lo = buf[idx]!;
  return lo + (buf[idx + 1]! - lo) * (pos - idx);
}

/**
 * Median of |buf[k] − med| over the sorted buf[0..m), m >= 1, med its median.
 * The deviations are two sorted runs (left of the median read backwards, right
 * of it forwards); merging them up to the middle gives the answer in O(m).
 */
export function sortedMedianAbsDev(buf: Float64Array, m: number, med: number): number {
  let i = lowerBound(buf, m, med) - 1;
  let j = i + 1;
  const kHi = m >>> 1;
  const kLo = m & 1 ? kHi : kHi - 1;
  let prev = 0 / 0;
  for (let k = 0; k <= kHi; k++) {
    let d: number;
    if (j >= m || (i >= 0 && med - buf[i]! <= buf[j]! - med)) {
      d = med - buf[i]!;
      i--;
    } else {
      d = buf[j]! - med;
      j++;
    }
    if (k === kLo) prev = d;
    if (k === kHi) return kLo === kHi ? d : (prev + d) / 2;
  }
  return 0 / 0; // unreachable for m >= 1
}

const Stat = { Median: 0, Quantile: 1, Rank: 2, Mad: 3 } as const;
type Stat = (typeof Stat)[keyof typeof Stat];

/**
 * Removes `o` (present) from and inserts `v` into the sorted buf[0..m): the
 * values between o's slot and v's are shifted by one while walking to v's place
 * (search and move in one predictable loop; a new price usually lands near the
 * ranks it replaces). Returns the index where v now sits (after its equals).
 */
function replaceSorted(buf: Float64Array, m: number, o: number, v: number): number {
  let k = lowerBound(buf, m, o);
  if (v >= o) {
    while (k + 1 < m && buf[k + 1]! <= v) {
      buf[k] = buf[k + 1]!;
      k++;
    }
  } else {
    while (k > 0 && buf[k - 1]! > v) {
      buf[k] = buf[k - 1]!;
      k--;
    }
  }
  buf[k] = v;
  return k;
}

/** One statistic a sorted-window scan writes: `stat`, its quantile `q` (Quantile only), and where. */
export interface SortedWindowOutput {
  readonly stat: "median" | "quantile" | "rank" | "mad";
  readonly q: number;
  readonly out: Float64Array;
}

const STAT_CODE = { median: Stat.Median, quantile: Stat.Quantile, rank: Stat.Rank, mad: Stat.Mad } as const;

/**
 * Several statistics of the same window in one scan (the sorted window is the expensive part,
 * so Quantile(x, n, 0.8), Quantile(x, n, 0.2) and Rank(x, n) cost one scan, not three). Each
 * output gets exactly what its own single-statistic kernel writes.
 */
export function rollingSortedStats(
  x: Float64Array,
  outputs: readonly SortedWindowOutput[],
  start: number,
  end: number,
  n: number,
): void {
  checkWindow(n, 0, "rollingSortedStats");
  for (const o of outputs) {
    if (o.stat === "quantile" && !(o.q >= 0 && o.q <= 1)) throw new RangeError(`rollingQuantile: q must be in [0, 1], got ${o.q}`);
  }
  const stats = new Int32Array(outputs.map((o) => STAT_CODE[o.stat]));
  // Built by push, not map(): map() of two or more elements makes a HOLEY array, the single-output
  // kernels pass a PACKED literal, and scanSorted's optimised code was deoptimised ("wrong map")
  // at each switch between the two. `qs` is a typed array for the same reason: a JS array of
  // them is SMI, DOUBLE, PACKED or HOLEY depending on the values and on how it was built.
  const outs: Float64Array[] = [];
  for (const o of outputs) outs.push(o.out);
  scanSorted(x, outs, start, end, n, stats, Float64Array.from(outputs, (o) => o.q));
}

/**
 * Slides the window over x[start..end) keeping its finite values sorted in one
 * scratch buffer, and writes each requested statistic to its output (NaN while
 * the window has no valid value; Rank: also NaN when today is not finite).
 */
function scanSorted(
  x: Float64Array,
  outs: readonly Float64Array[],
  start: number,
  end: number,
  n: number,
  stats: Int32Array,
  qs: Float64Array,
): void {
  const len = end - start;
  if (len <= 0) return;
  const w = effectiveWindow(n, len);
  const nOut = outs.length;
  // By the WebAssembly kernel when it computes every statistic asked for (not the MAD): the same
  // sorted window and arithmetic, each place found by counting instead of searching and walking.
  const kernel = nOut <= SORTED_WINDOW_MAX_OUTPUTS && !stats.includes(Stat.Mad) ? sortedWindowKernel(len) : undefined;
  if (kernel !== undefined) {
    kernel.x.set(x.subarray(start, end));
    kernel.stats.set(stats);
    kernel.qs.set(qs);
    kernel.run(len, w, nOut);
    for (let s = 0; s < nOut; s++) outs[s]!.set(kernel.outs[s]!.subarray(0, len), start);
    return;
  }
  const buf = new Float64Array(w);
  let m = 0;
  for (let t = start; t < end; t++) {
    const v = x[t]!;
    const today = v - v === 0;
    const old = t - w;
    const o = old >= start ? x[old]! : 0 / 0;
    let at = -1; // where today's value sits in buf
    if (o - o === 0) {
      if (today) {
        at = replaceSorted(buf, m, o, v);
      } else {
        const p = lowerBound(buf, m, o);
        m--;
        for (let k = p; k < m; k++) buf[k] = buf[k + 1]!;
      }
    } else if (today) {
      // insertion-sort step from the top (after any equal values)
      at = m;
      while (at > 0 && buf[at - 1]! > v) {
        buf[at] = buf[at - 1]!;
        at--;
      }
      buf[at] = v;
      m++;
    }
    for (let s = 0; s < nOut; s++) {
      const stat = stats[s]!;
      let r: number;
      if (m === 0) {
        r = 0 / 0;
      } else if (stat === Stat.Median) {
        r = sortedMedian(buf, m);
      } else if (stat === Stat.Quantile) {
        r = sortedQuantile(buf, m, qs[s]!);
      } else if (stat === Stat.Rank) {
        if (at < 0) {
          r = 0 / 0;
        } else {
          // v was placed at the end of its run of equals: walk left over the ties
          let below = at;
          while (below > 0 && buf[below - 1] === v) below--;
          r = (below + 1 + (at + 1)) / 2 / m;
        }
      } else {
        r = sortedMedianAbsDev(buf, m, sortedMedian(buf, m));
      }
      outs[s]![t] = r;
    }
  }
}

const ONE_MEDIAN = Int32Array.of(Stat.Median);
const ONE_QUANTILE = Int32Array.of(Stat.Quantile);
const ONE_RANK = Int32Array.of(Stat.Rank);
const ONE_MAD = Int32Array.of(Stat.Mad);
const NO_Q = Float64Array.of(0);

export function rollingMedian(x: Float64Array, out: Float64Array, start: number, end: number, n: number): void {
  checkWindow(n, 0, "rollingMedian");
  scanSorted(x, [out], start, end, n, ONE_MEDIAN, NO_Q);
}

export function rollingQuantile(
  x: Float64Array,
  out: Float64Array,
  start: number,
  end: number,
  n: number,
  q: number,
): void {
  checkWindow(n, 0, "rollingQuantile");
  if (!(q >= 0 && q <= 1)) throw new RangeError(`rollingQuantile: q must be in [0, 1], got ${q}`);
  scanSorted(x, [out], start, end, n, ONE_QUANTILE, Float64Array.of(q));
}

export function rollingRank(x: Float64Array, out: Float64Array, start: number, end: number, n: number): void {
  checkWindow(n, 0, "rollingRank");
  scanSorted(x, [out], start, end, n, ONE_RANK, NO_Q);
}

export function rollingMedianAbsDev(
  x: Float64Array,
  out: Float64Array,
  start: number,
  end: number,
  n: number,
): void {
  checkWindow(n, 0, "rollingMedianAbsDev");
  scanSorted(x, [out], start, end, n, ONE_MAD, NO_Q);
}
