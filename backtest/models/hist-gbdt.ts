/**
 * Native histogram gradient-boosted trees (LightGBM-style), the default `gbdt` engine: squared
 * error on the (rank-normalised) label, features quantile-binned once (hist-gbdt-bins.ts),
 * leaf-wise trees with the histogram subtraction trick (hist-gbdt-tree.ts), per-tree feature
 * fraction and per-round row bagging from a seeded PRNG, L1/L2 leaf penalties, early stopping on a
 * validation matrix by rmse, mean daily IC or mean daily RankIC (hist-gbdt-metrics.ts).
 *
 * The fitted trees are stored in the same flat layout as the XGBoost engine's (trees.ts
 * `TreeEnsemble`: node arrays, `value` = float32 threshold for inner nodes and float32 output for
 * leaves), but with this engine's routing: `fround(x) < threshold` goes left, and only NaN is
 * missing (XGBoost's build also treats −1 as missing; this engine does not). Predictions are
 * base + Σ leaf values in float64, in tree order, so `predictHistTrees` on the training matrix
 * reproduces the training-time predictions exactly.
 *
 * Deterministic for a seed: one thread, fixed iteration orders, one PRNG stream.
 */
import type { DesignMatrix } from "../preprocess.ts";
import type { GbdtModel, GbdtOptions } from "./gbdt.ts";
import type { TreeEnsemble } from "./trees.ts";
import { binMatrix } from "./hist-gbdt-bins.ts";
import { higherIsBetter, ValidScorer, type EvalMetric } from "./hist-gbdt-metrics.ts";
import { TreeGrower, type GrownTree } from "./hist-gbdt-tree.ts";

export interface HistGbdtParams {
  readonly learningRate: number;
  /** Leaves per tree (LightGBM's num_leaves). */
  readonly maxLeaves: number;
  /** Levels per tree; Infinity for no limit. */
  readonly maxDepth: number;
  /** Fewest (in-bag) rows in a leaf; with squared error also the least hessian. */
  readonly minDataInLeaf: number;
  readonly lambdaL2: number;
  readonly lambdaL1: number;
  /** Least gain (Σ G²/(H+λ) of the children − the parent's) to split. */
  readonly minGainToSplit: number;
  /** Share of the features each tree may split on (drawn per tree). */
  readonly featureFraction: number;
  /** Share of the rows each round fits on (drawn per round, Bernoulli). */
  readonly baggingFraction: number;
  /** Value bins per feature (≤ 255). */
  readonly maxBins: number;
  /** Rows sampled to choose each feature's bins. */
  readonly binSampleRows: number;
}

/**
 * Defaults: LightGBM's shape (64 leaves, depth ≤ 8, 20 rows per leaf, 255 bins) with a slow
 * learning rate, XGBoost's λ = 1, and qlib's Alpha158 column/row subsampling (0.8879 / 0.8789).
 */
export const HIST_GBDT_DEFAULTS: HistGbdtParams = {
  learningRate: 0.05,
  maxLeaves: 64,
  maxDepth: 8,
  minDataInLeaf: 20,
  lambdaL2: 1,
  lambdaL1: 0,
  minGainToSplit: 0,
  featureFraction: 0.8879,
  baggingFraction: 0.8789,
  maxBins: 255,
  binSampleRows: 50_000,
};

export interface HistGbdtControl {
  readonly numBoostRound: number;
  readonly earlyStoppingRounds: number;
  readonly evalMetric: EvalMetric;
  readonly seed: number;
}

export const HIST_GBDT_CONTROL_DEFAULTS: HistGbdtControl = { numBoostRound: 500, earlyStoppingRounds: 50, evalMetric: "rmse", seed: 0 };

/** A design matrix as far as training reads it (date only for the daily IC metrics). */
export type TrainMatrix = Pick<DesignMatrix, "x" | "y" | "nRows" | "nFeatures">;
export type ValidMatrix = Pick<DesignMatrix, "x" | "y" | "nRows" | "nFeatures" | "date">;

export interface HistGbdtFit {
  /** The kept trees (the best validation round + 1, or all rounds without validation). */
  readonly trees: TreeEnsemble;
  readonly bestRounds: number;
  readonly roundsTrained: number;
  readonly validHistory: number[];
  /** Training-time predictions on the training rows after every trained round (not truncated). */
  readonly trainPred: Float64Array;
  /** Wall time spent binning and boosting, ms, and this process's CPU time (user) for each. */
  readonly binMs: number;
  readonly boostMs: number;
  readonly binCpuMs: number;
  readonly boostCpuMs: number;
}

/** Seeded 32-bit PRNG (mulberry32), uniform in [0, 1). */
function prng(seed: number): () => number {
  let a = (seed ^ 0x85ebca6b) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Growable flat ensemble, appended one grown tree at a time. */
class EnsembleBuilder {
  readonly nodeStart: number[] = [0];
  readonly left: number[] = [];
  readonly right: number[] = [];
  readonly feature: number[] = [];
  readonly defaultLeft: number[] = [];
  readonly value: number[] = [];

  add(t: GrownTree): void {
    const g = this.feature.length;
    for (let j = 0; j < t.nNodes; j++) {
      const leaf = t.feature[j]! < 0;
      this.feature.push(leaf ? -1 : t.feature[j]!);
      this.left.push(leaf ? -1 : g + t.left[j]!);
      this.right.push(leaf ? -1 : g + t.right[j]!);
      this.defaultLeft.push(leaf ? 0 : t.defaultLeft[j]!);
      this.value.push(leaf ? t.value[j]! : t.threshold[j]!);
    }
    this.nodeStart.push(this.feature.length);
  }

  build(baseScore: number, numFeature: number, nTrees: number): TreeEnsemble {
    const end = this.nodeStart[nTrees]!;
    return {
      baseScore,
      numFeature,
      nodeStart: Int32Array.from(this.nodeStart.slice(0, nTrees + 1)),
      left: Int32Array.from(this.left.slice(0, end)),
      right: Int32Array.from(this.right.slice(0, end)),
      feature: Int32Array.from(this.feature.slice(0, end)),
      defaultLeft: Uint8Array.from(this.defaultLeft.slice(0, end)),
      value: Float32Array.from(this.value.slice(0, end)),
    };
  }
}

/** Adds a grown tree's output for every row of a raw row-major matrix to out. */
function addGrownTree(t: GrownTree, x: ArrayLike<number>, nRows: number, nCols: number, out: Float64Array): void {
  const { feature, threshold, defaultLeft, left, right, value } = t;
  for (let r = 0; r < nRows; r++) {
    const base = r * nCols;
    let j = 0;
    for (let f = feature[0]!; f >= 0; f = feature[j]!) {
      const fv = Math.fround(x[base + f]!);
      j = fv !== fv ? (defaultLeft[j] ? left[j]! : right[j]!) : fv < threshold[j]! ? left[j]! : right[j]!;
    }
    out[r] = out[r]! + value[j]!;
  }
}

/** Trains on `train` (its y), early-stopping on `valid` when given. */
export function trainHistGbdt(
  train: TrainMatrix,
  valid: ValidMatrix | undefined,
  params: Partial<HistGbdtParams> = {},
  control: Partial<HistGbdtControl> = {},
): HistGbdtFit {
  const p: HistGbdtParams = { ...HIST_GBDT_DEFAULTS, ...definedOnly(params) };
  const c: HistGbdtControl = { ...HIST_GBDT_CONTROL_DEFAULTS, ...definedOnly(control) };
  const n = train.nRows;
  const F = train.nFeatures;
  if (n === 0) throw new Error("gbdt: the training range has no rows with a label");
  if (valid && valid.nFeatures !== F) throw new Error(`gbdt: valid has ${valid.nFeatures} features, train ${F}`);

  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const binned = binMatrix(train.x, n, F, { maxBins: p.maxBins, sampleRows: p.binSampleRows });
  const t1 = performance.now();
  const c1 = process.cpuUsage();

  const y = train.y;
  let base = 0;
  for (let r = 0; r < n; r++) base += y[r]!;
  base /= n;
  if (!Number.isFinite(base)) throw new Error("gbdt: the training label has non-finite values");
  const pred = new Float64Array(n).fill(base);
  const grad = new Float64Array(n);
  const rand = prng(c.seed);
  const grower = new TreeGrower(binned, {
    maxLeaves: Math.max(1, Math.floor(p.maxLeaves)),
    maxDepth: p.maxDepth > 0 ? p.maxDepth : Infinity,
    minDataInLeaf: Math.max(1, p.minDataInLeaf),
    lambdaL2: p.lambdaL2,
    lambdaL1: p.lambdaL1,
    minGainToSplit: p.minGainToSplit,
    learningRate: p.learningRate,
  });

  // Features worth splitting on (constant or all-missing ones have one value bin).
  const usable = Int32Array.from({ length: F }, (_, f) => f).filter((f) => binned.nBins[f]! > 1);
  const nPick = Math.max(1, Math.min(usable.length, Math.round(p.featureFraction * usable.length)));
  const shuffled = usable.slice();
  const feats = new Int32Array(usable.length);
  const rows = new Int32Array(n);
  const inBag = new Uint8Array(n);
  const bagging = p.baggingFraction < 1;

  const ens = new EnsembleBuilder();
  const scorer = valid && valid.nRows > 0 ? new ValidScorer(c.evalMetric, valid.y, valid.date) : undefined;
  const vpred = scorer ? new Float64Array(valid!.nRows).fill(base) : undefined;
  const higher = higherIsBetter(c.evalMetric);
  const history: number[] = [];
  let best = NaN;
  let bestRound = -1;
  let trained = 0;

  for (let round = 0; round < c.numBoostRound; round++) {
    for (let r = 0; r < n; r++) grad[r] = pred[r]! - y[r]!;
    // Rows of this round.
    let nRows = 0;
    if (bagging) {
      for (let r = 0; r < n; r++) {
        const take = rand() < p.baggingFraction;
        inBag[r] = take ? 1 : 0;
        if (take) rows[nRows++] = r;
      }
      if (nRows === 0) {
        rows[0] = Math.floor(rand() * n);
        inBag[rows[0]] = 1;
        nRows = 1;
      }
    } else {
      for (let r = 0; r < n; r++) rows[r] = r;
      nRows = n;
    }
    // Features of this tree: a partial Fisher–Yates draw, then ascending.
    let nFeats = usable.length;
    if (nPick < usable.length) {
      shuffled.set(usable);
      for (let k = 0; k < nPick; k++) {
        const j = k + Math.floor(rand() * (usable.length - k));
        const tmp = shuffled[k]!;
        shuffled[k] = shuffled[j]!;
        shuffled[j] = tmp;
      }
      feats.set(shuffled.subarray(0, nPick).sort());
      nFeats = nPick;
    } else feats.set(usable);

    const tree = grower.grow(grad, rows, nRows, feats, nFeats);
    ens.add(tree);
    trained++;

    // Training predictions: in-bag rows by their leaf segment, out-of-bag rows through the bins.
    const { idx } = grower;
    for (let l = 0; l < grower.nLeaves; l++) {
      const v = tree.value[grower.leafNode[l]!]!;
      for (let i = grower.leafStart[l]!, e = i + grower.leafCount[l]!; i < e; i++) pred[idx[i]!] = pred[idx[i]!]! + v;
    }
    if (bagging) addOutOfBag(tree, binned.rowBins, F, n, inBag, pred);

    if (scorer && vpred && valid) {
      addGrownTree(tree, valid.x, valid.nRows, F, vpred);
      const score = scorer.score(vpred);
      history.push(score);
      const improves = Number.isNaN(best) ? !Number.isNaN(score) : higher ? score > best : score < best;
      if (bestRound < 0 || improves) {
        best = score;
        bestRound = round;
      } else if (round - bestRound >= c.earlyStoppingRounds) break;
    }
  }
  const t2 = performance.now();
  const c2 = process.cpuUsage();
  const keep = scorer && bestRound >= 0 ? bestRound + 1 : trained;
  return {
    trees: ens.build(base, F, keep),
    bestRounds: keep,
    roundsTrained: trained,
    validHistory: history,
    trainPred: pred,
    binMs: t1 - t0,
    boostMs: t2 - t1,
    binCpuMs: (c1.user - c0.user) / 1000,
    boostCpuMs: (c2.user - c1.user) / 1000,
  };
}

/** Adds the tree's output to the rows outside this round's bag, routing them by their (row-major) bins. */
function addOutOfBag(t: GrownTree, rowBins: Uint8Array, F: number, n: number, inBag: Uint8Array, pred: Float64Array): void {
  const { feature, thrBin, defaultLeft, left, right, value } = t;
  for (let r = 0; r < n; r++) {
    if (inBag[r]) continue;
    let j = 0;
    for (let f = feature[0]!; f >= 0; f = feature[j]!) {
      const b = rowBins[r * F + f]!;
      j = (b === 0 ? defaultLeft[j] === 1 : b <= thrBin[j]!) ? left[j]! : right[j]!;
    }
    pred[r] = pred[r]! + value[j]!;
  }
}

/**
 * Predictions of trees [0, nTrees) for every row of a row-major matrix (this engine's routing:
 * fround(x) < threshold goes left, NaN takes the default direction).
 */
export function predictHistTrees(e: TreeEnsemble, x: ArrayLike<number>, nRows: number, nCols: number, nTrees = e.nodeStart.length - 1): Float64Array {
  const out = new Float64Array(nRows).fill(e.baseScore);
  const { feature, value, defaultLeft, left, right, nodeStart } = e;
  const upto = Math.min(nTrees, nodeStart.length - 1);
  for (let k = 0; k < upto; k++) {
    const root = nodeStart[k]!;
    for (let r = 0; r < nRows; r++) {
      const base = r * nCols;
      let j = root;
      for (let f = feature[j]!; f >= 0; f = feature[j]!) {
        const fv = Math.fround(x[base + f]!);
        j = fv !== fv ? (defaultLeft[j] ? left[j]! : right[j]!) : fv < value[j]! ? left[j]! : right[j]!;
      }
      out[r] = out[r]! + value[j]!;
    }
  }
  return out;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/**
 * Native parameters from XGBoost/LightGBM-style names (so `gbdt.params` written for either engine
 * carries over): eta/learning_rate, max_depth (≤ 0: no limit), max_leaves/num_leaves,
 * subsample/bagging_fraction, colsample_bytree/feature_fraction, lambda/reg_lambda/lambda_l2,
 * alpha/reg_alpha/lambda_l1, gamma/min_split_loss (×2: XGBoost halves its gain) and
 * min_gain_to_split, min_child_weight/min_data_in_leaf/min_child_samples, max_bin. Others are
 * ignored (objective, tree_method, nthread, …).
 */
export function histParamsFromNames(params: Readonly<Record<string, string | number>>): Partial<HistGbdtParams> {
  const out: Record<string, number> = {};
  const num = (v: string | number): number => (typeof v === "number" ? v : Number(v));
  for (const [k, raw] of Object.entries(params)) {
    const v = num(raw);
    if (!Number.isFinite(v)) continue;
    switch (k) {
      case "eta":
      case "learning_rate":
        out.learningRate = v;
        break;
      case "max_depth":
        out.maxDepth = v > 0 ? v : Infinity;
        break;
      case "max_leaves":
      case "num_leaves":
        if (v > 0) out.maxLeaves = v;
        break;
      case "subsample":
      case "bagging_fraction":
        out.baggingFraction = v;
        break;
      case "colsample_bytree":
      case "feature_fraction":
        out.featureFraction = v;
        break;
      case "lambda":
      case "reg_lambda":
      case "lambda_l2":
        out.lambdaL2 = v;
        break;
      case "alpha":
      case "reg_alpha":
      case "lambda_l1":
        out.lambdaL1 = v;
        break;
      case "gamma":
      case "min_split_loss":
        out.minGainToSplit = 2 * v;
        break;
      case "min_gain_to_split":
        out.minGainToSplit = v;
        break;
      case "min_child_weight":
      case "min_data_in_leaf":
      case "min_child_samples":
        out.minDataInLeaf = Math.max(1, Math.ceil(v));
        break;
      case "max_bin":
        out.maxBins = v;
        break;
    }
  }
  return out as Partial<HistGbdtParams>;
}

/** Seeded uniform sample of k of the n row indices, ascending (Floyd's algorithm). */
function sampleRows(n: number, k: number, seed: number): Int32Array {
  const rand = prng(seed ^ 0x5bd1e995);
  const chosen = new Uint8Array(n);
  for (let j = n - k; j < n; j++) {
    const r = Math.floor(rand() * (j + 1));
    if (chosen[r]) chosen[j] = 1;
    else chosen[r] = 1;
  }
  const out = new Int32Array(k);
  let q = 0;
  for (let r = 0; r < n; r++) if (chosen[r]) out[q++] = r;
  return out;
}

function takeRows(m: DesignMatrix, rows: Int32Array): TrainMatrix {
  const F = m.nFeatures;
  const x = new Float64Array(rows.length * F);
  const y = new Float64Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    x.set(m.x.subarray(r * F, r * F + F), k * F);
    y[k] = m.y[r]!;
  }
  return { x, y, nRows: rows.length, nFeatures: F };
}

/**
 * The `gbdt` model through the native engine: `opts.params` (XGBoost/LightGBM names) and then
 * `opts.native` override HIST_GBDT_DEFAULTS; numBoostRound defaults to 500, early stopping to 50
 * rounds on `opts.evalMetric` (rmse).
 */
export function fitNativeGbdt(train: DesignMatrix, valid: DesignMatrix | undefined, opts: GbdtOptions = {}): GbdtModel {
  if (train.nRows === 0) throw new Error("gbdt: the training range has no rows with a label");
  const seed = opts.seed ?? 0;
  const data: TrainMatrix =
    opts.maxRows !== undefined && train.nRows > opts.maxRows ? takeRows(train, sampleRows(train.nRows, Math.max(1, opts.maxRows), seed)) : train;
  const params = { ...histParamsFromNames(opts.params ?? {}), ...definedOnly(opts.native ?? {}) };
  const metric = opts.evalMetric ?? "rmse";
  const fit = trainHistGbdt(data, valid, params, {
    numBoostRound: opts.numBoostRound ?? HIST_GBDT_CONTROL_DEFAULTS.numBoostRound,
    earlyStoppingRounds: opts.earlyStoppingRounds ?? HIST_GBDT_CONTROL_DEFAULTS.earlyStoppingRounds,
    evalMetric: metric,
    seed,
  });
  return {
    kind: "gbdt",
    engine: "native",
    trees: fit.trees,
    info: { bestRounds: fit.bestRounds, roundsTrained: fit.roundsTrained, trainRows: data.nRows, validHistory: fit.validHistory, evalMetric: metric },
    featureCount: train.nFeatures,
  };
}
