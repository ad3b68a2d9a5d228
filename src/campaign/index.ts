/** Mining campaigns: configuration, the whole `quanta mine` run, the final pool, report and summary. */
export {
  CampaignConfigSchema,
  DEMO_CONFIG,
  SYNTHETIC_RANGES,
  deepMerge,
  evolutionSettings,
  parseCampaignConfig,
  rangesOf,
  readConfigFile,
  type CampaignConfig,
  type CampaignConfigInput,
  type ResolvedRanges,
} from "./config.ts";
export { runMine, campaignOfRunDir, parseBenchmarkSpec, type MineRequest, type MineResult } from "./run.ts";
export { finalStage, selectPool, thinByDate, validT, type FinalInputs, type FinalResult, type PoolFactor, type RangeResult } from "./final.ts";
export { campaignReportData, type ReportInputs } from "./report.ts";
export { formatSummary, finalPoolSummary, rangeSummary, type MineSummary, type RangeSummary } from "./summary.ts";
export { createProgress, type Progress } from "./progress.ts";
