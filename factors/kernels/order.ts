/**
 * Order-statistic rolling kernels over ONE instrument's contiguous series.
 *
 * Every kernel has the shape `(x, out, start, end, n, ...extra): void`:
 *   - reads x[start..end) and writes out[start..end) (absolute indices into an
 *     instrument-major array: start = i·nDates + first[i], end = i·nDates + last[i] + 1);
 *   - the window [t−n+1, t] counts today and is clipped at `start` (never reaches
 *     into the previous instrument); n = 0 means expanding (everything since start)
 *     where marked "n ≥ 0", otherwise n must be an integer ≥ 1 (RangeError if not);
 *   - non-finite values (NaN, ±inf) are skipped (pandas turns ±inf into NaN before
 *     rolling); a value is written once the window holds ≥ 1 valid point, NaN before;
 *   - `out` must not alias `x`; scratch is allocated once per call.
 *
 * | export                         | n     | semantics                                                             | dialect ops            |
 * |--------------------------------|-------|-----------------------------------------------------------------------|------------------------|
 * | rollingMax / rollingMin        | ≥ 0   | max / min of the valid values (monotonic deque)                       | Max Min, TS_MAX TS_MIN |
 * | rollingMedian                  | ≥ 0   | median (mean of the two middle values)                                 | Med, TS_MEDIAN         |
 * | rollingQuantile(…, n, q)       | ≥ 0   | linear interpolation at q·(m−1), q ∈ [0,1]                             | Quantile, TS_QUANTILE, PERCENTILE |
 * | rollingRank                    | ≥ 0   | pct rank of today among the valid values, ties averaged, (0,1]; NaN if today invalid | Rank, TS_RANK |
 * | rollingCount                   | ≥ 0   | number of non-NaN values; 0 for an all-NaN window (±inf COUNT, as pandas' count) | qlib Count |
 * | rollingArgMax / rollingArgMin  | ≥ 1   | days since the extreme (0 = today), ties → the oldest                  | TS_ARGMAX TS_ARGMIN    |
 * | highDay / lowDay               | ≥ 1   | rollingArgMax / rollingArgMin + 1                                      | HIGHDAY LOWDAY         |
 * | qlibIdxMax / qlibIdxMin        | ≥ 1   | argmax+1 from the window's oldest bar (1..min(n, rows so far)), ties → oldest; if the window holds a NaN/±inf, the first one's position (np.argmax quirk); NaN if no valid value | IdxMax IdxMin |
 * | rollingMedianAbsDev            | ≥ 0   | median of |x − median| (median absolute deviation)                    | TS_MAD                 |
 * | rollingMeanAbsDev              | ≥ 1   | mean of |x − mean| (mean absolute deviation)                          | qlib Mad               |
 *
 * quanta COUNT(C,n) / SUMIF are moment kernels (kernels A), not here.
 */
import { checkWindow, effectiveWindow } from "./order-deque.ts";

export {
  highDay,
  lowDay,
  qlibIdxMax,
  qlibIdxMin,
  rollingArgMax,
  rollingArgMin,
  rollingMax,
  rollingMin,
} from "./order-deque.ts";
export { rollingMedian, rollingMedianAbsDev, rollingQuantile, rollingRank } from "./order-sorted.ts";

/**
 * qlib Count: non-NaN values in the window. pandas' rolling count runs on
 * `notna()` before its ±inf → NaN step, so ±inf are counted here (unlike every
 * other window op).
 */
export function rollingCount(x: Float64Array, out: Float64Array, start: number, end: number, n: number): void {
  checkWindow(n, 0, "rollingCount");
  const len = end - start;
  if (len <= 0) return;
  const w = effectiveWindow(n, len);
  let c = 0;
  for (let t = start; t < end; t++) {
    if (x[t] === x[t]) c++;
    const old = t - w;
    if (old >= start && x[old] === x[old]) c--;
    out[t] = c;
  }
}

/**
 * qlib Mad: mean of |x − mean| over the window's valid values. Computed per
 * window from that window's values (two passes), so no rounding is carried
 * from one window to the next; O(n) per step.
 */
export function rollingMeanAbsDev(
  x: Float64Array,
  out: Float64Array,
  start: number,
  end: number,
  n: number,
): void {
  checkWindow(n, 1, "rollingMeanAbsDev");
  for (let t = start; t < end; t++) {
    const lo = t - n + 1 > start ? t - n + 1 : start;
    let cnt = 0;
    let sum = 0;
    for (let k = lo; k <= t; k++) {
      const v = x[k]!;
      if (v - v === 0) {
        cnt++;
        sum += v;
      }
    }
    if (cnt === 0) {
      out[t] = 0 / 0;
      continue;
    }
    const mean = sum / cnt;
    let dev = 0;
    for (let k = lo; k <= t; k++) {
      const v = x[k]!;
      if (v - v === 0) dev += Math.abs(v - mean);
    }
    out[t] = dev / cnt;
  }
}
