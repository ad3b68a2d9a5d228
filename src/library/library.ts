/**
 * The factor library: one SQLite file holding campaigns, trajectories, factors, lineage, rejected
 * candidates, LLM calls, resume checkpoints, the evaluation and LLM reply caches and retraining runs.
 *
 * Durability contract: every group of writes that belongs together is one IMMEDIATE transaction
 * (a trajectory with its factors, lineage, rejections and optional checkpoint), so a SIGKILL loses
 * at most the trajectory in flight. Writes meant to be repeated on resume are idempotent:
 * recording a trajectory, an LLM call with a key, or a checkpoint that is already stored returns
 * the stored one. Every row is validated with zod when read.
 */
import { randomUUID } from "node:crypto";
import type BetterSqlite3 from "better-sqlite3";
import { z } from "zod";
import { QuantaError } from "../../factors/errors.ts";
import { FactorMetricsSchema, SplitNameSchema, TrajectorySchema, toJson } from "../evolution/types.ts";
import type { FactorCandidate, FactorMetrics, Trajectory, TrajectoryInput } from "../evolution/types.ts";
import { MEMORY, openDatabase } from "./db.ts";
import type { OpenOptions } from "./db.ts";
import type { LineageEdge, LineageGraph } from "./lineage.ts";
import { schemaVersion } from "./schema.ts";
import {
  CampaignRowSchema,
  CheckpointRowSchema,
  FactorEventRowSchema,
  FactorRowSchema,
  FactorStatusSchema,
  LlmCallRowSchema,
  RejectionRowSchema,
  RetrainRowSchema,
  jsonColumn,
} from "./types.ts";
import type {
  Campaign,
  CampaignStatus,
  Checkpoint,
  CheckpointInput,
  FactorEvent,
  FactorQuery,
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

export interface RecordedTrajectory {
  trajectory: Trajectory;
  /** False when a trajectory with this id was already stored (the stored one is returned). */
  inserted: boolean;
  /** Library ids of the trajectory's accepted factors, in candidate order. */
  factorIds: number[];
}

export interface CampaignStats {
  trajectories: number;
  rounds: number;
  factors: { mined: number; accepted: number; rejected: number; redundant: number };
  llm: LlmUsage;
}

const TrajectoryBodySchema = jsonColumn(TrajectorySchema);

/** Parse a row or report which row of which table is corrupt (a user-visible error, not a crash). */
function parseRow<S extends z.ZodType>(schema: S, row: unknown, what: string): z.output<S> {
  const r = schema.safeParse(row);
  if (!r.success) throw new QuantaError(`library: corrupt ${what}: ${z.prettifyError(r.error)}`);
  return r.data;
}

function inList(n: number): string {
  return Array.from({ length: n }, () => "?").join(", ");
}

function metricPath(split: string, key: string): string {
  const s = SplitNameSchema.safeParse(split);
  if (!s.success) throw new QuantaError(`invalid split name "${split}"`);
  return `$."${s.data}".${key}`;
}

export class FactorLibrary {
  private readonly stmts = new Map<string, BetterSqlite3.Statement>();
  private closed = false;

  private constructor(
    /** The underlying connection, for read-only queries other modules need (reports). */
    readonly db: BetterSqlite3.Database,
    /** The file path, or `:memory:`. */
    readonly path: string,
    private readonly now: () => string,
  ) {}

  /** Open (creating and migrating if needed) the library at `path`. */
  static open(path: string, opts: OpenOptions = {}): FactorLibrary {
    const now = opts.now ?? (() => new Date().toISOString());
    return new FactorLibrary(openDatabase(path, { ...opts, now }), path, now);
  }

  /** A throwaway library in memory (tests, dry runs). */
  static openMemory(opts: Pick<OpenOptions, "now"> = {}): FactorLibrary {
    return FactorLibrary.open(MEMORY, opts);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stmts.clear();
    this.db.close();
  }

  get schemaVersion(): number {
    return schemaVersion(this.db);
  }

  /**
   * Run `fn` as one IMMEDIATE transaction: all its library writes commit together or not at all.
   * Nested calls (and the library's own transactional methods inside `fn`) become savepoints.
   */
  atomically<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  private stmt(sql: string): BetterSqlite3.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  // ------------------------------------------------------------------------------------------
  // Campaigns

  createCampaign(input: NewCampaign): Campaign {
    const id = input.id ?? `c-${randomUUID().slice(0, 8)}`;
    if (!Number.isSafeInteger(input.seed)) throw new QuantaError(`campaign seed must be an integer, got ${input.seed}`);
    return this.atomically(() => {
      if (this.getCampaign(id)) throw new QuantaError(`campaign ${id} already exists (use --resume to continue it)`);
      this.stmt(
        `INSERT INTO campaigns (id, name, config, seed, data_fingerprint, status, started_at)
         VALUES (?, ?, ?, ?, ?, 'running', ?)`,
      ).run(id, input.name, toJson(input.config ?? {}), input.seed, input.dataFingerprint, this.now());
      return this.mustCampaign(id);
    });
  }

  getCampaign(id: string): Campaign | undefined {
    const row = this.stmt("SELECT * FROM campaigns WHERE id = ?").get(id);
    return row === undefined ? undefined : parseRow(CampaignRowSchema, row, `campaign ${id}`);
  }

  listCampaigns(): Campaign[] {
    return this.stmt("SELECT * FROM campaigns ORDER BY started_at, id")
      .all()
      .map((r) => parseRow(CampaignRowSchema, r, "campaign"));
  }

  private mustCampaign(id: string): Campaign {
    const c = this.getCampaign(id);
    if (!c) throw new QuantaError(`no campaign ${id} in library ${this.path}`);
    return c;
  }

  /**
   * Mark a campaign running again for `--resume`. A finished campaign is returned unchanged (there
   * is nothing to resume; the caller checks `status`).
   */
  resumeCampaign(id: string): Campaign {
    return this.atomically(() => {
      const c = this.mustCampaign(id);
      if (c.status === "finished") return c;
      this.stmt("UPDATE campaigns SET status = 'running', finished_at = NULL WHERE id = ?").run(id);
      return this.mustCampaign(id);
    });
  }

  finishCampaign(
    id: string,
    opts: { status?: Exclude<CampaignStatus, "running">; summary?: unknown } = {},
  ): Campaign {
    return this.atomically(() => {
      this.mustCampaign(id);
      this.stmt("UPDATE campaigns SET status = ?, finished_at = ?, summary = ? WHERE id = ?").run(
        opts.status ?? "finished",
        this.now(),
        opts.summary === undefined ? null : toJson(opts.summary),
        id,
      );
      return this.mustCampaign(id);
    });
  }

  campaignStats(campaignId: string): CampaignStats {
    const t = this.stmt(
      "SELECT count(*) AS n, coalesce(max(round) + 1, 0) AS rounds FROM trajectories WHERE campaign_id = ?",
    ).get(campaignId) as { n: number; rounds: number };
    const accepted = this.stmt("SELECT count(*) AS n FROM factors WHERE campaign_id = ?").get(campaignId) as { n: number };
    const rej = this.stmt("SELECT kind, count(*) AS n FROM rejections WHERE campaign_id = ? GROUP BY kind").all(
      campaignId,
    ) as { kind: string; n: number }[];
    const rejected = rej.find((r) => r.kind === "rejected")?.n ?? 0;
    const redundant = rej.find((r) => r.kind === "redundant")?.n ?? 0;
    return {
      trajectories: t.n,
      rounds: t.rounds,
      factors: { mined: accepted.n + rejected + redundant, accepted: accepted.n, rejected, redundant },
      llm: this.llmUsage(campaignId),
    };
  }

  // ------------------------------------------------------------------------------------------
  // Trajectories

  /**
   * Store a finished trajectory with its accepted factors (status `active`), its rejected and
   * redundant candidates and its lineage edges, plus an optional checkpoint, in one transaction.
   * Idempotent: if the id is already stored, nothing is written and the stored one is returned.
   */
  recordTrajectory(input: TrajectoryInput, opts: { checkpoint?: CheckpointInput } = {}): RecordedTrajectory {
    const parsed = TrajectorySchema.safeParse(input);
    if (!parsed.success) {
      throw new Error(`invalid trajectory ${String(input.id)}: ${z.prettifyError(parsed.error)}`);
    }
    const t = parsed.data;
    return this.atomically(() => {
      const stored = this.getTrajectory(t.id);
      if (stored) {
        // Ids are global: the same id from another campaign is a collision, not a resumed write.
        if (stored.campaignId !== t.campaignId) {
          throw new Error(`trajectory id ${t.id} already belongs to campaign ${stored.campaignId}`);
        }
        return { trajectory: stored, inserted: false, factorIds: this.factorIdsOf(t.id) };
      }
      this.mustCampaign(t.campaignId);
      const seeded = t.phase !== "original" && t.origin.seeded === true;
      for (const p of t.parents) {
        const parent = this.stmt("SELECT campaign_id FROM trajectories WHERE id = ?").get(p) as { campaign_id: string } | undefined;
        if (!parent) throw new Error(`trajectory ${t.id}: parent ${p} is not in the library (record parents first)`);
        // A seeded campaign's round 0 descends from other campaigns' trajectories (lineage across campaigns).
        if (seeded && parent.campaign_id === t.campaignId) throw new Error(`seeded trajectory ${t.id}: parent ${p} is of its own campaign (seeds come from other campaigns)`);
      }
      const at = t.createdAt;
      const accepted = t.factors.filter((f) => f.status === "accepted").length;
      this.stmt(
        `INSERT INTO trajectories (id, campaign_id, round, phase, direction, hypothesis, reward, n_accepted, n_rejected, body, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        t.id,
        t.campaignId,
        t.round,
        t.phase,
        t.direction,
        t.hypothesis.statement,
        Number.isFinite(t.reward) ? t.reward : null,
        accepted,
        t.factors.length - accepted,
        toJson(t),
        at,
      );
      const edge = this.stmt("INSERT INTO lineage (child_id, parent_id, position) VALUES (?, ?, ?)");
      t.parents.forEach((p, i) => edge.run(t.id, p, i));
      const factorIds: number[] = [];
      t.factors.forEach((f, idx) => {
        if (f.status === "accepted") factorIds.push(this.insertMinedFactor(t, f, idx, at));
        else this.insertRejection(t, f, idx, at);
      });
      if (opts.checkpoint) this.appendCheckpoint(t.campaignId, opts.checkpoint);
      return { trajectory: t, inserted: true, factorIds };
    });
  }

  private insertMinedFactor(t: Trajectory, f: Extract<FactorCandidate, { status: "accepted" }>, idx: number, at: string): number {
    const r = this.stmt(
      `INSERT INTO factors (source, campaign_id, trajectory_id, idx, name, expression, dialect, canonical, hypothesis,
         description, formulation, metrics, gates, repairs, status, created_round, created_at, updated_at)
       VALUES ('mined', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)`,
    ).run(
      t.campaignId,
      t.id,
      idx,
      f.name,
      f.expression,
      f.dialect,
      f.canonical,
      t.hypothesis.statement,
      f.description,
      f.formulation,
      toJson(f.metrics),
      toJson(f.gates),
      toJson(f.repairs),
      t.round,
      at,
      at,
    );
    return Number(r.lastInsertRowid);
  }

  private insertRejection(t: Trajectory, f: Exclude<FactorCandidate, { status: "accepted" }>, idx: number, at: string): void {
    this.stmt(
      `INSERT INTO rejections (campaign_id, trajectory_id, idx, kind, name, expression, dialect, canonical, gate, reason, body, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      t.campaignId,
      t.id,
      idx,
      f.status,
      f.name,
      f.expression,
      f.dialect,
      f.canonical ?? null,
      f.rejection.gate,
      f.rejection.reason,
      toJson(f),
      at,
    );
  }

  private factorIdsOf(trajectoryId: string): number[] {
    return (this.stmt("SELECT id FROM factors WHERE trajectory_id = ? ORDER BY idx").all(trajectoryId) as { id: number }[]).map(
      (r) => r.id,
    );
  }

  getTrajectory(id: string): Trajectory | undefined {
    const row = this.stmt("SELECT body FROM trajectories WHERE id = ?").get(id) as { body: string } | undefined;
    return row === undefined ? undefined : parseRow(TrajectoryBodySchema, row.body, `trajectory ${id}`);
  }

  /** Trajectories in recording order, optionally of one campaign and round. */
  listTrajectories(q: { campaign?: string; round?: number } = {}): Trajectory[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.campaign !== undefined) {
      where.push("campaign_id = ?");
      params.push(q.campaign);
    }
    if (q.round !== undefined) {
      where.push("round = ?");
      params.push(q.round);
    }
    const sql = `SELECT id, body FROM trajectories ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq`;
    return (this.stmt(sql).all(...params) as { id: string; body: string }[]).map((r) =>
      parseRow(TrajectoryBodySchema, r.body, `trajectory ${r.id}`),
    );
  }

  // ------------------------------------------------------------------------------------------
  // Lineage

  /**
   * The ancestry of a factor (by numeric factor id) or of a trajectory (by trajectory id).
   * Imported factors have no trajectory: QuantaError.
   */
  lineage(id: number | string): LineageGraph {
    let root: string;
    if (typeof id === "number") {
      const f = this.getFactor(id);
      if (!f) throw new QuantaError(`no factor ${id} in library ${this.path}`);
      if (f.trajectoryId === null) throw new QuantaError(`factor ${id} (${f.name}) was imported and has no lineage`);
      root = f.trajectoryId;
    } else {
      if (!this.stmt("SELECT 1 FROM trajectories WHERE id = ?").get(id)) {
        throw new QuantaError(`no trajectory ${id} in library ${this.path}`);
      }
      root = id;
    }
    const ids = (
      this.stmt(
        `WITH RECURSIVE anc(id) AS (
           SELECT ? UNION SELECT l.parent_id FROM lineage l JOIN anc ON l.child_id = anc.id)
         SELECT t.id, t.body FROM trajectories t JOIN anc ON anc.id = t.id ORDER BY t.seq`,
      ).all(root) as { id: string; body: string }[]
    ).map((r) => ({ id: r.id, t: parseRow(TrajectoryBodySchema, r.body, `trajectory ${r.id}`) }));
    const idSet = ids.map((x) => x.id);
    const edges = this.stmt(
      `SELECT child_id AS child, parent_id AS parent, position FROM lineage
       WHERE child_id IN (SELECT value FROM json_each(?)) ORDER BY child_id, position`,
    ).all(JSON.stringify(idSet)) as LineageEdge[];
    return { root, nodes: ids.map((x) => x.t), edges };
  }

  /** Every trajectory and lineage edge of a campaign (the whole evolution tree for reports). */
  campaignLineage(campaignId: string): { nodes: Trajectory[]; edges: LineageEdge[] } {
    const nodes = this.listTrajectories({ campaign: campaignId });
    const edges = this.stmt(
      `SELECT l.child_id AS child, l.parent_id AS parent, l.position FROM lineage l
       JOIN trajectories t ON t.id = l.child_id WHERE t.campaign_id = ? ORDER BY t.seq, l.position`,
    ).all(campaignId) as LineageEdge[];
    return { nodes, edges };
  }

  // ------------------------------------------------------------------------------------------
  // Factors

  getFactor(id: number): StoredFactor | undefined {
    const row = this.stmt("SELECT * FROM factors WHERE id = ?").get(id);
    return row === undefined ? undefined : parseRow(FactorRowSchema, row, `factor ${id}`);
  }

  private mustFactor(id: number): StoredFactor {
    const f = this.getFactor(id);
    if (!f) throw new QuantaError(`no factor ${id} in library ${this.path}`);
    return f;
  }

  /** Factors matching `q`; metric thresholds and sorts read the metrics of `q.split` (default `valid`). */
  listFactors(q: FactorQuery = {}): StoredFactor[] {
    const where: string[] = [];
    const params: unknown[] = [];
    const split = q.split ?? "valid";
    const campaigns = q.campaign === undefined ? undefined : typeof q.campaign === "string" ? [q.campaign] : q.campaign;
    if (campaigns) {
      where.push(`campaign_id IN (${inList(campaigns.length)})`);
      params.push(...campaigns);
    }
    const statuses = q.status === undefined ? undefined : typeof q.status === "string" ? [q.status] : q.status;
    if (statuses) {
      for (const s of statuses) FactorStatusSchema.parse(s);
      where.push(`status IN (${inList(statuses.length)})`);
      params.push(...statuses);
    }
    if (q.source) {
      where.push("source = ?");
      params.push(q.source);
    }
    const thresholds: [number | undefined, string][] = [
      [q.minRankIc, "rankIc"],
      [q.minIc, "ic"],
      [q.minRankIcir, "rankIcir"],
      [q.minIcir, "icir"],
    ];
    for (const [min, key] of thresholds) {
      if (min === undefined) continue;
      if (!Number.isFinite(min)) throw new QuantaError(`metric threshold for ${key} must be a number`);
      where.push("json_extract(metrics, ?) >= ?");
      params.push(metricPath(split, key), min);
    }
    const sort = q.sort ?? "rankIc";
    let orderBy: string;
    const orderParams: unknown[] = [];
    switch (sort) {
      case "rankIc":
      case "ic":
      case "rankIcir":
      case "icir":
        orderBy = `json_extract(metrics, ?) ${q.order === "asc" ? "ASC" : "DESC"} NULLS LAST, id ASC`;
        orderParams.push(metricPath(split, sort));
        break;
      case "id":
        orderBy = `id ${q.order === "desc" ? "DESC" : "ASC"}`;
        break;
      case "name":
        orderBy = `name ${q.order === "desc" ? "DESC" : "ASC"}, id ASC`;
        break;
      case "createdAt":
        orderBy = `created_at ${q.order === "desc" ? "DESC" : "ASC"}, id ASC`;
        break;
      case "round":
        orderBy = `created_round ${q.order === "desc" ? "DESC" : "ASC"} NULLS LAST, id ASC`;
        break;
    }
    const limit = q.limit ?? -1;
    const offset = q.offset ?? 0;
    if (!Number.isInteger(limit) || !Number.isInteger(offset) || offset < 0) {
      throw new QuantaError("limit and offset must be non-negative integers");
    }
    const sql = `SELECT * FROM factors ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
                 ORDER BY ${orderBy} LIMIT ? OFFSET ?`;
    return this.stmt(sql)
      .all(...params, ...orderParams, limit, offset)
      .map((r) => parseRow(FactorRowSchema, r, "factor"));
  }

  /** Change a factor's review status (logged in its event trail). */
  setStatus(id: number, status: FactorStatus, opts: { reason?: string; retrainRunId?: number } = {}): StoredFactor {
    FactorStatusSchema.parse(status);
    return this.atomically(() => {
      const before = this.mustFactor(id);
      if (before.status === status && (opts.reason ?? null) === before.statusReason) return before;
      const at = this.now();
      this.stmt("UPDATE factors SET status = ?, status_reason = ?, updated_at = ? WHERE id = ?").run(
        status,
        opts.reason ?? null,
        at,
        id,
      );
      this.logEvent(id, "status", { from: before.status, to: status, reason: opts.reason ?? null }, opts.retrainRunId, at);
      return this.mustFactor(id);
    });
  }

  /** Set (replace) a factor's metrics on one split, e.g. after re-evaluation on the newest window. */
  updateFactorMetrics(id: number, split: string, metrics: FactorMetrics, opts: { retrainRunId?: number } = {}): StoredFactor {
    const key = SplitNameSchema.parse(split);
    const m = FactorMetricsSchema.parse(metrics);
    return this.atomically(() => {
      const before = this.mustFactor(id);
      const next = { ...before.metrics, [key]: m };
      const at = this.now();
      this.stmt("UPDATE factors SET metrics = ?, updated_at = ? WHERE id = ?").run(toJson(next), at, id);
      this.logEvent(id, "metrics", { split: key, before: before.metrics[key] ?? null, after: m }, opts.retrainRunId, at);
      return this.mustFactor(id);
    });
  }

  private logEvent(factorId: number, kind: "status" | "metrics", detail: unknown, retrainRunId: number | undefined, at: string): void {
    this.stmt("INSERT INTO factor_events (factor_id, retrain_run_id, kind, detail, created_at) VALUES (?, ?, ?, ?, ?)").run(
      factorId,
      retrainRunId ?? null,
      kind,
      toJson(detail),
      at,
    );
  }

  factorEvents(factorId: number): FactorEvent[] {
    return this.stmt("SELECT * FROM factor_events WHERE factor_id = ? ORDER BY id")
      .all(factorId)
      .map((r) => parseRow(FactorEventRowSchema, r, "factor event"));
  }

  /**
   * Add expressions to the zoo (source `import`). Idempotent: an expression whose canonical form
   * and dialect are already in the library is skipped.
   */
  importFactors(inputs: readonly ImportFactorInput[]): { ids: number[]; skipped: string[] } {
    return this.atomically(() => {
      const ids: number[] = [];
      const skipped: string[] = [];
      const exists = this.stmt("SELECT 1 FROM factors WHERE canonical = ? AND dialect = ?");
      const insert = this.stmt(
        `INSERT INTO factors (source, name, expression, dialect, canonical, hypothesis, description, formulation,
           metrics, gates, repairs, status, created_at, updated_at)
         VALUES ('import', ?, ?, ?, ?, ?, ?, ?, ?, '[]', '[]', ?, ?, ?)`,
      );
      const at = this.now();
      for (const f of inputs) {
        const dialect = f.dialect ?? "quanta";
        if (!f.canonical) throw new QuantaError(`import: factor ${f.name} has no canonical expression`);
        if (exists.get(f.canonical, dialect)) {
          skipped.push(f.canonical);
          continue;
        }
        const metrics = z.record(SplitNameSchema, FactorMetricsSchema).parse(f.metrics ?? {});
        const r = insert.run(
          f.name,
          f.expression,
          dialect,
          f.canonical,
          f.hypothesis ?? "",
          f.description ?? "",
          f.formulation ?? "",
          toJson(metrics),
          FactorStatusSchema.parse(f.status ?? "active"),
          at,
          at,
        );
        ids.push(Number(r.lastInsertRowid));
      }
      return { ids, skipped };
    });
  }

  /** Rejected and redundant candidates, in recording order. */
  listRejections(q: { campaign?: string; trajectory?: string } = {}): RejectedRecord[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.campaign !== undefined) {
      where.push("campaign_id = ?");
      params.push(q.campaign);
    }
    if (q.trajectory !== undefined) {
      where.push("trajectory_id = ?");
      params.push(q.trajectory);
    }
    const sql = `SELECT * FROM rejections ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id`;
    return this.stmt(sql)
      .all(...params)
      .map((r) => parseRow(RejectionRowSchema, r, "rejection"));
  }

  // ------------------------------------------------------------------------------------------
  // LLM calls

  /**
   * Record one LLM request (successful or failed). With a `key`, a second record of the same key in
   * the same campaign is a no-op. Returns the row id.
   */
  recordLlmCall(c: LlmCallInput): { id: number; inserted: boolean } {
    const nonNeg = (v: number | undefined, what: string): number => {
      const x = v ?? 0;
      if (!Number.isFinite(x) || x < 0) throw new Error(`llm call: ${what} must be a non-negative number, got ${x}`);
      return x;
    };
    if (c.reply == null && c.error == null) throw new Error("llm call: needs a reply or an error");
    if (c.seed != null && !Number.isSafeInteger(c.seed)) throw new Error(`llm call: seed must be an integer, got ${c.seed}`);
    if (c.attempt !== undefined && !(Number.isInteger(c.attempt) && c.attempt >= 1)) {
      throw new Error(`llm call: attempt must be a positive integer, got ${c.attempt}`);
    }
    const campaignId = c.campaignId ?? null;
    const key = c.key ?? null;
    return this.atomically(() => {
      if (key !== null) {
        const hit = this.stmt("SELECT id FROM llm_calls WHERE campaign_id IS ? AND call_key = ?").get(campaignId, key) as
          | { id: number }
          | undefined;
        if (hit) return { id: hit.id, inserted: false };
      }
      const r = this.stmt(
        `INSERT INTO llm_calls (campaign_id, call_key, trajectory_id, round, role, provider, model, tokens_in, tokens_out,
           cost_usd, latency_ms, prompt_hash, seed, attempt, prompt, reply, error, cached, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        campaignId,
        key,
        c.trajectoryId ?? null,
        c.round ?? null,
        c.role,
        c.provider,
        c.model,
        Math.round(nonNeg(c.tokensIn, "tokensIn")),
        Math.round(nonNeg(c.tokensOut, "tokensOut")),
        nonNeg(c.costUsd, "costUsd"),
        nonNeg(c.latencyMs, "latencyMs"),
        c.promptHash,
        c.seed ?? null,
        c.attempt ?? 1,
        c.prompt ?? null,
        c.reply ?? null,
        c.error ?? null,
        c.cached ? 1 : 0,
        this.now(),
      );
      return { id: Number(r.lastInsertRowid), inserted: true };
    });
  }

  /** LLM calls in recording order (for replay and audits); all campaigns when omitted. */
  llmCalls(campaignId?: string): LlmCall[] {
    const rows =
      campaignId === undefined
        ? this.stmt("SELECT * FROM llm_calls ORDER BY id").all()
        : this.stmt("SELECT * FROM llm_calls WHERE campaign_id = ? ORDER BY id").all(campaignId);
    return rows.map((r) => parseRow(LlmCallRowSchema, r, "llm call"));
  }

  /** The most recent successful reply to this prompt hash and seed (LLM reply cache / replay). */
  findLlmReply(promptHash: string, seed: number | null = null, campaignId?: string): string | undefined {
    const row = (
      campaignId === undefined
        ? this.stmt(
            "SELECT reply FROM llm_calls WHERE prompt_hash = ? AND seed IS ? AND error IS NULL AND reply IS NOT NULL ORDER BY id DESC LIMIT 1",
          ).get(promptHash, seed)
        : this.stmt(
            "SELECT reply FROM llm_calls WHERE prompt_hash = ? AND seed IS ? AND campaign_id = ? AND error IS NULL AND reply IS NOT NULL ORDER BY id DESC LIMIT 1",
          ).get(promptHash, seed, campaignId)
    ) as { reply: string } | undefined;
    return row?.reply;
  }

  /** Calls, failures, tokens and cost, in total and per role; all campaigns when omitted. */
  llmUsage(campaignId?: string): LlmUsage {
    const rows = (
      campaignId === undefined
        ? this.stmt(
            `SELECT role, count(*) AS calls, sum(error IS NOT NULL) AS failures, sum(cached) AS cached, sum(tokens_in) AS tin,
               sum(tokens_out) AS tout, sum(cost_usd) AS cost FROM llm_calls GROUP BY role ORDER BY role`,
          ).all()
        : this.stmt(
            `SELECT role, count(*) AS calls, sum(error IS NOT NULL) AS failures, sum(cached) AS cached, sum(tokens_in) AS tin,
               sum(tokens_out) AS tout, sum(cost_usd) AS cost FROM llm_calls WHERE campaign_id = ? GROUP BY role ORDER BY role`,
          ).all(campaignId)
    ) as { role: string; calls: number; failures: number; cached: number; tin: number; tout: number; cost: number }[];
    const usage: LlmUsage = { calls: 0, failures: 0, cached: 0, tokensIn: 0, tokensOut: 0, costUsd: 0, byRole: {} };
    for (const r of rows) {
      usage.byRole[r.role] = { calls: r.calls, failures: r.failures, cached: r.cached, tokensIn: r.tin, tokensOut: r.tout, costUsd: r.cost };
      usage.calls += r.calls;
      usage.failures += r.failures;
      usage.cached += r.cached;
      usage.tokensIn += r.tin;
      usage.tokensOut += r.tout;
      usage.costUsd += r.cost;
    }
    return usage;
  }

  // ------------------------------------------------------------------------------------------
  // Checkpoints (the resume log)

  /**
   * Append "step `step` of round `round` finished" with the controller's opaque state. A step that
   * is already logged for this campaign and round is not appended again; the stored one is returned.
   */
  appendCheckpoint(campaignId: string, c: CheckpointInput): Checkpoint {
    if (!Number.isInteger(c.round) || c.round < 0) throw new Error(`checkpoint round must be a non-negative integer`);
    return this.atomically(() => {
      this.mustCampaign(campaignId);
      this.stmt(
        `INSERT INTO checkpoints (campaign_id, round, step, state, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (campaign_id, round, step) DO NOTHING`,
      ).run(campaignId, c.round, c.step, toJson(c.state ?? null), this.now());
      const row = this.stmt("SELECT * FROM checkpoints WHERE campaign_id = ? AND round = ? AND step = ?").get(
        campaignId,
        c.round,
        c.step,
      );
      return parseRow(CheckpointRowSchema, row, "checkpoint");
    });
  }

  lastCheckpoint(campaignId: string): Checkpoint | undefined {
    const row = this.stmt("SELECT * FROM checkpoints WHERE campaign_id = ? ORDER BY seq DESC LIMIT 1").get(campaignId);
    return row === undefined ? undefined : parseRow(CheckpointRowSchema, row, "checkpoint");
  }

  checkpoints(campaignId: string): Checkpoint[] {
    return this.stmt("SELECT * FROM checkpoints WHERE campaign_id = ? ORDER BY seq")
      .all(campaignId)
      .map((r) => parseRow(CheckpointRowSchema, r, "checkpoint"));
  }

  // ------------------------------------------------------------------------------------------
  // Evaluation cache: canonical expression + data fingerprint → metrics (any JSON value)

  /** A cached value, or undefined. With `schema`, a stored value that does not match is a miss. */
  cacheGet<T = unknown>(canonical: string, fingerprint: string, schema?: z.ZodType<T>): T | undefined {
    const row = this.stmt("SELECT value FROM eval_cache WHERE canonical = ? AND fingerprint = ?").get(canonical, fingerprint) as
      | { value: string }
      | undefined;
    if (row === undefined) return undefined;
    const value = JSON.parse(row.value) as unknown;
    if (!schema) return value as T;
    const r = schema.safeParse(value);
    return r.success ? r.data : undefined;
  }

  /** Store (or replace) a cached value; NaN is stored as null (use a schema with MetricNumberSchema to read it back). */
  cachePut(canonical: string, fingerprint: string, value: unknown): void {
    this.stmt(
      `INSERT INTO eval_cache (canonical, fingerprint, value, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (canonical, fingerprint) DO UPDATE SET value = excluded.value, created_at = excluded.created_at`,
    ).run(canonical, fingerprint, toJson(value), this.now());
  }

  // ------------------------------------------------------------------------------------------
  // LLM reply cache: cache key (agents/cache.ts) → the validated reply

  llmCacheGet(key: string): LlmCacheEntry | undefined {
    const row = this.stmt("SELECT key, role, model, reply, created_at FROM llm_cache WHERE key = ?").get(key) as
      | { key: string; role: string; model: string; reply: string; created_at: string }
      | undefined;
    if (row === undefined) return undefined;
    return { key: row.key, role: row.role, model: row.model, reply: JSON.parse(row.reply) as unknown, createdAt: row.created_at };
  }

  /** Store a validated reply; a key already stored keeps its first reply (false is returned). */
  llmCachePut(e: { key: string; role: string; model: string; reply: unknown }): boolean {
    const r = this.stmt(
      "INSERT INTO llm_cache (key, role, model, reply, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
    ).run(e.key, e.role, e.model, toJson(e.reply), this.now());
    return r.changes > 0;
  }

  /** Number of stored replies. */
  llmCacheSize(): number {
    return (this.stmt("SELECT count(*) AS n FROM llm_cache").get() as { n: number }).n;
  }

  // ------------------------------------------------------------------------------------------
  // Retraining runs

  startRetrainRun(input: { asOf: string; dataFingerprint: string }): RetrainRun {
    const r = this.stmt(
      "INSERT INTO retrain_runs (as_of, data_fingerprint, status, started_at) VALUES (?, ?, 'running', ?)",
    ).run(input.asOf, input.dataFingerprint, this.now());
    return this.mustRetrainRun(Number(r.lastInsertRowid));
  }

  finishRetrainRun(
    id: number,
    opts: { status?: "finished" | "failed"; summary?: unknown; reportPath?: string | null } = {},
  ): RetrainRun {
    return this.atomically(() => {
      this.mustRetrainRun(id);
      this.stmt("UPDATE retrain_runs SET status = ?, finished_at = ?, summary = ?, report_path = ? WHERE id = ?").run(
        opts.status ?? "finished",
        this.now(),
        opts.summary === undefined ? null : toJson(opts.summary),
        opts.reportPath ?? null,
        id,
      );
      return this.mustRetrainRun(id);
    });
  }

  private mustRetrainRun(id: number): RetrainRun {
    const row = this.stmt("SELECT * FROM retrain_runs WHERE id = ?").get(id);
    if (row === undefined) throw new QuantaError(`no retrain run ${id} in library ${this.path}`);
    return parseRow(RetrainRowSchema, row, `retrain run ${id}`);
  }

  listRetrainRuns(): RetrainRun[] {
    return this.stmt("SELECT * FROM retrain_runs ORDER BY id")
      .all()
      .map((r) => parseRow(RetrainRowSchema, r, "retrain run"));
  }

  /** The last finished retrain run on data with this fingerprint (for idempotent re-runs). */
  findRetrainRun(dataFingerprint: string): RetrainRun | undefined {
    const row = this.stmt(
      "SELECT * FROM retrain_runs WHERE data_fingerprint = ? AND status = 'finished' ORDER BY id DESC LIMIT 1",
    ).get(dataFingerprint);
    return row === undefined ? undefined : parseRow(RetrainRowSchema, row, "retrain run");
  }
}
