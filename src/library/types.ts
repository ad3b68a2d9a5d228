/**
 * What the library stores and returns, as zod schemas (rows are validated on read) and the types
 * inferred from them. Inputs to the write methods are plain interfaces below.
 */
import { z } from "zod";
import {
  DialectSchema,
  GateResultSchema,
  GateNameSchema,
  RepairSchema,
  SplitMetricsSchema,
  FactorCandidateSchema,
} from "../evolution/types.ts";
import type { FactorMetrics, GateName, GateResult, Repair, SplitMetrics } from "../evolution/types.ts";
import type { Dialect } from "../../factors/ast.ts";

export const CAMPAIGN_STATUSES = ["running", "finished", "failed", "interrupted"] as const;
export const CampaignStatusSchema = z.enum(CAMPAIGN_STATUSES);
export type CampaignStatus = z.infer<typeof CampaignStatusSchema>;

/** Review status of a factor in the library. `active` factors form the zoo and the pool. */
export const FACTOR_STATUSES = ["active", "retired", "watch", "rejected"] as const;
export const FactorStatusSchema = z.enum(FACTOR_STATUSES);
export type FactorStatus = z.infer<typeof FactorStatusSchema>;

export const FactorSourceSchema = z.enum(["mined", "import"]);
export type FactorSource = z.infer<typeof FactorSourceSchema>;

/** JSON text column → parsed value, then validated by `schema`. */
export function jsonColumn<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((s, ctx): unknown => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "invalid JSON" });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

const JsonValue = z.unknown();
const IsoTime = z.string().min(1);

export const CampaignSchema = z.object({
  id: z.string(),
  name: z.string(),
  config: JsonValue,
  seed: z.number().int(),
  dataFingerprint: z.string(),
  status: CampaignStatusSchema,
  startedAt: IsoTime,
  finishedAt: IsoTime.nullable(),
  summary: JsonValue.nullable(),
});
export type Campaign = z.output<typeof CampaignSchema>;

export const CampaignRowSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    config: jsonColumn(JsonValue),
    seed: z.number().int(),
    data_fingerprint: z.string(),
    status: CampaignStatusSchema,
    started_at: IsoTime,
    finished_at: IsoTime.nullable(),
    summary: jsonColumn(JsonValue).nullable(),
  })
  .transform(
    (r): Campaign => ({
      id: r.id,
      name: r.name,
      config: r.config,
      seed: r.seed,
      dataFingerprint: r.data_fingerprint,
      status: r.status,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      summary: r.summary ?? null,
    }),
  );

export interface StoredFactor {
  id: number;
  source: FactorSource;
  campaignId: string | null;
  trajectoryId: string | null;
  /** Position of the factor among its trajectory's candidates. */
  index: number | null;
  name: string;
  expression: string;
  dialect: Dialect;
  canonical: string;
  hypothesis: string;
  description: string;
  formulation: string;
  metrics: SplitMetrics;
  gates: GateResult[];
  repairs: Repair[];
  status: FactorStatus;
  statusReason: string | null;
  createdRound: number | null;
  createdAt: string;
  updatedAt: string;
}

export const FactorRowSchema = z
  .object({
    id: z.number().int(),
    source: FactorSourceSchema,
    campaign_id: z.string().nullable(),
    trajectory_id: z.string().nullable(),
    idx: z.number().int().nullable(),
    name: z.string(),
    expression: z.string(),
    dialect: DialectSchema,
    canonical: z.string(),
    hypothesis: z.string(),
    description: z.string(),
    formulation: z.string(),
    metrics: jsonColumn(SplitMetricsSchema),
    gates: jsonColumn(z.array(GateResultSchema)),
    repairs: jsonColumn(z.array(RepairSchema)),
    status: FactorStatusSchema,
    status_reason: z.string().nullable(),
    created_round: z.number().int().nullable(),
    created_at: IsoTime,
    updated_at: IsoTime,
  })
  .transform(
    (r): StoredFactor => ({
      id: r.id,
      source: r.source,
      campaignId: r.campaign_id,
      trajectoryId: r.trajectory_id,
      index: r.idx,
      name: r.name,
      expression: r.expression,
      dialect: r.dialect,
      canonical: r.canonical,
      hypothesis: r.hypothesis,
      description: r.description,
      formulation: r.formulation,
      metrics: r.metrics,
      gates: r.gates,
      repairs: r.repairs,
      status: r.status,
      statusReason: r.status_reason,
      createdRound: r.created_round,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }),
  );

export interface RejectedRecord {
  id: number;
  campaignId: string;
  trajectoryId: string;
  index: number;
  kind: "rejected" | "redundant";
  name: string;
  expression: string;
  dialect: Dialect;
  canonical: string | null;
  gate: GateName;
  reason: string;
  /** The full candidate as the trajectory recorded it. */
  candidate: z.output<typeof FactorCandidateSchema>;
  createdAt: string;
}

export const RejectionRowSchema = z
  .object({
    id: z.number().int(),
    campaign_id: z.string(),
    trajectory_id: z.string(),
    idx: z.number().int(),
    kind: z.enum(["rejected", "redundant"]),
    name: z.string(),
    expression: z.string(),
    dialect: DialectSchema,
    canonical: z.string().nullable(),
    gate: GateNameSchema,
    reason: z.string(),
    body: jsonColumn(FactorCandidateSchema),
    created_at: IsoTime,
  })
  .transform(
    (r): RejectedRecord => ({
      id: r.id,
      campaignId: r.campaign_id,
      trajectoryId: r.trajectory_id,
      index: r.idx,
      kind: r.kind,
      name: r.name,
      expression: r.expression,
      dialect: r.dialect,
      canonical: r.canonical,
      gate: r.gate,
      reason: r.reason,
      candidate: r.body,
      createdAt: r.created_at,
    }),
  );

/** One LLM request as the agents layer reports it. */
export interface LlmCallInput {
  campaignId?: string | null;
  /**
   * A deterministic key for this call within the campaign (e.g. `r2/t5/constructor/1`). A second
   * record with the same key is a no-op, so a resumed campaign that redoes the call in flight
   * does not duplicate it.
   */
  key?: string | null;
  trajectoryId?: string | null;
  round?: number | null;
  role: string;
  provider: string;
  model: string;
  tokensIn?: number;
  tokensOut?: number;
  costUsd?: number;
  latencyMs?: number;
  promptHash: string;
  seed?: number | null;
  attempt?: number;
  prompt?: string | null;
  reply?: string | null;
  error?: string | null;
  /** Answered from the LLM reply cache (no request sent; 0 tokens, 0 cost). */
  cached?: boolean;
}

export const LlmCallRowSchema = z
  .object({
    id: z.number().int(),
    campaign_id: z.string().nullable(),
    call_key: z.string().nullable(),
    trajectory_id: z.string().nullable(),
    round: z.number().int().nullable(),
    role: z.string(),
    provider: z.string(),
    model: z.string(),
    tokens_in: z.number().int(),
    tokens_out: z.number().int(),
    cost_usd: z.number(),
    latency_ms: z.number(),
    prompt_hash: z.string(),
    seed: z.number().int().nullable(),
    attempt: z.number().int(),
    prompt: z.string().nullable(),
    reply: z.string().nullable(),
    error: z.string().nullable(),
    cached: z.union([z.literal(0), z.literal(1)]),
    created_at: IsoTime,
  })
  .transform((r) => ({
    id: r.id,
    campaignId: r.campaign_id,
    key: r.call_key,
    trajectoryId: r.trajectory_id,
    round: r.round,
    role: r.role,
    provider: r.provider,
    model: r.model,
    tokensIn: r.tokens_in,
    tokensOut: r.tokens_out,
    costUsd: r.cost_usd,
    latencyMs: r.latency_ms,
    promptHash: r.prompt_hash,
    seed: r.seed,
    attempt: r.attempt,
    prompt: r.prompt,
    reply: r.reply,
    error: r.error,
    cached: r.cached === 1,
    createdAt: r.created_at,
  }));
export type LlmCall = z.output<typeof LlmCallRowSchema>;

export interface LlmUsage {
  /** Every recorded call: requests (failed ones included) and replies served from the cache. */
  calls: number;
  failures: number;
  /** Calls answered from the LLM reply cache (part of `calls`). */
  cached: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  byRole: Record<string, { calls: number; failures: number; cached: number; tokensIn: number; tokensOut: number; costUsd: number }>;
}

/** One stored reply of the LLM reply cache. */
export interface LlmCacheEntry {
  key: string;
  role: string;
  model: string;
  /** The validated reply (a JSON value). */
  reply: unknown;
  createdAt: string;
}

export const CheckpointRowSchema = z
  .object({
    seq: z.number().int(),
    campaign_id: z.string(),
    round: z.number().int(),
    step: z.string(),
    state: jsonColumn(JsonValue),
    created_at: IsoTime,
  })
  .transform((r) => ({
    seq: r.seq,
    campaignId: r.campaign_id,
    round: r.round,
    step: r.step,
    state: r.state,
    createdAt: r.created_at,
  }));
export type Checkpoint = z.output<typeof CheckpointRowSchema>;

export interface CheckpointInput {
  round: number;
  /** The step that finished, unique within (campaign, round), e.g. `plan`, `trajectory:t3`, `round-end`. */
  step: string;
  /** Opaque controller state (RNG state, queues…); JSON-serialisable, NaN is written as null. */
  state?: unknown;
}

export const RETRAIN_STATUSES = ["running", "finished", "failed"] as const;
export const RetrainRowSchema = z
  .object({
    id: z.number().int(),
    as_of: z.string(),
    data_fingerprint: z.string(),
    status: z.enum(RETRAIN_STATUSES),
    started_at: IsoTime,
    finished_at: IsoTime.nullable(),
    summary: jsonColumn(JsonValue).nullable(),
    report_path: z.string().nullable(),
  })
  .transform((r) => ({
    id: r.id,
    asOf: r.as_of,
    dataFingerprint: r.data_fingerprint,
    status: r.status,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    summary: r.summary ?? null,
    reportPath: r.report_path,
  }));
export type RetrainRun = z.output<typeof RetrainRowSchema>;

export const FactorEventRowSchema = z
  .object({
    id: z.number().int(),
    factor_id: z.number().int(),
    retrain_run_id: z.number().int().nullable(),
    kind: z.enum(["status", "metrics"]),
    detail: jsonColumn(JsonValue),
    created_at: IsoTime,
  })
  .transform((r) => ({
    id: r.id,
    factorId: r.factor_id,
    retrainRunId: r.retrain_run_id,
    kind: r.kind,
    detail: r.detail,
    createdAt: r.created_at,
  }));
/** The audit trail of a factor: status changes and metric updates (e.g. by retraining). */
export type FactorEvent = z.output<typeof FactorEventRowSchema>;

export interface NewCampaign {
  /** Defaults to a fresh random id. */
  id?: string;
  name: string;
  config?: unknown;
  seed: number;
  dataFingerprint: string;
}

export interface ImportFactorInput {
  name: string;
  expression: string;
  dialect?: Dialect;
  /** Canonical printed expression (the caller parses; the library does not). */
  canonical: string;
  hypothesis?: string;
  description?: string;
  formulation?: string;
  metrics?: Record<string, FactorMetrics>;
  status?: FactorStatus;
}

/** Sortable metric keys (any FactorMetrics key works for filtering via `minMetric`). */
export const FACTOR_SORT_KEYS = ["rankIc", "ic", "rankIcir", "icir", "id", "name", "createdAt", "round"] as const;
export type FactorSortKey = (typeof FACTOR_SORT_KEYS)[number];

export interface FactorQuery {
  campaign?: string | readonly string[];
  status?: FactorStatus | readonly FactorStatus[];
  source?: FactorSource;
  /** Split whose metrics the thresholds and metric sorts use (default `valid`). */
  split?: string;
  minRankIc?: number;
  minIc?: number;
  minRankIcir?: number;
  minIcir?: number;
  /** Default `rankIc` (descending); factors without the metric sort last. */
  sort?: FactorSortKey;
  order?: "asc" | "desc";
  limit?: number;
  offset?: number;
}
