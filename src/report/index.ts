/** Public surface of the HTML report. */
export { renderReport } from "./render.ts";
export { writeReportAtomic } from "./write.ts";
export { escapeHtml } from "./escape.ts";
export { parseReportData, ReportDataSchema } from "./schema.ts";
export type {
  AnnualRow,
  Correlation,
  DailyBacktest,
  DailyIc,
  FactorRow,
  Lineage,
  Oracle,
  RangeMetrics,
  RangeSpec,
  ReportData,
  ReportDataInput,
} from "./schema.ts";
export { computeAnnual, cumsum, downsample, drawdown, rollingMean } from "./series.ts";
