/** backtest/: label, splits, IC metrics, preprocessing, combination models, TopK-Dropout, risk. */
export { labelReturns, LABEL_HORIZON } from "./label.ts";
export { parseDateRange, formatDateRange, dateIndexRange, Split, checkSplits } from "./split.ts";
export type { DateRange, IndexRange, SplitOptions } from "./split.ts";
export {
  ICEvaluator,
  LabelCrossSections,
  icMetrics,
  summarizeIC,
  summarizeSeries,
  meanCrossSectionalRankCorr,
  windowOf,
} from "./ic.ts";
export type { ICSummary, DailyIC, MetricWindow } from "./ic.ts";
export { csRankNorm, designMatrix, scatterRows, RANK_NORM_SCALE } from "./preprocess.ts";
export type { DesignMatrix, DesignOptions } from "./preprocess.ts";
export {
  fitModel,
  restoreModel,
  scoreSplit,
  scoreRanges,
  fitLinear,
  predictLinear,
  fitGbdt,
  predictGbdt,
  GBDT_DEFAULT_PARAMS,
  parseXGBoostModel,
  predictTrees,
  loadXGBoost,
} from "./models/index.ts";
export type {
  Model,
  ModelKind,
  ModelSpec,
  ModelState,
  ModelData,
  RangeScore,
  LinearModel,
  LinearOptions,
  GbdtModel,
  GbdtOptions,
  GbdtFitInfo,
  TreeEnsemble,
} from "./models/index.ts";
export { simulateTopk, topkDailyRecords, TOPK_DEFAULTS, pyFloorDiv } from "./topk.ts";
export type { TopkInput, TopkOptions, TopkResult, TradeRecord, TopkDailyRecord } from "./topk.ts";
export { equalWeightBenchmark, indexBenchmark } from "./benchmark.ts";
export {
  riskMetrics,
  summarizeBacktest,
  annualBreakdown,
  drawdownSeries,
  TRADING_DAYS,
  QLIB_TRADING_DAYS,
} from "./risk.ts";
export type { RiskMetrics, BacktestSummary, YearRow } from "./risk.ts";
