/**
 * Quantile binning for the histogram GBDT (LightGBM-style): each feature's values are cut once
 * into at most `maxBins` value bins, chosen on a row sample, and every row is stored as one byte
 * per feature, twice: column-major (a histogram over many rows reads one byte column per feature,
 * in order) and row-major (a small node's rows are scattered, and reading each row's bins as one
 * contiguous run costs one cache miss per row instead of one per row and feature).
 *
 * Values are binned as float32 (`Math.fround`) and cut points are float32 numbers, so a split
 * "bins 1..k go left" is exactly the raw test `fround(x) < cut` that the predictor uses on an
 * unbinned matrix: training-time and prediction-time routing agree bit for bit.
 *
 * Bin 0 is reserved for missing values (NaN); value bins are 1..nBins[f]. With `maxBins` ≤ 255
 * every bin fits a Uint8.
 */

export interface BinnedMatrix {
  readonly nRows: number;
  readonly nFeatures: number;
  /** bins[f * nRows + r]: 0 = missing, 1..nBins[f] = value bins (ascending values). */
  readonly bins: Uint8Array;
  /** The same bins row-major: rowBins[r * nFeatures + f]. */
  readonly rowBins: Uint8Array;
  /** Number of value bins per feature (1 = constant or all missing: never split on). */
  readonly nBins: Int32Array;
  /**
   * Cut points, feature f's in cuts[cutStart[f] .. cutStart[f+1]) (nBins[f] − 1 of them,
   * ascending float32 values): value bin b holds fround(x) in [cut_{b−2}, cut_{b−1}).
   */
  readonly cuts: Float32Array;
  readonly cutStart: Int32Array;
  /** Offset of feature f's bins (missing bin included) in a histogram, in bins; histSize at [F]. */
  readonly histOffset: Int32Array;
}

export interface BinOptions {
  /** Value bins per feature, 2..255 (LightGBM's max_bin). */
  readonly maxBins: number;
  /** Rows sampled (evenly spaced) to choose the cuts (LightGBM's bin_construct_sample_cnt). */
  readonly sampleRows: number;
}

/**
 * Greedy equal-frequency cuts over sorted finite values: a bin closes once it holds its share of
 * the remaining rows, and a value heavier than a share gets a bin of its own (e.g. the zeros that
 * Fillna leaves). Returns the cut points (each the first value of the next bin).
 */
export function quantileCuts(sorted: Float32Array, maxBins: number): number[] {
  const m = sorted.length;
  const cuts: number[] = [];
  if (m === 0) return cuts;
  let distinct = 1;
  for (let i = 1; i < m; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
  if (distinct <= maxBins) {
    for (let i = 1; i < m; i++) if (sorted[i] !== sorted[i - 1]) cuts.push(sorted[i]!);
    return cuts;
  }
  let remaining = m;
  let binsLeft = maxBins;
  let target = remaining / binsLeft;
  let acc = 0;
  // Runs of equal values: [i, j) is the current run, [j, k) the next one.
  let i = 0;
  let j = runEnd(sorted, 0);
  while (j < m && binsLeft > 1) {
    const k = runEnd(sorted, j);
    acc += j - i;
    if (acc >= target || k - j >= target) {
      cuts.push(sorted[j]!);
      remaining -= acc;
      binsLeft--;
      acc = 0;
      target = remaining / binsLeft;
    }
    i = j;
    j = k;
  }
  return cuts;
}

/** End of the run of values equal to sorted[from]. */
function runEnd(sorted: Float32Array, from: number): number {
  const v = sorted[from];
  let j = from + 1;
  while (j < sorted.length && sorted[j] === v) j++;
  return j;
}

/** Bins a row-major float64 matrix (nRows × nFeatures). Deterministic; no randomness. */
export function binMatrix(x: Float64Array, nRows: number, nFeatures: number, opts: BinOptions): BinnedMatrix {
  const F = nFeatures;
  const n = nRows;
  const maxBins = Math.max(2, Math.min(255, Math.floor(opts.maxBins)));
  // Evenly spaced row sample, read row by row (x is row-major), stored column by column.
  const S = Math.max(1, Math.min(n, Math.floor(opts.sampleRows)));
  const sample = new Float32Array(S * F);
  for (let s0 = 0; s0 < S; s0 += 256) {
    const s1 = Math.min(S, s0 + 256);
    for (let f = 0; f < F; f++) {
      for (let s = s0; s < s1; s++) sample[f * S + s] = x[(S === n ? s : Math.floor((s * n) / S)) * F + f]!;
    }
  }
  const nBins = new Int32Array(F);
  const cutStart = new Int32Array(F + 1);
  const allCuts: number[] = [];
  const sorter = new Float32Sorter(S);
  for (let f = 0; f < F; f++) {
    const col = sorter.sortFinite(sample.subarray(f * S, (f + 1) * S));
    const cuts = quantileCuts(col, maxBins);
    cutStart[f] = allCuts.length;
    for (const c of cuts) allCuts.push(c);
    nBins[f] = cuts.length + 1;
  }
  cutStart[F] = allCuts.length;
  const cuts = Float32Array.from(allCuts);
  const histOffset = new Int32Array(F + 1);
  for (let f = 0; f < F; f++) histOffset[f + 1] = histOffset[f]! + nBins[f]! + 1;

  // Blocks of rows (a few hundred KB of x, cache-resident) are binned one feature at a time, so
  // each feature's lookup grid stays in L1 and the writes into its column are one contiguous run.
  const bins = new Uint8Array(n * F);
  const grids = Array.from({ length: F }, (_, f) => new CutGrid(cuts.subarray(cutStart[f]!, cutStart[f + 1]!)));
  const BLOCK = 256;
  for (let r0 = 0; r0 < n; r0 += BLOCK) {
    const r1 = Math.min(n, r0 + BLOCK);
    for (let f = 0; f < F; f++) grids[f]!.binRange(x, F, f, r0, r1, bins, f * n);
  }
  const rowBins = new Uint8Array(n * F);
  for (let r0 = 0; r0 < n; r0 += BLOCK) {
    const r1 = Math.min(n, r0 + BLOCK);
    for (let f = 0; f < F; f++) for (let r = r0, j = f * n + r0; r < r1; r++, j++) rowBins[r * F + f] = bins[j]!;
  }
  return { nRows: n, nFeatures: F, bins, rowBins, nBins, cuts, cutStart, histOffset };
}

/**
 * LSD radix sort of float32 values (three 11-bit passes over order-preserving integer keys): the
 * built-in TypedArray sort takes ~20 ms per 100k values, this ~1 ms, and binning sorts a sample
 * of every feature.
 */
class Float32Sorter {
  private readonly a: Uint32Array;
  private readonly b: Uint32Array;
  private readonly count = new Int32Array(2048);

  constructor(n: number) {
    this.a = new Uint32Array(n);
    this.b = new Uint32Array(n);
  }

  /** The finite and infinite values of v, ascending (NaN dropped); a view valid until the next call. */
  sortFinite(v: Float32Array): Float32Array {
    const bits = new Uint32Array(v.buffer, v.byteOffset, v.length);
    let a = this.a;
    let b = this.b;
    let m = 0;
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      if (x !== x) continue;
      const u = bits[i]!;
      // Flip all bits of negatives, the sign bit of positives: unsigned order = numeric order.
      a[m++] = (u & 0x80000000 ? ~u : u | 0x80000000) >>> 0;
    }
    const count = this.count;
    for (let shift = 0; shift < 33; shift += 11) {
      count.fill(0);
      for (let i = 0; i < m; i++) count[(a[i]! >>> shift) & 2047]! += 1;
      let sum = 0;
      for (let d = 0; d < 2048; d++) {
        const c = count[d]!;
        count[d] = sum;
        sum += c;
      }
      for (let i = 0; i < m; i++) {
        const k = a[i]!;
        b[count[(k >>> shift) & 2047]!++] = k;
      }
      const t = a;
      a = b;
      b = t;
    }
    // Decode the sorted keys into the other buffer.
    const keys = a;
    const outBits = b;
    for (let i = 0; i < m; i++) {
      const k = keys[i]!;
      outBits[i] = (k & 0x80000000 ? k & 0x7fffffff : ~k) >>> 0;
    }
    return new Float32Array(outBits.buffer, 0, m);
  }
}

/**
 * Bin lookup for one feature without a full binary search (whose mispredicted branches cost
 * ~60 ns a value): an equal-width grid over [first cut, last cut] gives, per cell, the cuts whose
 * cell it is; a value's bin is 1 + (cuts in earlier cells) + (cuts of its own cell ≤ it), found by
 * a binary search over the few cuts of the cell. Exact, because the cell index is a monotone
 * function of the value (cuts in earlier cells are below it, in later ones above it).
 */
class CutGrid {
  private static readonly CELLS = 2048;
  private readonly cuts: Float32Array;
  private readonly lo: number;
  private readonly scale: number;
  /** first[c] = index of the first cut whose cell is ≥ c; first[CELLS] = number of cuts. */
  private readonly first: Int32Array;

  constructor(cuts: Float32Array) {
    this.cuts = cuts;
    const m = cuts.length;
    const G = CutGrid.CELLS;
    this.lo = m > 0 ? cuts[0]! : 0;
    const span = m > 0 ? cuts[m - 1]! - this.lo : 0;
    this.scale = span > 0 && Number.isFinite(span) ? G / span : 0;
    this.first = new Int32Array(G + 1);
    let k = 0;
    for (let c = 0; c <= G; c++) {
      while (k < m && (c === G || this.cell(cuts[k]!) < c)) k++;
      this.first[c] = k;
    }
  }

  private cell(v: number): number {
    const c = Math.floor((v - this.lo) * this.scale);
    return c < CutGrid.CELLS - 1 ? c : CutGrid.CELLS - 1;
  }

  /** bins[out + r] = bin of x[r·F + f] for rows r0..r1 of a row-major matrix. */
  binRange(x: Float64Array, F: number, f: number, r0: number, r1: number, bins: Uint8Array, out: number): void {
    const { cuts, lo, first } = this;
    const m = cuts.length;
    for (let r = r0; r < r1; r++) {
      const fv = Math.fround(x[r * F + f]!);
      let b: number;
      if (fv !== fv) b = 0;
      else if (m === 0 || fv < lo) b = 1;
      else {
        const c = this.cell(fv);
        let a = first[c]!;
        let e = first[c + 1]!;
        while (a < e) {
          const mid = (a + e) >>> 1;
          if (cuts[mid]! <= fv) a = mid + 1;
          else e = mid;
        }
        b = 1 + a;
      }
      bins[out + r] = b;
    }
  }
}

/**
 * The raw threshold of the split "value bins 1..k go left" on feature f: rows with
 * fround(x) < threshold go left. k = 0 (only missing values go left) is −∞.
 */
export function splitThreshold(m: BinnedMatrix, f: number, k: number): number {
  return k <= 0 ? -Infinity : m.cuts[m.cutStart[f]! + k - 1]!;
}
