/**
 * Data layer: loaders (long CSV, Parquet, qlib directory, index series,
 * membership), the synthetic market, writers, and panel sharing for workers.
 */
export { DataError, type DataLocation, type DataWarning, type ImplausibleKind } from "./errors.ts";
export { loadPanel, parseSyntheticSource, sourceKind, type LoadPanelOptions, type LoadedPanel, type SourceKind } from "./load.ts";
export { loadCsvPanel, readLongCsv, REQUIRED_FIELDS, type CsvLoadOptions } from "./csv-long.ts";
export { loadParquetPanel, readLongParquet, writeParquetLong, type LongColumn } from "./parquet.ts";
export { loadQlibDir, readQlibInstruments, type QlibLoadOptions } from "./qlib.ts";
export { loadIndexSeries, alignIndexSeries, type IndexSeries } from "./index-series.ts";
export { readMembership, membershipMask, type MembershipInterval } from "./membership.ts";
export { buildPanelFromRows, assemblePanel, type BuildOptions, type LoadResult } from "./panel-builder.ts";
export type { LongRows } from "./long-rows.ts";
export type { SelectOptions } from "./select.ts";
export { restrictPanel } from "./restrict.ts";
export { panelToShared, panelFromShared, sharedFloat64, sharedUint8, type SharedPanelDescriptor } from "./shared.ts";
export { inspectPanel, panelFingerprint, type PanelSummary } from "./inspect.ts";
export { writeLongCsv, panelToLongColumns, orderedFieldNames } from "./long-export.ts";
export { scanImplausible } from "./implausible-wide.ts";
export {
  generateSyntheticMarket,
  oracleScores,
  type SyntheticMarket,
  type SyntheticOptions,
  type PlantedSignal,
  type StrengthSchedule,
  type IcSummary,
} from "./synthetic/market.ts";
export { forwardLabel, dailyIc, seriesStats } from "./synthetic/ic.ts";
export { SIGNALS as PLANTED_SIGNALS } from "./synthetic/signals.ts";
export { Rng } from "./synthetic/prng.ts";
