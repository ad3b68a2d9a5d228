/**
 * Refitting the combination model on the surviving factors. Two fits, both on sealed splits (a
 * fit never reads a label realised after its range):
 *  - out of sample: fitted on the `trainDays` dates before the window and scored on the window,
 *    so the report shows how the pool as a whole does on the newest data (daily IC, and a
 *    TopK-Dropout portfolio on the window);
 *  - deployment: refitted on the `trainDays` dates up to the end of the data, the model to trade
 *    with from here (its weights go into the summary).
 */
import { equalWeightBenchmark } from "../../backtest/benchmark.ts";
import { ICEvaluator, summarizeIC, type DailyIC, type ICSummary } from "../../backtest/ic.ts";
import { fitModel, scoreSplit, type Model, type ModelKind } from "../../backtest/models/index.ts";
import { summarizeBacktest, type BacktestSummary } from "../../backtest/risk.ts";
import { Split, type IndexRange } from "../../backtest/split.ts";
import { simulateTopk, type TopkResult } from "../../backtest/topk.ts";
import type { Panel } from "../../factors/panel.ts";

export interface RefitOptions {
  readonly kind: ModelKind;
  /** Dates each fit uses (default 500). */
  readonly trainDays: number;
  readonly topk: number;
  readonly nDrop: number;
}

export const DEFAULT_REFIT: RefitOptions = Object.freeze({ kind: "linear", trainDays: 500, topk: 50, nDrop: 5 });

export interface FitRange {
  readonly start: string;
  readonly end: string;
}

export interface OutOfSample {
  readonly fit: FitRange;
  readonly metrics: ICSummary;
  readonly daily: DailyIC;
  readonly scores: Float64Array;
  readonly backtest: TopkResult | null;
  readonly backtestSummary: BacktestSummary | null;
}

export interface RefitResult {
  readonly kind: ModelKind;
  readonly features: string[];
  readonly fit: FitRange;
  /** Linear models: one weight per feature (rank-normalised features), and the intercept. */
  readonly weights: number[] | null;
  readonly intercept: number | null;
  readonly outOfSample: OutOfSample | null;
  readonly model: Model;
}

/** Fewer labelled dates than this and a fit is not attempted. */
const MIN_FIT_DATES = 20;

function range(panel: Panel, from: number, to: number): FitRange {
  return { start: panel.dates[from]!, end: panel.dates[to]! };
}

export async function refitCombination(
  panel: Panel,
  label: Float64Array,
  names: readonly string[],
  features: readonly Float64Array[],
  window: IndexRange,
  o: RefitOptions = DEFAULT_REFIT,
): Promise<RefitResult | null> {
  if (features.length === 0) return null;
  const spec = { kind: o.kind };
  const data = { panel, features, label };

  let outOfSample: OutOfSample | null = null;
  const oosTo = window.from - 1;
  const oosFrom = Math.max(0, oosTo - o.trainDays + 1);
  if (oosTo - oosFrom + 1 >= MIN_FIT_DATES) {
    const fitR = range(panel, oosFrom, oosTo);
    const train = Split.of(panel, "fit-before-window", fitR);
    const model = await fitModel(spec, data, train);
    const win = Split.of(panel, "window", range(panel, window.from, window.to));
    const scores = scoreSplit(model, data, win);
    const daily = new ICEvaluator(label, panel, window).daily(scores);
    const topk = Math.max(1, Math.min(o.topk, Math.floor(panel.nInst / 2)));
    const nDrop = Math.max(0, Math.min(o.nDrop, topk));
    const bt = simulateTopk({ panel, scores, window, bench: equalWeightBenchmark(panel) }, { topk, nDrop });
    outOfSample = { fit: fitR, metrics: summarizeIC(daily), daily, scores, backtest: bt, backtestSummary: summarizeBacktest(bt) };
  }

  const to = window.to;
  const from = Math.max(0, to - o.trainDays + 1);
  if (to - from + 1 < MIN_FIT_DATES) return null;
  const fitR = range(panel, from, to);
  const model = await fitModel(spec, data, Split.of(panel, "fit", fitR));
  const linear = model.state.kind === "linear" ? model.state : null;
  return {
    kind: o.kind,
    features: [...names],
    fit: fitR,
    weights: linear ? Array.from(linear.weights) : null,
    intercept: linear ? linear.intercept : null,
    outOfSample,
    model,
  };
}

