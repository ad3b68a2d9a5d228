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

/**
 * Average ranks without comparison sorts: an LSD radix sort (up to 4 passes of 8 bits, carrying
 * the index; passes where every key shares the byte are skipped) on the top 32 bits of each
 * double's order-preserving bit pattern. Runs of equal keys — ties, or the rare values that share
 * those 32 bits — are then ordered by their full value. About 4× faster than
 * `Float64Array.prototype.sort` (a generic merge sort in V8) on ~500 values; no allocation after
 * construction.
 *
 * Callers write the values straight into `vals` (the scratch's own buffer) and call `ranks(n, out)`.
 */
export class RankScratch {
  /** Input buffer: write vals[0..n) (finite values), then call ranks(). */
  readonly vals: Float64Array;
  private readonly u32: Uint32Array;
  private readonly kA: Uint32Array;
  private readonly kB: Uint32Array;
  private readonly iA: Int32Array;
  private readonly iB: Int32Array;
  private readonly hist = new Int32Array(1024);

  constructor(readonly capacity: number) {
    const cap = Math.max(1, capacity);
    this.vals = new Float64Array(cap);
    this.u32 = new Uint32Array(this.vals.buffer);
    this.kA = new Uint32Array(cap);
    this.kB = new Uint32Array(cap);
    this.iA = new Int32Array(cap);
    this.iB = new Int32Array(cap);
  }

  /** Average 1-based ranks (pandas `rank(method="average")`) of vals[0..n) into out[0..n). */
  ranks(n: number, out: Float64Array): void {
    const { vals, u32, hist } = this;
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
    let a = 0;
    while (a < n) {
      const key = ks[a]!;
      let b = a + 1;
      while (b < n && ks[b] === key) b++;
      if (b === a + 1) {
        out[is[a]!] = a + 1;
      } else {
        // Same top 32 bits: order by the full value (insertion sort; runs are short), then give
        // each group of equal values its mean rank.
        for (let k = a + 1; k < b; k++) {
          const xi = is[k]!;
          const x = vals[xi]!;
          let j = k - 1;
          while (j >= a && vals[is[j]!]! > x) {
            is[j + 1] = is[j]!;
            j--;
          }
          is[j + 1] = xi;
        }
        let g = a;
        while (g < b) {
          const v = vals[is[g]!]!;
          let h = g + 1;
          while (h < b && vals[is[h]!] === v) h++;
          const r = (g + 1 + h) / 2;
          for (let k = g; k < h; k++) out[is[k]!] = r;
          g = h;
        }
      }
      a = b;
    }
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
