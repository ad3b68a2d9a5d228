/**
 * Gradient-boosted trees, two engines behind `fitGbdt`/`predictGbdt`: `native` (the default; the
 * TypeScript histogram GBDT of hist-gbdt.ts, which takes the whole CSI 300 Alpha158 design) and
 * `xgboost` (below).
 *
 * Gradient-boosted trees through XGBoost (WASM), with early stopping on a validation design
 * matrix done here: rounds are added in chunks, the new trees are read back and applied to the
 * validation rows in JS, and the ensemble is cut at the best round once `earlyStoppingRounds`
 * pass without improvement (qlib's XGBModel: `xgb.train(..., early_stopping_rounds=50)` with the
 * last eval set, `valid`, deciding).
 */
import type { DesignMatrix } from "../preprocess.ts";
import { fitNativeGbdt, predictHistTrees, type HistGbdtParams } from "./hist-gbdt.ts";
import { ValidScorer, type EvalMetric } from "./hist-gbdt-metrics.ts";
import { loadXGBoost } from "./xgboost-wasm.ts";
import { leafValue, parseXGBoostModel, predictTrees, treeCount, truncateTrees, type TreeEnsemble } from "./trees.ts";

export interface GbdtOptions {
  /**
   * `native` (default): the TypeScript histogram GBDT (hist-gbdt.ts), fast enough for the whole
   * design. `xgboost`: XGBoost compiled to WASM (slow, 2 GB heap; see maxRows).
   */
  readonly engine?: "native" | "xgboost";
  /** Native-engine parameters, over the ones mapped from `params` (native engine only). */
  readonly native?: Partial<HistGbdtParams>;
  /** Upper bound on boosting rounds (qlib: num_boost_round 1000). */
  readonly numBoostRound?: number;
  /** Stop after this many rounds without a better validation score (qlib: 50). */
  readonly earlyStoppingRounds?: number;
  /** Validation score: `rmse` on the rank-normalised label (qlib's eval_metric), mean daily `ic` or `rankic`. */
  readonly evalMetric?: EvalMetric;
  /** Rounds trained between validation checks (only affects speed, not the result). */
  readonly chunk?: number;
  readonly seed?: number;
  /**
   * Train on at most this many rows, drawn uniformly without replacement (seeded). The WASM build
   * is slow (single thread, built with SAFE_HEAP): ~1–2 s per depth-8 tree at 50k rows × 158
   * features, and `hist` needs ~1.3 GB of the 2 GB WASM heap at 150k × 158. Default: all rows.
   */
  readonly maxRows?: number;
  /** XGBoost booster parameters, merged over the defaults below. */
  readonly params?: Readonly<Record<string, string | number>>;
}

/**
 * Defaults: qlib's XGBoost benchmark on Alpha158 (eta 0.0421, max_depth 8, colsample_bytree
 * 0.8879, subsample 0.8789), `hist` tree method (about 2× faster than `exact` in this build),
 * one thread (the WASM build has no threads).
 */
export const GBDT_DEFAULT_PARAMS: Readonly<Record<string, string | number>> = {
  booster: "gbtree",
  objective: "reg:linear",
  eta: 0.0421,
  max_depth: 8,
  colsample_bytree: 0.8879,
  subsample: 0.8789,
  min_child_weight: 1,
  tree_method: "hist",
  nthread: 1,
  silent: 1,
};

export interface GbdtFitInfo {
  /** Rounds kept (the best validation round + 1, or all rounds without validation). */
  readonly bestRounds: number;
  readonly roundsTrained: number;
  /** Rows the trees were fitted on (after `maxRows` sampling). */
  readonly trainRows: number;
  /** Validation score after each trained round (empty without validation). */
  readonly validHistory: readonly number[];
  readonly evalMetric: EvalMetric;
  /** For an average of several models (averageGbdt): the trees each member kept. */
  readonly members?: readonly number[];
}

export interface GbdtModel {
  readonly kind: "gbdt";
  /** Which engine grew `trees` (they route missing values differently); absent = xgboost. */
  readonly engine?: "native" | "xgboost";
  readonly trees: TreeEnsemble;
  readonly info: GbdtFitInfo;
  readonly featureCount: number;
}

/** Seeded uniform sample of k of the n row indices, ascending (Floyd's algorithm). */
function sampleRows(n: number, k: number, seed: number): Int32Array {
  let a = (seed ^ 0x9e3779b9) >>> 0;
  const rand = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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

/** Float32 copies of the design (all rows, or the sampled ones) for the WASM side. */
function toF32(m: DesignMatrix, rows: Int32Array | undefined): { x: Float32Array; y: Float32Array; n: number } {
  if (!rows) return { x: Float32Array.from(m.x), y: Float32Array.from(m.y), n: m.nRows };
  const F = m.nFeatures;
  const x = new Float32Array(rows.length * F);
  const y = new Float32Array(rows.length);
  rows.forEach((r, k) => {
    x.set(m.x.subarray(r * F, r * F + F), k * F);
    y[k] = m.y[r]!;
  });
  return { x, y, n: rows.length };
}

/** Mean over dates of the Pearson correlation between prediction and label (rows grouped by date). */
function meanDailyIc(pred: Float64Array, m: DesignMatrix): number {
  let sum = 0;
  let days = 0;
  let r0 = 0;
  while (r0 < m.nRows) {
    let r1 = r0 + 1;
    while (r1 < m.nRows && m.date[r1] === m.date[r0]) r1++;
    const n = r1 - r0;
    if (n >= 2) {
      let mp = 0;
      let my = 0;
      for (let r = r0; r < r1; r++) {
        mp += pred[r]!;
        my += m.y[r]!;
      }
      mp /= n;
      my /= n;
      let sxy = 0;
      let sxx = 0;
      let syy = 0;
      for (let r = r0; r < r1; r++) {
        const a = pred[r]! - mp;
        const b = m.y[r]! - my;
        sxy += a * b;
        sxx += a * a;
        syy += b * b;
      }
      const c = sxy / Math.sqrt(sxx * syy);
      if (Number.isFinite(c)) {
        sum += c;
        days++;
      }
    }
    r0 = r1;
  }
  return days > 0 ? sum / days : NaN;
}

function rmse(pred: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let r = 0; r < y.length; r++) s += (pred[r]! - y[r]!) ** 2;
  return Math.sqrt(s / Math.max(1, y.length));
}

/** Fits on `train` (its y), early-stopping on `valid` when given. Deterministic for a seed. */
export async function fitGbdt(train: DesignMatrix, valid: DesignMatrix | undefined, opts: GbdtOptions = {}): Promise<GbdtModel> {
  if ((opts.engine ?? "native") === "native") return fitNativeGbdt(train, valid, opts);
  if (train.nRows === 0) throw new Error("gbdt: the training range has no rows with a label");
  const xgb = await loadXGBoost();
  const maxRounds = opts.numBoostRound ?? 1000;
  const patience = opts.earlyStoppingRounds ?? 50;
  const metric = opts.evalMetric ?? "rmse";
  const chunk = Math.max(1, opts.chunk ?? 20);
  const params: Record<string, string | number> = { ...GBDT_DEFAULT_PARAMS, seed: opts.seed ?? 0 };
  for (const [k, v] of Object.entries(opts.params ?? {})) if (v !== undefined) params[k] = v;

  const seed = opts.seed ?? 0;
  const rows = opts.maxRows !== undefined && train.nRows > opts.maxRows ? sampleRows(train.nRows, Math.max(1, opts.maxRows), seed) : undefined;
  const data = toF32(train, rows);
  const handle = xgb.createModel(data.x, data.y, data.n, train.nFeatures);
  try {
    for (const [k, v] of Object.entries(params)) xgb.setParam(handle, k, String(v));
    const history: number[] = [];
    const better = (a: number, b: number): boolean => (metric === "rmse" ? a < b : a > b);
    let best = NaN;
    let bestRound = -1;
    let trained = 0;
    let ensemble: TreeEnsemble | undefined;
    // Running float32 sums of the validation predictions, one tree at a time.
    const vsum = valid ? new Float32Array(valid.nRows) : undefined;
    const vpred = valid ? new Float64Array(valid.nRows) : undefined;
    let rankScorer: ValidScorer | undefined;
    while (trained < maxRounds) {
      const n = Math.min(chunk, maxRounds - trained);
      xgb.train(handle, n);
      const from = trained;
      trained += n;
      ensemble = parseXGBoostModel(xgb.save(handle));
      if (!valid || !vsum || !vpred) continue;
      const base = Math.fround(ensemble.baseScore);
      let stop = false;
      for (let k = from; k < trained; k++) {
        for (let r = 0; r < valid.nRows; r++) vsum[r] = vsum[r]! + leafValue(ensemble, k, valid.x, r, valid.nFeatures);
        for (let r = 0; r < valid.nRows; r++) vpred[r] = Math.fround(base + vsum[r]!);
        const score = metric === "rmse" ? rmse(vpred, valid.y) : metric === "ic" ? meanDailyIc(vpred, valid) : (rankScorer ??= new ValidScorer("rankic", valid.y, valid.date)).score(vpred);
        history.push(score);
        if (bestRound < 0 || better(score, best)) {
          best = score;
          bestRound = k;
        } else if (k - bestRound >= patience) {
          stop = true;
          break;
        }
      }
      if (stop) break;
    }
    xgb.drainLog();
    if (!ensemble) throw new Error("gbdt: no round was trained");
    const keep = valid && bestRound >= 0 ? bestRound + 1 : treeCount(ensemble);
    return {
      kind: "gbdt",
      engine: "xgboost",
      trees: truncateTrees(ensemble, keep),
      info: { bestRounds: keep, roundsTrained: trained, trainRows: data.n, validHistory: history, evalMetric: metric },
      featureCount: train.nFeatures,
    };
  } finally {
    xgb.free(handle);
  }
}

/**
 * Several fitted models as one: the average of their predictions, written as a single ensemble
 * holding every member's trees with the leaf values divided by the member count (and the mean
 * base score). Averaging models grown from different seeds (different row bags and feature
 * draws) cuts the variance a single boosted model has on noisy daily cross-sections. Members
 * must come from the same engine and have the same features.
 */
export function averageGbdt(models: readonly GbdtModel[]): GbdtModel {
  const first = models[0];
  if (!first) throw new Error("gbdt: nothing to average");
  if (models.length === 1) return first;
  const engine = first.engine ?? "xgboost";
  for (const m of models) {
    if ((m.engine ?? "xgboost") !== engine) throw new Error("gbdt: cannot average models of different engines");
    if (m.featureCount !== first.featureCount) throw new Error(`gbdt: cannot average models of ${m.featureCount} and ${first.featureCount} features`);
  }
  const k = models.length;
  const nodes = models.reduce((a, m) => a + m.trees.feature.length, 0);
  const trees = models.reduce((a, m) => a + treeCount(m.trees), 0);
  const nodeStart = new Int32Array(trees + 1);
  const left = new Int32Array(nodes);
  const right = new Int32Array(nodes);
  const feature = new Int32Array(nodes);
  const defaultLeft = new Uint8Array(nodes);
  const value = new Float32Array(nodes);
  let g = 0;
  let t = 0;
  let base = 0;
  for (const m of models) {
    const e = m.trees;
    base += e.baseScore / k;
    for (let j = 0; j < treeCount(e); j++) nodeStart[t++] = g + e.nodeStart[j]!;
    for (let j = 0; j < e.feature.length; j++) {
      const leaf = e.feature[j]! < 0;
      feature[g + j] = e.feature[j]!;
      left[g + j] = leaf ? e.left[j]! : g + e.left[j]!;
      right[g + j] = leaf ? e.right[j]! : g + e.right[j]!;
      defaultLeft[g + j] = e.defaultLeft[j]!;
      value[g + j] = leaf ? e.value[j]! / k : e.value[j]!;
    }
    g += e.feature.length;
  }
  nodeStart[t] = g;
  return {
    kind: "gbdt",
    engine,
    trees: { baseScore: base, numFeature: first.trees.numFeature, nodeStart, left, right, feature, defaultLeft, value },
    info: {
      bestRounds: trees,
      roundsTrained: models.reduce((a, m) => a + m.info.roundsTrained, 0),
      trainRows: first.info.trainRows,
      validHistory: first.info.validHistory,
      evalMetric: first.info.evalMetric,
      members: models.map((m) => m.info.bestRounds),
    },
    featureCount: first.featureCount,
  };
}

/**
 * `seeds` models fitted with seeds seed, seed + 1, …, each early-stopped on `valid` on its own,
 * averaged into one (averageGbdt). One seed is plain fitGbdt.
 */
export async function fitGbdtAveraged(train: DesignMatrix, valid: DesignMatrix | undefined, seeds: number, opts: GbdtOptions = {}): Promise<GbdtModel> {
  const n = Math.max(1, Math.floor(seeds));
  const base = opts.seed ?? 0;
  const models: GbdtModel[] = [];
  for (let k = 0; k < n; k++) models.push(await fitGbdt(train, valid, { ...opts, seed: base + k }));
  return averageGbdt(models);
}

export function predictGbdt(model: GbdtModel, m: Pick<DesignMatrix, "x" | "nRows" | "nFeatures">): Float64Array {
  if (m.nFeatures !== model.featureCount) throw new Error(`gbdt: model has ${model.featureCount} features, matrix ${m.nFeatures}`);
  if (model.engine === "native") return predictHistTrees(model.trees, m.x, m.nRows, m.nFeatures);
  return predictTrees(model.trees, m.x, m.nRows, m.nFeatures);
}
