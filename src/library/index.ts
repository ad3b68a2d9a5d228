/** The factor library store: public surface. */
export { FactorLibrary } from "./library.ts";
export type { RecordedTrajectory, CampaignStats } from "./library.ts";
export { openDatabase, MEMORY } from "./db.ts";
export type { OpenOptions } from "./db.ts";
export { MIGRATIONS, SCHEMA_VERSION, migrate, schemaVersion } from "./schema.ts";
export type { Migration } from "./schema.ts";
export {
  withLibraryLock,
  acquireLibraryLock,
  readLibraryLock,
  breakLibraryLock,
  LibraryLockedError,
  processStartTime,
} from "./lock.ts";
export type { LibraryLock, LockHolder } from "./lock.ts";
export { renderLineageText } from "./lineage.ts";
export type { LineageGraph, LineageEdge } from "./lineage.ts";
export { factorMetricColumns } from "./columns.ts";
export { libraryReplyCache } from "./llm-cache.ts";
export type { FactorMetricColumns } from "./columns.ts";
export {
  CAMPAIGN_STATUSES,
  FACTOR_STATUSES,
  FACTOR_SORT_KEYS,
  CampaignStatusSchema,
  FactorStatusSchema,
  FactorSourceSchema,
} from "./types.ts";
export type {
  Campaign,
  CampaignStatus,
  Checkpoint,
  CheckpointInput,
  FactorEvent,
  FactorQuery,
  FactorSortKey,
  FactorSource,
  FactorStatus,
  ImportFactorInput,
  LlmCacheEntry,
  LlmCall,
  LlmCallInput,
  LlmUsage,
  NewCampaign,
  RejectedRecord,
  RetrainRun,
  StoredFactor,
} from "./types.ts";
