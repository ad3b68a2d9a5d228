/**
 * Combination models behind one interface: `fitModel(spec, data, train, valid?)` builds the
 * design matrices of the splits (the only dates it reads), fits, and returns a `Model` whose
 * `predict(matrix)` scores any design matrix with the same features. `model.state` is plain data
 * (typed arrays only), so a model can cross a worker boundary and be revived with `restoreModel`.
 */
import type { Panel } from "../../factors/panel.ts";
import { ICEvaluator, summarizeIC, type DailyIC, type ICSummary } from "../ic.ts";
import { designMatrix, scatterRows, type DesignMatrix } from "../preprocess.ts";
import type { Split } from "../split.ts";
import { fitGbdtAveraged, predictGbdt, type GbdtModel, type GbdtOptions } from "./gbdt.ts";
import { fitLinear, predictLinear, type LinearModel, type LinearOptions } from "./linear.ts";

export type ModelKind = "linear" | "gbdt";

export interface ModelSpec {
  readonly kind: ModelKind;
  readonly linear?: LinearOptions;
  readonly gbdt?: GbdtOptions;
  /**
   * gbdt: fit this many models with seeds gbdt.seed, gbdt.seed + 1, … and average them
   * (fitGbdtAveraged; default 1, a single model). The campaign's final model does the same, so a
   * baseline compared with it must too.
   */
  readonly gbdtSeeds?: number;
}

export type ModelState = LinearModel | GbdtModel;

export interface Model {
  readonly kind: ModelKind;
  readonly state: ModelState;
  predict(m: Pick<DesignMatrix, "x" | "nRows" | "nFeatures">): Float64Array;
}

/** What a model is fitted on: one panel, feature arrays (instrument-major) and the label. */
export interface ModelData {
  readonly panel: Panel;
  readonly features: readonly Float64Array[];
  readonly label: Float64Array;
}

export function restoreModel(state: ModelState): Model {
  return {
    kind: state.kind,
    state,
    predict: (m) => (state.kind === "linear" ? predictLinear(state, m) : predictGbdt(state, m)),
  };
}

/**
 * Fits on the train split's labelled rows; `valid` is used for early stopping (gbdt) and is
 * otherwise ignored. Reads features and labels of those splits' dates only.
 */
export async function fitModel(spec: ModelSpec, data: ModelData, train: Split, valid?: Split): Promise<Model> {
  const tm = designMatrix(data.features, data.label, data.panel, train, { mode: "fit" });
  if (spec.kind === "linear") return restoreModel(fitLinear(tm, spec.linear));
  const vm = valid ? designMatrix(data.features, data.label, data.panel, valid, { mode: "fit" }) : undefined;
  return restoreModel(await fitGbdtAveraged(tm, vm && vm.nRows > 0 ? vm : undefined, spec.gbdtSeeds ?? 1, spec.gbdt));
}

/** The model's score on every cross-section row of the split's dates (instrument-major, NaN elsewhere). */
export function scoreSplit(model: Model, data: Pick<ModelData, "panel" | "features">, split: Split): Float64Array {
  const m = designMatrix(data.features, undefined, data.panel, split, { mode: "predict" });
  return scatterRows(m, model.predict(m), data.panel);
}

export interface RangeScore {
  readonly split: string;
  readonly metrics: ICSummary;
  readonly daily: DailyIC;
  /** Scores over the split's dates, instrument-major (NaN outside the split). */
  readonly scores: Float64Array;
}

/** Scores each split and measures IC / RankIC / ICIR / RankICIR of the score against the label. */
export function scoreRanges(model: Model, data: ModelData, splits: readonly Split[]): RangeScore[] {
  return splits.map((split) => {
    const scores = scoreSplit(model, data, split);
    const daily = new ICEvaluator(data.label, data.panel, split).daily(scores);
    return { split: split.name, metrics: summarizeIC(daily), daily, scores };
  });
}

export { fitLinear, predictLinear, type LinearModel, type LinearOptions } from "./linear.ts";
export { fitGbdt, fitGbdtAveraged, averageGbdt, predictGbdt, GBDT_DEFAULT_PARAMS, type GbdtModel, type GbdtOptions, type GbdtFitInfo } from "./gbdt.ts";
export { parseXGBoostModel, predictTrees, type TreeEnsemble } from "./trees.ts";
export { loadXGBoost } from "./xgboost-wasm.ts";
export {
  trainHistGbdt,
  predictHistTrees,
  fitNativeGbdt,
  histParamsFromNames,
  HIST_GBDT_DEFAULTS,
  type HistGbdtParams,
  type HistGbdtControl,
  type HistGbdtFit,
} from "./hist-gbdt.ts";
export type { EvalMetric } from "./hist-gbdt-metrics.ts";
