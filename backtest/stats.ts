/**
 * Small numeric kernels shared by the metrics: Pearson with the reference's shifted two-pass
 * sums, average ranks, and a sort scratch that hands out fixed-length views without allocating
 * per call.
 */

/**
 * Pearson correlation of x[0..n) and y[0..n), computed as metrics_ref.py does: each side shifted
 * by its smallest value, then two-pass (mean, deviations). A constant side has deviations exactly
 * 0 and gives NaN; fewer than 2 points or a non-finite result also give NaN.
 */
export function pearson(x: Float64Array, y: Float64Array, n: number): number {
  if (n < 2) return NaN;
  let mx = Infinity;
  let my = Infinity;
  for (let k = 0; k < n; k++) {
    const a = x[k]!;
    const b = y[k]!;
    if (a < mx) mx = a;
    if (b < my) my = b;
  }
  let sx = 0;
  let sy = 0;
  for (let k = 0; k < n; k++) {
    sx += x[k]! - mx;
    sy += y[k]! - my;
  }
  const ax = sx / n;
  const ay = sy / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let k = 0; k < n; k++) {
    const dx = x[k]! - mx - ax;
    const dy = y[k]! - my - ay;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const r = sxy / Math.sqrt(sxx * syy);
  return Number.isFinite(r) ? r : NaN;
}

/** Buckets per value: sparse enough that most buckets hold at most one value. */
const BUCKETS_PER_VALUE = 2;
/** A bucket holding more values than this is sorted on its own (bucketed again over its range). */
const CROWDED = 16;
/** Re-bucketing depth after which the input is handed to the radix sort instead. */
const MAX_DEPTH = 4;

/**
 * Average ranks (pandas `rank(method="average")`) without comparison sorts, no allocation after
 * construction. Callers write the values straight into `vals` (the scratch's own buffer) and call
 * `ranks(n, out)`; vals[0..n) is left intact.
 *
 * Main path, a bucket sort in value space: 2n buckets spread evenly over [min, max], so a
 * cross-section lands mostly one value per bucket; one insertion pass over the bucketed values then
 * orders the few buckets that hold several (cheap: values are out of order only within a bucket).
 * A crowded bucket (an outlier squeezes the bulk into a few buckets, or many ties) is first sorted
 * on its own by bucketing it again over its own range. The bucket of a value is monotone in the
 * value (the subtraction, product and truncation all round monotonically), so bucket order is
 * value order and equal values share a bucket.
 *
 * Fallback (a range that overflows or underflows, ±Infinity, or pathologically spread values): an
 * LSD radix sort (up to 4 passes of 8 bits) on the top 32 bits of each double's order-preserving
 * bit pattern, runs of equal keys then ordered by their full value.
 */
export class RankScratch {
  /** Input buffer: write vals[0..n) (non-NaN values), then call ranks(). */
  readonly vals: Float64Array;
  private readonly u32: Uint32Array;
  private readonly kA: Uint32Array;
  private readonly kB: Uint32Array;
  private readonly iA: Int32Array;
  private readonly iB: Int32Array;
  private readonly hist = new Int32Array(1024);
  /** The bucketed values and their input indices, and a temporary pair for re-bucketing. */
  private readonly sv: Float64Array;
  private readonly sj: Int32Array;
  private readonly tv: Float64Array;
  private readonly tj: Int32Array;
  /** Per-depth bucket counts, then bucket ends. */
  private readonly counts: Int32Array[] = [];
  private readonly bucketOf: Int32Array;

  constructor(readonly capacity: number) {
    const cap = Math.max(1, capacity);
    this.vals = new Float64Array(cap);
    this.u32 = new Uint32Array(this.vals.buffer);
    this.kA = new Uint32Array(cap);
    this.kB = new Uint32Array(cap);
    this.iA = new Int32Array(cap);
    this.iB = new Int32Array(cap);
    this.sv = new Float64Array(cap);
    this.sj = new Int32Array(cap);
    this.tv = new Float64Array(cap);
    this.tj = new Int32Array(cap);
    this.bucketOf = new Int32Array(cap);
    for (let d = 0; d <= MAX_DEPTH; d++) this.counts.push(new Int32Array(cap * BUCKETS_PER_VALUE + 1));
  }

  /** Average 1-based ranks of vals[0..n) into out[0..n). */
  ranks(n: number, out: Float64Array): void {
    if (n <= 0) return;
    const vals = this.vals;
    let mn = vals[0]!;
    let mx = mn;
    for (let k = 1; k < n; k++) {
      const v = vals[k]!;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    this.ranksInRange(n, mn, mx, out);
  }

  /** ranks() when the caller already knows min and max of vals[0..n) (saves a pass). */
  ranksInRange(n: number, mn: number, mx: number, out: Float64Array): void {
    if (n <= 0) return;
    if (mn === mx) {
      out.fill((n + 1) / 2, 0, n);
      return;
    }
    this.sort(n, mn, mx);
    // sv/sj hold the values in ascending order: each group of equal values gets its mean rank.
    const { sv, sj } = this;
    let g = 0;
    while (g < n) {
      const x = sv[g]!;
      let h = g + 1;
      while (h < n && sv[h] === x) h++;
      if (h === g + 1) {
        out[sj[g]!] = h;
      } else {
        const r = (g + 1 + h) / 2;
        for (let k = g; k < h; k++) out[sj[k]!] = r;
      }
      g = h;
    }
  }

  /**
   * With r_k the average rank of vals[k] (k < n; min mn and max mx given) and c = (n + 1) / 2:
   * Σ (r_k − c)·w[base + k] into result[0] and Σ (r_k − c)² into result[1] — the Spearman sums,
   * without writing the ranks out. Sorted neighbours at most `tol` apart count as tied (tol = 0:
   * only equal values), so values that differ by rounding noise alone share their rank.
   */
  rankDot(n: number, mn: number, mx: number, w: Float64Array, base: number, result: Float64Array, tol = 0): void {
    if (n <= 0 || mx - mn <= tol) {
      result[0] = 0;
      result[1] = 0;
      return;
    }
    this.sort(n, mn, mx);
    this.sortedRankSums(n, w, base, result, tol);
  }

  /**
   * rankDot (tol 0) into result[0..1], and in the same passes the Pearson sums of the values
   * themselves against y — the IC's two correlations of one date: with a = Σ (vals[k] − mn) / n
   * and d_k = vals[k] − mn − a, Σ d_k·y[yBase + k] into result[2] and Σ d_k² into result[3].
   * The same operations in the same order as the separate two-pass Pearson (metrics_ref.py's
   * shifted two-pass), so the same bits; the bucket sort's counting and scatter passes read every
   * value anyway and carry the two Pearson passes along.
   */
  pearsonRankDot(n: number, mn: number, mx: number, w: Float64Array, wBase: number, y: Float64Array, yBase: number, result: Float64Array): void {
    if (n > 0 && mx - mn > 0 && this.bucketSortPearson(n, mn, mx, y, yBase, result)) {
      this.sortedRankSums(n, w, wBase, result, 0);
      return;
    }
    // Constant values, or a range the bucket sort cannot scale: the plain passes.
    let sx = 0;
    for (let k = 0; k < n; k++) sx += this.vals[k]! - mn;
    const a = sx / n;
    let sxy = 0;
    let sxx = 0;
    for (let k = 0; k < n; k++) {
      const d = this.vals[k]! - mn - a;
      sxy += d * y[yBase + k]!;
      sxx += d * d;
    }
    result[2] = sxy;
    result[3] = sxx;
    this.rankDot(n, mn, mx, w, wBase, result);
  }

  /** rankDot's sums from the sorted sv/sj (see rankDot). */
  private sortedRankSums(n: number, w: Float64Array, base: number, result: Float64Array, tol: number): void {
    const c = (n + 1) / 2;
    // Ranks into a scratch in input order, then one sequential pass over w: w is usually a slice
    // of a large array that is cold in cache, and sequential reads let the prefetcher fetch it.
    const { sv, sj } = this;
    const rk = this.tv;
    let sxx = 0;
    let g = 0;
    while (g < n) {
      let h = g + 1;
      while (h < n && sv[h]! - sv[h - 1]! <= tol) h++;
      if (h === g + 1) {
        const d = h - c;
        rk[sj[g]!] = d;
        sxx += d * d;
      } else {
        const d = (g + 1 + h) / 2 - c;
        for (let k = g; k < h; k++) rk[sj[k]!] = d;
        sxx += d * d * (h - g);
      }
      g = h;
    }
    let sxy = 0;
    for (let k = 0; k < n; k++) sxy += rk[k]! * w[base + k]!;
    result[0] = sxy;
    result[1] = sxx;
  }

  /**
   * The indices k < n ordered by vals[k] ascending, equal values by index (a stable sort). The
   * returned view is the scratch's own buffer: valid until the next call.
   */
  argsort(n: number): Int32Array {
    const { vals, sj } = this;
    if (n <= 0) return sj.subarray(0, 0);
    let mn = vals[0]!;
    let mx = mn;
    for (let k = 1; k < n; k++) {
      const v = vals[k]!;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    if (mn === mx) {
      for (let k = 0; k < n; k++) sj[k] = k;
    } else {
      this.sort(n, mn, mx);
    }
    return sj.subarray(0, n);
  }

  /**
   * Leaves vals[0..n) (not all equal, min mn, max mx) in ascending order in sv, their indices in sj.
   * Stable: every pass (scatter, insertion, LSD radix) keeps equal values in input order.
   */
  private sort(n: number, mn: number, mx: number): void {
    if (!this.bucketSort(n, mn, mx)) this.radixSort(n);
  }

  /** Sorts vals[0..n) into sv/sj (values, input indices); false when it gave up. */
  private bucketSort(n: number, mn: number, mx: number): boolean {
    const { vals, bucketOf, sv, sj } = this;
    const nb = n * BUCKETS_PER_VALUE;
    const scale = nb / (mx - mn);
    if (!(scale > 0 && scale < Infinity)) return false;
    const cnt = this.counts[0]!;
    cnt.fill(0, 0, nb + 1);
    const top = nb - 1;
    for (let k = 0; k < n; k++) {
      let b = ((vals[k]! - mn) * scale) | 0;
      if (b > top) b = top;
      bucketOf[k] = b;
      cnt[b + 1]!++;
    }
    const most = bucketStarts(cnt, nb);
    // cnt[b] is bucket b's start; scattering advances it to the bucket's end.
    for (let k = 0; k < n; k++) {
      const p = cnt[bucketOf[k]!]!++;
      sv[p] = vals[k]!;
      sj[p] = k;
    }
    if (most > CROWDED && !this.sortCrowded(0, n, cnt, nb, 1)) return false;
    insertionPass(sv, sj, 0, n);
    return true;
  }

  /**
   * bucketSort with the Pearson passes of pearsonRankDot folded into its counting and scatter
   * passes (result[2..3]); false, before anything is computed, when the range cannot be scaled.
   * A crowded bucket that defeats re-bucketing is left to the radix sort, as in sort().
   */
  private bucketSortPearson(n: number, mn: number, mx: number, y: Float64Array, yBase: number, result: Float64Array): boolean {
    const { vals, bucketOf, sv, sj } = this;
    const nb = n * BUCKETS_PER_VALUE;
    const scale = nb / (mx - mn);
    if (!(scale > 0 && scale < Infinity)) return false;
    const cnt = this.counts[0]!;
    cnt.fill(0, 0, nb + 1);
    const top = nb - 1;
    let sx = 0;
    for (let k = 0; k < n; k++) {
      const u = vals[k]! - mn;
      sx += u;
      let b = (u * scale) | 0;
      if (b > top) b = top;
      bucketOf[k] = b;
      cnt[b + 1]!++;
    }
    const a = sx / n;
    const most = bucketStarts(cnt, nb);
    let sxy = 0;
    let sxx = 0;
    for (let k = 0; k < n; k++) {
      const v = vals[k]!;
      const p = cnt[bucketOf[k]!]!++;
      sv[p] = v;
      sj[p] = k;
      const d = v - mn - a;
      sxy += d * y[yBase + k]!;
      sxx += d * d;
    }
    result[2] = sxy;
    result[3] = sxx;
    if (most > CROWDED && !this.sortCrowded(0, n, cnt, nb, 1)) {
      this.radixSort(n);
      return true;
    }
    insertionPass(sv, sj, 0, n);
    return true;
  }

  /** Sorts in place each bucket of sv/sj[lo, hi) (bucket ends in ends[0..nb)) that holds more than CROWDED values. */
  private sortCrowded(lo: number, hi: number, ends: Int32Array, nb: number, depth: number): boolean {
    let a = lo;
    for (let b = 0; b < nb && a < hi; b++) {
      const e = ends[b]!;
      if (e - a > CROWDED && !this.sortSegment(a, e, depth)) return false;
      a = e;
    }
    return true;
  }

  /** Sorts sv/sj[lo, hi) in place: bucketed over its own range, crowded buckets recursively. */
  private sortSegment(lo: number, hi: number, depth: number): boolean {
    if (depth > MAX_DEPTH) return false;
    const { sv, sj, tv, tj, bucketOf } = this;
    const n = hi - lo;
    let mn = sv[lo]!;
    let mx = mn;
    for (let k = lo + 1; k < hi; k++) {
      const x = sv[k]!;
      if (x < mn) mn = x;
      if (x > mx) mx = x;
    }
    if (mn === mx) return true; // all equal: already in order
    const nb = n * BUCKETS_PER_VALUE;
    const scale = nb / (mx - mn);
    if (!(scale > 0 && scale < Infinity)) return false;
    const cnt = this.counts[depth]!;
    cnt.fill(0, 0, nb + 1);
    const top = nb - 1;
    for (let k = lo; k < hi; k++) {
      let b = ((sv[k]! - mn) * scale) | 0;
      if (b > top) b = top;
      bucketOf[k] = b;
      cnt[b + 1]!++;
    }
    let most = 0;
    let run = lo;
    cnt[0] = lo;
    for (let b = 1; b <= nb; b++) {
      const c = cnt[b]!;
      if (c > most) most = c;
      run += c;
      cnt[b] = run;
    }
    for (let k = lo; k < hi; k++) {
      const p = cnt[bucketOf[k]!]!++;
      tv[p] = sv[k]!;
      tj[p] = sj[k]!;
    }
    sv.set(tv.subarray(lo, hi), lo);
    sj.set(tj.subarray(lo, hi), lo);
    if (most > CROWDED && !this.sortCrowded(lo, hi, cnt, nb, depth + 1)) return false;
    insertionPass(sv, sj, lo, hi);
    return true;
  }

  /** The fallback sort into sv/sj: LSD radix on the top 32 bits of the order-preserving key. */
  private radixSort(n: number): void {
    const { vals, u32, hist, sv, sj } = this;
    hist.fill(0);
    let ks = this.kA;
    let is = this.iA;
    let kd = this.kB;
    let id = this.iB;
    for (let k = 0; k < n; k++) {
      const hi = u32[2 * k + 1]!; // little-endian: the high word holds sign, exponent, top mantissa
      // Order-preserving map: flip all bits of negatives, set the sign bit of non-negatives.
      const key = (hi & 0x80000000) !== 0 ? ~hi >>> 0 : (hi | 0x80000000) >>> 0;
      ks[k] = key;
      is[k] = k;
      hist[key & 255]!++;
      hist[256 + ((key >>> 8) & 255)]!++;
      hist[512 + ((key >>> 16) & 255)]!++;
      hist[768 + (key >>> 24)]!++;
    }
    for (let p = 0; p < 4 && n > 0; p++) {
      const base = p * 256;
      const sh = p * 8;
      if (hist[base + ((ks[0]! >>> sh) & 255)] === n) continue; // one bucket: the pass is a no-op
      let sum = 0;
      for (let b = 0; b < 256; b++) {
        const c = hist[base + b]!;
        hist[base + b] = sum;
        sum += c;
      }
      for (let k = 0; k < n; k++) {
        const key = ks[k]!;
        const pos = hist[base + ((key >>> sh) & 255)]!++;
        kd[pos] = key;
        id[pos] = is[k]!;
      }
      const tk = ks;
      ks = kd;
      kd = tk;
      const ti = is;
      is = id;
      id = ti;
    }
    // Runs of equal keys (ties, or values sharing the top 32 bits) are put in order by the
    // insertion pass over the full values.
    for (let k = 0; k < n; k++) {
      const i = is[k]!;
      sv[k] = vals[i]!;
      sj[k] = i;
    }
    insertionPass(sv, sj, 0, n);
  }
}

/**
 * Insertion sort of v/j[lo, hi) by value. Cheap on bucketed data: a value only moves past the
 * larger values of its own bucket.
 */
function insertionPass(v: Float64Array, j: Int32Array, lo: number, hi: number): void {
  for (let k = lo + 1; k < hi; k++) {
    const x = v[k]!;
    if (v[k - 1]! <= x) continue;
    const xi = j[k]!;
    let q = k - 1;
    while (q >= lo && v[q]! > x) {
      v[q + 1] = v[q]!;
      j[q + 1] = j[q]!;
      q--;
    }
    v[q + 1] = x;
    j[q + 1] = xi;
  }
}

/** Mean, sample std (ddof 1) and count of the finite entries of xs. */
export function meanStd(xs: ArrayLike<number>): { mean: number; std: number; n: number } {
  let n = 0;
  let s = 0;
  for (let k = 0; k < xs.length; k++) {
    const v = xs[k]!;
    if (Number.isFinite(v)) {
      s += v;
      n++;
    }
  }
  if (n === 0) return { mean: NaN, std: NaN, n };
  const mean = s / n;
  let ss = 0;
  for (let k = 0; k < xs.length; k++) {
    const v = xs[k]!;
    if (Number.isFinite(v)) ss += (v - mean) * (v - mean);
  }
  return { mean, std: n >= 2 ? Math.sqrt(ss / (n - 1)) : NaN, n };
}

/**
 * out[k*nInst + i] = src[i*nDates + from + k] for k < nd, in tiles so both sides stay in cache
 * (a per-date gather straight from the instrument-major array misses cache on every read).
 */
export function transposeWindow(src: Float64Array, nDates: number, nInst: number, from: number, nd: number, out: Float64Array): void {
  const B = 32;
  for (let i0 = 0; i0 < nInst; i0 += B) {
    const i1 = Math.min(nInst, i0 + B);
    for (let k0 = 0; k0 < nd; k0 += B) {
      const k1 = Math.min(nd, k0 + B);
      for (let i = i0; i < i1; i++) {
        const s = i * nDates + from;
        for (let k = k0; k < k1; k++) out[k * nInst + i] = src[s + k]!;
      }
    }
  }
}

/**
 * Turns per-bucket counts (bucket b's count in cnt[b + 1]) into bucket starts in place; returns the
 * largest count. The running total stays in a register (not re-read from the array just written).
 */
function bucketStarts(cnt: Int32Array, nb: number): number {
  let most = 0;
  let run = 0;
  for (let b = 1; b <= nb; b++) {
    const c = cnt[b]!;
    if (c > most) most = c;
    run += c;
    cnt[b] = run;
  }
  return most;
}
