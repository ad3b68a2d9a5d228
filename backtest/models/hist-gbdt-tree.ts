/**
 * One regression tree of the histogram GBDT, grown leaf-wise (LightGBM): the leaf whose best
 * split gains most is split next, up to `maxLeaves` leaves and `maxDepth` levels. Squared error,
 * so every in-bag row has hessian 1.
 *
 * Histogram bins hold one float64 each: the sum over the bin's rows of a packed value
 * `gq · 2^s + 1`, where gq is the row's gradient quantised to an integer in [−Q, Q] (LightGBM's
 * quantised training) and 2^s > the row count. Every sum stays an exact integer below 2^53, so one
 * add per (row, feature) accumulates both the gradient sum and the row count (one add instead of
 * two, and a histogram half the size, which keeps it in L2: ~1.6× faster than (gradient, count)
 * pairs). Splits are chosen on the quantised sums (Q = 16384 up to ~500k rows, ~4k at 1M: the
 * rounding is far below the label noise); leaf values use the exact float64 gradients of the
 * leaf's rows.
 *
 * Large nodes build histograms column by column (column-major bins), the per-feature histogram
 * (≤ 256 doubles) staying in L1; consecutive rows often fall in the same bin, and each add then
 * waits for the previous one's store, so they accumulate into four interleaved sub-histograms
 * (one per row mod 4) folded at the end (~2× faster). The root scans all rows in order without an
 * index (out-of-bag rows carry a packed value of 0: neither gradient nor count). Small nodes, whose
 * rows are scattered, build row by row from the row-major copy (one cache miss per row).
 *
 * Rows of a leaf are a contiguous segment of one Int32Array (stable partition, so each segment
 * stays ascending and column reads move forward). Histograms are built only for the smaller child
 * of a split; the larger one is the parent's minus it (the subtraction trick, exact on integers),
 * and no histogram is built for a child that can never be split. Column-wise builds cover only the
 * tree's drawn features (row-wise ones all of them: no indirection in the inner loop). All buffers are allocated once per grower and reused across trees.
 */
import { splitThreshold, type BinnedMatrix } from "./hist-gbdt-bins.ts";

export interface TreeParams {
  readonly maxLeaves: number;
  readonly maxDepth: number;
  readonly minDataInLeaf: number;
  readonly lambdaL2: number;
  readonly lambdaL1: number;
  readonly minGainToSplit: number;
  readonly learningRate: number;
}

/** A grown tree: node arrays (node 0 is the root; feature −1 marks a leaf). */
export interface GrownTree {
  readonly nNodes: number;
  readonly feature: Int32Array;
  /** Inner nodes: value bins 1..thrBin go left. */
  readonly thrBin: Int32Array;
  /** Inner nodes: rows with fround(x) < threshold go left (float32 value). */
  readonly threshold: Float64Array;
  /** Inner nodes: where a missing value goes. */
  readonly defaultLeft: Uint8Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Leaves: the output (learning rate applied, rounded to float32). */
  readonly value: Float64Array;
}

/** Soft-thresholding of a gradient sum by the L1 penalty. */
function thresholdL1(g: number, l1: number): number {
  if (l1 <= 0) return g;
  if (g > l1) return g - l1;
  if (g < -l1) return g + l1;
  return 0;
}

/**
 * The packing for n rows: counts take the low s bits (2^s > n), quantised gradients the rest,
 * with Q levels each side chosen so that n · Q · 2^s stays within 2^52.
 */
export function packingFor(n: number): { shift: number; levels: number } {
  const shift = Math.max(1, Math.ceil(Math.log2(n + 1)));
  const levels = Math.max(1, Math.min(1 << 14, Math.floor(2 ** (52 - shift) / Math.max(1, n))));
  return { shift, levels };
}

export class TreeGrower {
  private readonly m: BinnedMatrix;
  private readonly p: TreeParams;
  /** Row indices; leaf l owns idx[leafStart[l] .. leafStart[l] + leafCount[l]). */
  readonly idx: Int32Array;
  private readonly tmp: Int32Array;
  /** Packed quantised gradient per row (gq · 2^s + 1). */
  private readonly packed: Float64Array;
  private readonly pow: number;
  private readonly invPow: number;
  private readonly levels: number;
  /** Gradient per quantisation step, this tree. */
  private gScale = 1;
  /** Features this tree may split on (ascending), and how many. */
  private readonly feats: Int32Array;
  private nFeats = 0;
  /** Packed values of a node's rows in segment order, and four interleaved sub-histograms. */
  private readonly og: Float64Array;
  private readonly h4: Float64Array;
  private readonly pool: Float64Array[] = [];
  private readonly histLen: number;
  /**
   * Nodes with fewer rows build their histograms row-wise: column-wise, a sparse node still streams
   * most of each column's cache lines for few rows (measured at 360k × 158: ~18 ns an update below
   * 1/64 of the rows, against ~5 row-wise; ~1.8 col-wise above 1/8).
   */
  private readonly rowWiseBelow: number;

  // Leaves (slots 0..nLeaves).
  nLeaves = 0;
  readonly leafNode: Int32Array;
  readonly leafStart: Int32Array;
  readonly leafCount: Int32Array;
  /** Packed sum of the leaf's rows. */
  private readonly leafP: Float64Array;
  private readonly leafDepth: Int32Array;
  private readonly leafHist: (Float64Array | null)[];
  private readonly bestGain: Float64Array;
  private readonly bestFeature: Int32Array;
  private readonly bestBin: Int32Array;
  private readonly bestMissLeft: Uint8Array;
  private readonly bestLeftP: Float64Array;

  // Nodes of the current tree.
  private nNodes = 0;
  private readonly feature: Int32Array;
  private readonly thrBin: Int32Array;
  private readonly threshold: Float64Array;
  private readonly defaultLeft: Uint8Array;
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly value: Float64Array;

  constructor(m: BinnedMatrix, p: TreeParams) {
    this.m = m;
    this.p = p;
    this.idx = new Int32Array(m.nRows);
    this.tmp = new Int32Array(m.nRows);
    this.packed = new Float64Array(m.nRows);
    const { shift, levels } = packingFor(m.nRows);
    this.pow = 2 ** shift;
    this.invPow = 2 ** -shift;
    this.levels = levels;
    this.feats = new Int32Array(m.nFeatures);
    this.og = new Float64Array(m.nRows);
    this.h4 = new Float64Array(4 * 256);
    this.histLen = m.histOffset[m.nFeatures]!;
    this.rowWiseBelow = m.nRows / 64;
    const L = Math.max(1, p.maxLeaves);
    this.leafNode = new Int32Array(L);
    this.leafStart = new Int32Array(L);
    this.leafCount = new Int32Array(L);
    this.leafP = new Float64Array(L);
    this.leafDepth = new Int32Array(L);
    this.leafHist = new Array<Float64Array | null>(L).fill(null);
    this.bestGain = new Float64Array(L);
    this.bestFeature = new Int32Array(L);
    this.bestBin = new Int32Array(L);
    this.bestMissLeft = new Uint8Array(L);
    this.bestLeftP = new Float64Array(L);
    const N = 2 * L - 1;
    this.feature = new Int32Array(N);
    this.thrBin = new Int32Array(N);
    this.threshold = new Float64Array(N);
    this.defaultLeft = new Uint8Array(N);
    this.left = new Int32Array(N);
    this.right = new Int32Array(N);
    this.value = new Float64Array(N);
  }

  /**
   * Grows one tree on rows[0..nRows) (ascending) with gradients grad (indexed by row), splitting
   * only on feats[0..nFeats). The returned arrays are the grower's own: copy them before the next
   * call.
   */
  grow(grad: Float64Array, rows: Int32Array, nRows: number, feats: Int32Array, nFeats: number): GrownTree {
    const { p } = this;
    this.idx.set(rows.subarray(0, nRows));
    this.feats.set(feats.subarray(0, nFeats));
    this.nFeats = nFeats;
    const P = this.quantise(grad, rows, nRows);

    this.nNodes = 1;
    this.feature[0] = -1;
    this.nLeaves = 1;
    this.leafNode[0] = 0;
    this.leafStart[0] = 0;
    this.leafCount[0] = nRows;
    this.leafP[0] = P;
    this.leafDepth[0] = 0;
    this.bestGain[0] = -Infinity;
    if (p.maxLeaves > 1 && this.canSplit(0, nRows)) {
      const h = this.acquire();
      if (nRows >= 0.6 * this.m.nRows) this.buildAll(h);
      else this.build(h, 0, nRows);
      this.leafHist[0] = h;
      this.findBest(0);
    }
    while (this.nLeaves < p.maxLeaves) {
      let l = -1;
      let best = p.minGainToSplit;
      for (let k = 0; k < this.nLeaves; k++) {
        if (this.bestGain[k]! > best) {
          best = this.bestGain[k]!;
          l = k;
        }
      }
      if (l < 0) break;
      this.split(l);
    }
    // Leaf values from the exact gradients of each leaf's rows.
    const { idx } = this;
    for (let k = 0; k < this.nLeaves; k++) {
      const h = this.leafHist[k];
      if (h) this.release(h);
      this.leafHist[k] = null;
      let g = 0;
      for (let i = this.leafStart[k]!, e = i + this.leafCount[k]!; i < e; i++) g += grad[idx[i]!]!;
      const v = -thresholdL1(g, p.lambdaL1) / (this.leafCount[k]! + p.lambdaL2);
      this.value[this.leafNode[k]!] = Math.fround(p.learningRate * (Number.isFinite(v) ? v : 0));
    }
    return {
      nNodes: this.nNodes,
      feature: this.feature,
      thrBin: this.thrBin,
      threshold: this.threshold,
      defaultLeft: this.defaultLeft,
      left: this.left,
      right: this.right,
      value: this.value,
    };
  }

  /** Packs the rows' quantised gradients (nearest level); returns their packed sum. */
  private quantise(grad: Float64Array, rows: Int32Array, nRows: number): number {
    let max = 0;
    for (let i = 0; i < nRows; i++) max = Math.max(max, Math.abs(grad[rows[i]!]!));
    this.gScale = max > 0 && Number.isFinite(max) ? max / this.levels : 1;
    const inv = 1 / this.gScale;
    const { packed, pow } = this;
    packed.fill(0);
    let sum = 0;
    for (let i = 0; i < nRows; i++) {
      const r = rows[i]!;
      const v = Math.round(grad[r]! * inv) * pow + 1;
      packed[r] = v;
      sum += v;
    }
    return sum;
  }

  private canSplit(depth: number, count: number): boolean {
    return depth < this.p.maxDepth && count >= 2 * Math.max(1, this.p.minDataInLeaf);
  }

  private acquire(): Float64Array {
    return this.pool.pop() ?? new Float64Array(this.histLen);
  }

  private release(h: Float64Array): void {
    this.pool.push(h);
  }

  /** Splits leaf l at its best split: the left child keeps slot l, the right one is appended. */
  private split(l: number): void {
    const { m, p } = this;
    const f = this.bestFeature[l]!;
    const k = this.bestBin[l]!;
    const missLeft = this.bestMissLeft[l]!;
    const start = this.leafStart[l]!;
    const count = this.leafCount[l]!;
    // Stable partition of the leaf's rows.
    const { idx, tmp } = this;
    const bins = m.bins;
    const col = f * m.nRows;
    let nl = 0;
    let nr = 0;
    for (let i = start, end = start + count; i < end; i++) {
      const r = idx[i]!;
      const b = bins[col + r]!;
      if (b === 0 ? missLeft === 1 : b <= k) idx[start + nl++] = r;
      else tmp[nr++] = r;
    }
    idx.set(tmp.subarray(0, nr), start + nl);

    // Nodes: the leaf's node becomes the split, two new leaves below it.
    const node = this.leafNode[l]!;
    const ln = this.nNodes;
    const rn = ln + 1;
    this.nNodes += 2;
    this.feature[node] = f;
    this.thrBin[node] = k;
    this.threshold[node] = splitThreshold(m, f, k);
    this.defaultLeft[node] = missLeft;
    this.left[node] = ln;
    this.right[node] = rn;
    this.feature[ln] = -1;
    this.feature[rn] = -1;

    const depth = this.leafDepth[l]! + 1;
    const pl = this.bestLeftP[l]!;
    const pr = this.leafP[l]! - pl;
    const r = this.nLeaves++;
    this.leafNode[l] = ln;
    this.leafCount[l] = nl;
    this.leafP[l] = pl;
    this.leafDepth[l] = depth;
    this.bestGain[l] = -Infinity;
    this.leafNode[r] = rn;
    this.leafStart[r] = start + nl;
    this.leafCount[r] = nr;
    this.leafP[r] = pr;
    this.leafDepth[r] = depth;
    this.bestGain[r] = -Infinity;
    this.leafHist[r] = null;

    const parent = this.leafHist[l]!;
    this.leafHist[l] = null;
    const more = this.nLeaves < p.maxLeaves;
    const leftCan = more && this.canSplit(depth, nl);
    const rightCan = more && this.canSplit(depth, nr);
    if (!leftCan && !rightCan) {
      this.release(parent);
      return;
    }
    const small = nl <= nr ? l : r;
    const large = small === l ? r : l;
    const smallCan = small === l ? leftCan : rightCan;
    const largeCan = small === l ? rightCan : leftCan;
    const sh = this.acquire();
    this.build(sh, this.leafStart[small]!, this.leafCount[small]!);
    if (largeCan) {
      this.subtract(parent, sh);
      this.leafHist[large] = parent;
      this.findBest(large);
    } else this.release(parent);
    if (smallCan) {
      this.leafHist[small] = sh;
      this.findBest(small);
    } else this.release(sh);
  }

  /** Histogram of every row in order (the root when most rows are in the bag). */
  private buildAll(h: Float64Array): void {
    const { m, packed, h4 } = this;
    const bins = m.bins;
    const n = m.nRows;
    const n4 = n - (n % 4);
    for (let q = 0; q < this.nFeats; q++) {
      const f = this.feats[q]!;
      const w = m.nBins[f]! + 1;
      const w2 = 2 * w;
      const w3 = 3 * w;
      const col = f * n;
      h4.fill(0, 0, 4 * w);
      let i = 0;
      for (; i < n4; i += 4) {
        const j0 = bins[col + i]!;
        const j1 = bins[col + i + 1]! + w;
        const j2 = bins[col + i + 2]! + w2;
        const j3 = bins[col + i + 3]! + w3;
        h4[j0] = h4[j0]! + packed[i]!;
        h4[j1] = h4[j1]! + packed[i + 1]!;
        h4[j2] = h4[j2]! + packed[i + 2]!;
        h4[j3] = h4[j3]! + packed[i + 3]!;
      }
      for (; i < n; i++) {
        const j = bins[col + i]!;
        h4[j] = h4[j]! + packed[i]!;
      }
      const o = m.histOffset[f]!;
      for (let b = 0; b < w; b++) h[o + b] = h4[b]! + h4[b + w]! + h4[b + w2]! + h4[b + w3]!;
    }
  }

  /** Histogram of rows idx[start..start+count) into h (four-way for all but small nodes). */
  private build(h: Float64Array, start: number, count: number): void {
    const { idx, m, packed, og, h4 } = this;
    const bins = m.bins;
    const n = m.nRows;
    for (let i = 0; i < count; i++) og[i] = packed[idx[start + i]!]!;
    const four = count >= 4096;
    if (count < this.rowWiseBelow) {
      this.buildRows(h, start, count);
      return;
    }
    const c4 = count - (count % 4);
    for (let q = 0; q < this.nFeats; q++) {
      const f = this.feats[q]!;
      const w = m.nBins[f]! + 1;
      const col = f * n;
      const o = m.histOffset[f]!;
      if (!four) {
        h.fill(0, o, o + w);
        for (let i = 0; i < count; i++) {
          const j = o + bins[col + idx[start + i]!]!;
          h[j] = h[j]! + og[i]!;
        }
        continue;
      }
      const w2 = 2 * w;
      const w3 = 3 * w;
      h4.fill(0, 0, 4 * w);
      let i = 0;
      for (; i < c4; i += 4) {
        const s = start + i;
        const j0 = bins[col + idx[s]!]!;
        const j1 = bins[col + idx[s + 1]!]! + w;
        const j2 = bins[col + idx[s + 2]!]! + w2;
        const j3 = bins[col + idx[s + 3]!]! + w3;
        h4[j0] = h4[j0]! + og[i]!;
        h4[j1] = h4[j1]! + og[i + 1]!;
        h4[j2] = h4[j2]! + og[i + 2]!;
        h4[j3] = h4[j3]! + og[i + 3]!;
      }
      for (; i < count; i++) {
        const j = bins[col + idx[start + i]!]!;
        h4[j] = h4[j]! + og[i]!;
      }
      for (let b = 0; b < w; b++) h[o + b] = h4[b]! + h4[b + w]! + h4[b + w2]! + h4[b + w3]!;
    }
  }

  /**
   * Histogram of rows idx[start..start+count) from the row-major bins, all features (a row's bins
   * are one contiguous run; the feature loop is unrolled by four).
   */
  private buildRows(h: Float64Array, start: number, count: number): void {
    const { idx, m, packed } = this;
    const bins = m.rowBins;
    const F = m.nFeatures;
    const off = m.histOffset;
    h.fill(0);
    const F4 = F - (F % 4);
    for (let i = start, end = start + count; i < end; i++) {
      const r = idx[i]!;
      const v = packed[r]!;
      const base = r * F;
      let f = 0;
      for (; f < F4; f += 4) {
        const j0 = off[f]! + bins[base + f]!;
        const j1 = off[f + 1]! + bins[base + f + 1]!;
        const j2 = off[f + 2]! + bins[base + f + 2]!;
        const j3 = off[f + 3]! + bins[base + f + 3]!;
        h[j0] = h[j0]! + v;
        h[j1] = h[j1]! + v;
        h[j2] = h[j2]! + v;
        h[j3] = h[j3]! + v;
      }
      for (; f < F; f++) {
        const j = off[f]! + bins[base + f]!;
        h[j] = h[j]! + v;
      }
    }
  }

  /** parent −= child over the tree's features (parent becomes the sibling's histogram). */
  private subtract(parent: Float64Array, child: Float64Array): void {
    const off = this.m.histOffset;
    for (let q = 0; q < this.nFeats; q++) {
      const f = this.feats[q]!;
      for (let j = off[f]!, e = off[f + 1]!; j < e; j++) parent[j] = parent[j]! - child[j]!;
    }
  }

  /**
   * Best split of leaf l from its histogram: every cut "value bins 1..k left", with missing values
   * sent left and right in turn (when the leaf has any), and "missing left, all values right".
   */
  private findBest(l: number): void {
    const { m, p, pow, invPow, gScale, feats } = this;
    const h = this.leafHist[l]!;
    const P = this.leafP[l]!;
    const C = this.leafCount[l]!;
    const G = Math.floor(P * invPow) * gScale;
    const lam = p.lambdaL2;
    const l1 = p.lambdaL1;
    const minData = Math.max(1, p.minDataInLeaf);
    const tg = thresholdL1(G, l1);
    const parentScore = (tg * tg) / (C + lam);
    let bestGain = -Infinity;
    let bestF = -1;
    let bestK = 0;
    let bestMissLeft = 0;
    let bestPL = 0;
    const off = m.histOffset;
    for (let q = 0; q < this.nFeats; q++) {
      const f = feats[q]!;
      const nb = m.nBins[f]!;
      if (nb < 2) continue;
      const o = off[f]!;
      const pm = h[o]!;
      const qm = Math.floor(pm * invPow);
      const cm = pm - qm * pow;
      let pl = 0;
      for (let k = cm > 0 ? 0 : 1; k < nb; k++) {
        if (k > 0) {
          const pb = h[o + k]!;
          // An empty bin (its packed sum is exactly 0) leaves the partition as it was.
          if (pb === 0) continue;
          pl += pb;
          // Missing values right.
          const q = Math.floor(pl * invPow);
          const cl = pl - q * pow;
          const cr = C - cl;
          if (cr < minData) break; // the right side only shrinks from here
          if (cl >= minData && cr >= minData) {
            const gl = q * gScale;
            const a = thresholdL1(gl, l1);
            const b = thresholdL1(G - gl, l1);
            const gain = (a * a) / (cl + lam) + (b * b) / (cr + lam) - parentScore;
            if (gain > bestGain) {
              bestGain = gain;
              bestF = f;
              bestK = k;
              bestMissLeft = cm > 0 ? 0 : cl >= cr ? 1 : 0;
              bestPL = pl;
            }
          }
        }
        if (cm > 0) {
          // Missing values left.
          const pl2 = pl + pm;
          const q = Math.floor(pl2 * invPow);
          const cl = pl2 - q * pow;
          const cr = C - cl;
          if (cl >= minData && cr >= minData) {
            const gl = q * gScale;
            const a = thresholdL1(gl, l1);
            const b = thresholdL1(G - gl, l1);
            const gain = (a * a) / (cl + lam) + (b * b) / (cr + lam) - parentScore;
            if (gain > bestGain) {
              bestGain = gain;
              bestF = f;
              bestK = k;
              bestMissLeft = 1;
              bestPL = pl2;
            }
          }
        }
      }
    }
    this.bestGain[l] = bestF < 0 ? -Infinity : bestGain;
    this.bestFeature[l] = bestF;
    this.bestBin[l] = bestK;
    this.bestMissLeft[l] = bestMissLeft;
    this.bestLeftP[l] = bestPL;
  }
}
