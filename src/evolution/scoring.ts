/**
 * Scores used while mining, all on the cut mining panel: per-factor IC / RankIC (and their IRs)
 * on mining-train and mining-valid, and the trajectory reward — the RankIC on mining-valid of a
 * ridge model over the base features plus the trajectory's factors, fitted on mining-train.
 */
import type { ICSummary } from "../../backtest/ic.ts";
import { fitLinear, predictLinear } from "../../backtest/models/linear.ts";
import { designMatrix, scatterRows, type DesignMatrix } from "../../backtest/preprocess.ts";
import type { FactorMetrics, SplitMetrics } from "./types.ts";
import type { MiningData } from "./mining-data.ts";

export function summaryToMetrics(s: ICSummary): FactorMetrics {
  return { ic: s.ic, icir: s.icir, rankIc: s.rankIc, rankIcir: s.rankIcir, days: s.days, rankDays: s.rankDays };
}

/** IC metrics of one factor's values on the mining ranges, keyed `train` and `valid`. */
export function factorMetrics(data: MiningData, values: Float64Array): SplitMetrics {
  return {
    train: summaryToMetrics(data.trainIc.metrics(values)),
    valid: summaryToMetrics(data.validIc.metrics(values)),
  };
}

interface BaseDesign {
  readonly train: DesignMatrix;
  readonly valid: DesignMatrix;
}

/** The base features' design matrices depend only on the data: built once per MiningData. */
const baseDesigns = new WeakMap<MiningData, BaseDesign>();

function baseDesign(data: MiningData): BaseDesign {
  let d = baseDesigns.get(data);
  if (!d) {
    d = {
      train: designMatrix(data.base, data.label, data.panel, data.train, { mode: "fit" }),
      valid: designMatrix(data.base, undefined, data.panel, data.valid, { mode: "predict" }),
    };
    baseDesigns.set(data, d);
  }
  return d;
}

/** Columns of `a` then `b` (same rows: a split's rows depend on the label and cross-section, not on the features). */
function joinColumns(a: DesignMatrix, b: DesignMatrix): DesignMatrix {
  if (a.nRows !== b.nRows) throw new Error(`design rows differ: ${a.nRows} vs ${b.nRows}`);
  const F = a.nFeatures + b.nFeatures;
  const x = new Float64Array(a.nRows * F);
  const fa = a.nFeatures;
  const fb = b.nFeatures;
  for (let r = 0; r < a.nRows; r++) {
    const o = r * F;
    for (let f = 0; f < fa; f++) x[o + f] = a.x[r * fa + f]!;
    for (let f = 0; f < fb; f++) x[o + fa + f] = b.x[r * fb + f]!;
  }
  return { ...a, nFeatures: F, x };
}

/** RankIC on mining-valid of a ridge model on base + factors fitted on mining-train; NaN if not computable. */
export function rewardOf(data: MiningData, factors: readonly Float64Array[], lambda: number): number {
  const base = baseDesign(data);
  if (base.train.nRows === 0) return Number.NaN;
  const train = joinColumns(base.train, designMatrix(factors, data.label, data.panel, data.train, { mode: "fit" }));
  const model = fitLinear(train, { lambda });
  const valid = joinColumns(base.valid, designMatrix(factors, undefined, data.panel, data.valid, { mode: "predict" }));
  const scores = scatterRows(valid, predictLinear(model, valid), data.panel);
  return data.validIc.metrics(scores).rankIc;
}
