/** Reviewing a factor library: selection, detail, correlation, comparison, export/import, reports. */
export { selectFactors, parseIds, uniqueNames, type FactorSelection } from "./select.ts";
export { factorDetail, qlibExpression, qlibTranslation, type FactorDetail, type QlibTranslation, type TrajectorySummary } from "./detail.ts";
export { evaluateStoredFactors, parseStoredFactor, type EvaluableFactor, type EvaluatedFactor, type EvaluatedSet, type SkippedFactor } from "./values.ts";
export { windowMetrics } from "./metrics.ts";
export { rankCorrelationMatrix, matrixRows, corrAt, type CorrelationMatrix } from "./correlation.ts";
export { resolveSide, compareSides, formatComparison, type Comparison, type CompareSide, type CompareMember, type SideSummary } from "./compare.ts";
export { exportFactors, factorRecord, EXPORT_FORMATS, type ExportFormat, type ExportResult } from "./export.ts";
export { readImportFile, parseImportTsv, parseImportJson, prepareImport, type ImportItem } from "./import.ts";
export { libraryReportData, reportLineage, type LibraryReportOptions } from "./report.ts";
export { formatFactorTable, formatDetail, formatMetrics, formatMatrix, jsonSafe } from "./format.ts";
export { loadLibraryFactorSet, type LibraryFactorSet, type LibraryFactorSetOptions } from "./transfer.ts";
