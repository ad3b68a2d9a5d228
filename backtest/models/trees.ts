/**
 * A boosted-tree ensemble as plain typed arrays, read from XGBoost's (0.7x) binary model format,
 * with a JS predictor that reproduces XGBoost's own float32 arithmetic:
 *   - a feature value is compared as float32: `fround(x) < threshold` goes left;
 *   - a missing value (NaN, or −1 exactly: the WASM build's DMatrix uses missing = −1) takes the
 *     node's default direction;
 *   - leaves are summed in float32 in tree order and added to base_score in float32.
 *
 * Binary layout (little-endian), from xgboost learner.cc / gbtree_model.h / tree_model.h:
 *   LearnerModelParam  base_score f32, num_feature u32, num_class i32, contain_extra_attrs i32,
 *                      contain_eval_metrics i32, reserved i32[29]                    136 bytes
 *   name_obj, name_gbm  u64 length + bytes each
 *   GBTreeModelParam    num_trees i32, num_roots i32, num_feature i32, pad i32,
 *                      num_pbuffer_deprecated i64, num_output_group i32,
 *                      size_leaf_vector i32, reserved i32[32]                        160 bytes
 *   per tree: TreeParam (num_roots, num_nodes, num_deleted, max_depth, num_feature,
 *             size_leaf_vector, reserved[31]: 148 bytes), nodes (parent i32, cleft i32, cright i32,
 *             sindex u32 = feature | default_left << 31, value f32: 20 bytes each), stats (16 bytes each)
 *   tree_info i32 per tree.
 */

export interface TreeEnsemble {
  readonly baseScore: number;
  readonly numFeature: number;
  /** nodeStart[k]..nodeStart[k+1] are tree k's nodes. */
  readonly nodeStart: Int32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Split feature, or −1 for a leaf. */
  readonly feature: Int32Array;
  readonly defaultLeft: Uint8Array;
  /** Split threshold for inner nodes, leaf value for leaves (float32 values). */
  readonly value: Float32Array;
}

export function treeCount(e: TreeEnsemble): number {
  return e.nodeStart.length - 1;
}

export function parseXGBoostModel(bytes: Uint8Array): TreeEnsemble {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const baseScore = dv.getFloat32(0, true);
  const numFeature = dv.getUint32(4, true);
  let off = 136;
  for (let s = 0; s < 2; s++) {
    const len = Number(dv.getBigUint64(off, true));
    off += 8 + len;
  }
  const gbm = new TextDecoder().decode(bytes.subarray(off - 6, off));
  if (gbm !== "gbtree") throw new Error(`xgboost model: expected a gbtree booster, got "${gbm}"`);
  const numTrees = dv.getInt32(off, true);
  const numOutputGroup = dv.getInt32(off + 24, true);
  const sizeLeafVector = dv.getInt32(off + 28, true);
  if (numOutputGroup !== 1 || sizeLeafVector !== 0) throw new Error("xgboost model: only single-output regression trees are supported");
  off += 160;
  // First pass: node counts.
  const counts: number[] = [];
  let p = off;
  for (let k = 0; k < numTrees; k++) {
    const roots = dv.getInt32(p, true);
    const n = dv.getInt32(p + 4, true);
    if (roots !== 1) throw new Error("xgboost model: only single-root trees are supported");
    counts.push(n);
    p += 148 + 36 * n;
  }
  const total = counts.reduce((a, b) => a + b, 0);
  const nodeStart = new Int32Array(numTrees + 1);
  const left = new Int32Array(total);
  const right = new Int32Array(total);
  const feature = new Int32Array(total);
  const defaultLeft = new Uint8Array(total);
  const value = new Float32Array(total);
  p = off;
  let g = 0;
  for (let k = 0; k < numTrees; k++) {
    const n = counts[k]!;
    nodeStart[k] = g;
    const base = p + 148;
    for (let j = 0; j < n; j++) {
      const q = base + 20 * j;
      const cl = dv.getInt32(q + 4, true);
      const cr = dv.getInt32(q + 8, true);
      const sindex = dv.getUint32(q + 12, true);
      left[g + j] = cl === -1 ? -1 : g + cl;
      right[g + j] = cr === -1 ? -1 : g + cr;
      feature[g + j] = cl === -1 ? -1 : sindex & 0x7fffffff;
      defaultLeft[g + j] = sindex >>> 31;
      value[g + j] = dv.getFloat32(q + 16, true);
    }
    g += n;
    p += 148 + 36 * n;
  }
  nodeStart[numTrees] = g;
  return { baseScore, numFeature, nodeStart, left, right, feature, defaultLeft, value };
}

/** Leaf value of tree k for row r of a row-major matrix (nCols columns). */
export function leafValue(e: TreeEnsemble, k: number, x: ArrayLike<number>, r: number, nCols: number): number {
  const { left, right, feature, defaultLeft, value } = e;
  let j = e.nodeStart[k]!;
  const rowBase = r * nCols;
  for (;;) {
    const f = feature[j]!;
    if (f < 0) return value[j]!;
    const v = x[rowBase + f]!;
    const fv = Math.fround(v);
    if (fv !== fv || fv === -1) j = defaultLeft[j] ? left[j]! : right[j]!;
    else j = fv < value[j]! ? left[j]! : right[j]!;
  }
}

/**
 * Predictions for every row of a row-major matrix using trees [0, nTrees) (all by default),
 * bit-identical to XGBoost's float32 prediction.
 */
export function predictTrees(e: TreeEnsemble, x: ArrayLike<number>, nRows: number, nCols: number, nTrees = treeCount(e)): Float64Array {
  const out = new Float64Array(nRows);
  const sums = new Float32Array(nRows); // float32 accumulator, as XGBoost's psum
  const upto = Math.min(nTrees, treeCount(e));
  for (let k = 0; k < upto; k++) {
    for (let r = 0; r < nRows; r++) sums[r] = sums[r]! + leafValue(e, k, x, r, nCols);
  }
  const base = Math.fround(e.baseScore);
  for (let r = 0; r < nRows; r++) out[r] = Math.fround(base + sums[r]!);
  return out;
}

/** The first n trees as their own ensemble (for keeping the early-stopping round only). */
export function truncateTrees(e: TreeEnsemble, n: number): TreeEnsemble {
  const k = Math.min(n, treeCount(e));
  const end = e.nodeStart[k]!;
  return {
    baseScore: e.baseScore,
    numFeature: e.numFeature,
    nodeStart: e.nodeStart.slice(0, k + 1),
    left: e.left.slice(0, end),
    right: e.right.slice(0, end),
    feature: e.feature.slice(0, end),
    defaultLeft: e.defaultLeft.slice(0, end),
    value: e.value.slice(0, end),
  };
}
