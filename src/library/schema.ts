/**
 * The library's SQL schema as numbered migrations. `schema_version` holds one row per applied
 * migration; opening a library applies the missing ones in one IMMEDIATE transaction (so two
 * processes opening a fresh file at once cannot both migrate it). Never edit a released migration:
 * add the next one.
 */
import type BetterSqlite3 from "better-sqlite3";
import { QuantaError } from "../../factors/errors.ts";

export interface Migration {
  version: number;
  description: string;
  sql: string;
  /**
   * Run on a read-only connection to a library that lacks this migration: TEMP objects (a view
   * that shadows a changed table, an empty table for a new one) that let this build read it
   * anyway. A migration without one makes older libraries unreadable until opened read-write.
   */
  readCompat?: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "campaigns, trajectories, factors, lineage, rejections, llm calls, checkpoints, caches, retrain, locks",
    sql: `
CREATE TABLE campaigns (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  config TEXT NOT NULL CHECK (json_valid(config)),
  seed INTEGER NOT NULL,
  data_fingerprint TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running','finished','failed','interrupted')),
  started_at TEXT NOT NULL,
  finished_at TEXT,
  summary TEXT CHECK (summary IS NULL OR json_valid(summary))
) STRICT;

-- seq gives a stable insertion order (a TEXT primary key's implicit rowid may change on VACUUM).
CREATE TABLE trajectories (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  campaign_id TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  round INTEGER NOT NULL CHECK (round >= 0),
  phase TEXT NOT NULL CHECK (phase IN ('original','mutation','crossover')),
  direction TEXT NOT NULL,
  hypothesis TEXT NOT NULL,
  reward REAL,
  n_accepted INTEGER NOT NULL,
  n_rejected INTEGER NOT NULL,
  body TEXT NOT NULL CHECK (json_valid(body)),
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX trajectories_campaign ON trajectories(campaign_id, round);

CREATE TABLE lineage (
  child_id TEXT NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
  parent_id TEXT NOT NULL REFERENCES trajectories(id),
  position INTEGER NOT NULL,
  PRIMARY KEY (child_id, parent_id),
  CHECK (child_id <> parent_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX lineage_parent ON lineage(parent_id);

CREATE TABLE factors (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL CHECK (source IN ('mined','import')),
  campaign_id TEXT REFERENCES campaigns(id) ON DELETE CASCADE,
  trajectory_id TEXT REFERENCES trajectories(id) ON DELETE CASCADE,
  idx INTEGER,
  name TEXT NOT NULL,
  expression TEXT NOT NULL,
  dialect TEXT NOT NULL CHECK (dialect IN ('quanta','qlib')),
  canonical TEXT NOT NULL,
  hypothesis TEXT NOT NULL,
  description TEXT NOT NULL,
  formulation TEXT NOT NULL,
  metrics TEXT NOT NULL CHECK (json_valid(metrics)),
  gates TEXT NOT NULL CHECK (json_valid(gates)),
  repairs TEXT NOT NULL CHECK (json_valid(repairs)),
  status TEXT NOT NULL CHECK (status IN ('active','retired','watch','rejected')),
  status_reason TEXT,
  created_round INTEGER,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (trajectory_id, idx),
  CHECK ((source = 'mined') = (trajectory_id IS NOT NULL AND campaign_id IS NOT NULL AND idx IS NOT NULL))
) STRICT;
CREATE INDEX factors_campaign ON factors(campaign_id, status);
CREATE INDEX factors_status ON factors(status);
CREATE INDEX factors_canonical ON factors(canonical);

CREATE TABLE factor_events (
  id INTEGER PRIMARY KEY,
  factor_id INTEGER NOT NULL REFERENCES factors(id) ON DELETE CASCADE,
  retrain_run_id INTEGER REFERENCES retrain_runs(id),
  kind TEXT NOT NULL CHECK (kind IN ('status','metrics')),
  detail TEXT NOT NULL CHECK (json_valid(detail)),
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX factor_events_factor ON factor_events(factor_id);

CREATE TABLE rejections (
  id INTEGER PRIMARY KEY,
  campaign_id TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  trajectory_id TEXT NOT NULL REFERENCES trajectories(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('rejected','redundant')),
  name TEXT NOT NULL,
  expression TEXT NOT NULL,
  dialect TEXT NOT NULL CHECK (dialect IN ('quanta','qlib')),
  canonical TEXT,
  gate TEXT NOT NULL,
  reason TEXT NOT NULL,
  body TEXT NOT NULL CHECK (json_valid(body)),
  created_at TEXT NOT NULL,
  UNIQUE (trajectory_id, idx)
) STRICT;
CREATE INDEX rejections_campaign ON rejections(campaign_id);

-- trajectory_id has no foreign key: a call is recorded before its trajectory is.
CREATE TABLE llm_calls (
  id INTEGER PRIMARY KEY,
  campaign_id TEXT REFERENCES campaigns(id) ON DELETE CASCADE,
  call_key TEXT,
  trajectory_id TEXT,
  round INTEGER,
  role TEXT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  tokens_in INTEGER NOT NULL CHECK (tokens_in >= 0),
  tokens_out INTEGER NOT NULL CHECK (tokens_out >= 0),
  cost_usd REAL NOT NULL CHECK (cost_usd >= 0),
  latency_ms REAL NOT NULL CHECK (latency_ms >= 0),
  prompt_hash TEXT NOT NULL,
  seed INTEGER,
  attempt INTEGER NOT NULL,
  prompt TEXT,
  reply TEXT,
  error TEXT,
  created_at TEXT NOT NULL,
  UNIQUE (campaign_id, call_key)
) STRICT;
CREATE INDEX llm_calls_campaign ON llm_calls(campaign_id);
CREATE INDEX llm_calls_prompt ON llm_calls(prompt_hash, seed);

CREATE TABLE checkpoints (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  campaign_id TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  round INTEGER NOT NULL,
  step TEXT NOT NULL,
  state TEXT NOT NULL CHECK (json_valid(state)),
  created_at TEXT NOT NULL,
  UNIQUE (campaign_id, round, step)
) STRICT;

CREATE TABLE eval_cache (
  canonical TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  value TEXT NOT NULL CHECK (json_valid(value)),
  created_at TEXT NOT NULL,
  PRIMARY KEY (canonical, fingerprint)
) STRICT, WITHOUT ROWID;

CREATE TABLE retrain_runs (
  id INTEGER PRIMARY KEY,
  as_of TEXT NOT NULL,
  data_fingerprint TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running','finished','failed')),
  started_at TEXT NOT NULL,
  finished_at TEXT,
  summary TEXT CHECK (summary IS NULL OR json_valid(summary)),
  report_path TEXT
) STRICT;
CREATE INDEX retrain_runs_fingerprint ON retrain_runs(data_fingerprint, status);

CREATE TABLE locks (
  name TEXT PRIMARY KEY,
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  pid_start TEXT,
  token TEXT NOT NULL,
  acquired_at TEXT NOT NULL
) STRICT;
`,
  },
  {
    version: 2,
    description: "LLM reply cache; llm_calls.cached marks calls answered from it",
    sql: `
ALTER TABLE llm_calls ADD COLUMN cached INTEGER NOT NULL DEFAULT 0 CHECK (cached IN (0, 1));

-- Validated structured replies by cache key (agents/cache.ts: a hash of provider, model, endpoint,
-- sampling settings, messages, schema version and seeds). reply is the validated value as JSON.
CREATE TABLE llm_cache (
  key TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  model TEXT NOT NULL,
  reply TEXT NOT NULL CHECK (json_valid(reply)),
  created_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;
`,
    readCompat: `
CREATE TEMP VIEW llm_calls AS SELECT *, 0 AS cached FROM main.llm_calls;
CREATE TEMP TABLE llm_cache (key TEXT PRIMARY KEY, role TEXT NOT NULL, model TEXT NOT NULL, reply TEXT NOT NULL, created_at TEXT NOT NULL);
`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.reduce((m, x) => Math.max(m, x.version), 0);

/**
 * Make a read-only connection to a library at schema `current` readable as the latest schema, with
 * the missing migrations' `readCompat` objects. False (nothing done) when one of them has none.
 */
export function applyReadCompat(db: BetterSqlite3.Database, current: number, migrations: readonly Migration[] = MIGRATIONS): boolean {
  const missing = [...migrations].filter((m) => m.version > current).sort((a, b) => a.version - b.version);
  if (current === 0 || missing.some((m) => m.readCompat === undefined)) return false;
  for (const m of missing) db.exec(m.readCompat ?? "");
  return true;
}

/** The highest applied migration (0 for a database that has none). */
export function schemaVersion(db: BetterSqlite3.Database): number {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
  if (!has) return 0;
  const row = db.prepare("SELECT max(version) AS v FROM schema_version").get() as { v: number | null };
  return row.v ?? 0;
}

/**
 * Bring `db` to the latest schema. Idempotent. Refuses a database written by a newer quanta, and a
 * non-empty database that is not a quanta library. Returns the versions applied.
 */
export function migrate(
  db: BetterSqlite3.Database,
  migrations: readonly Migration[] = MIGRATIONS,
  now: () => string = () => new Date().toISOString(),
  label = "library",
): number[] {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  const latest = sorted.at(-1)?.version ?? 0;
  const applied: number[] = [];
  const run = db.transaction(() => {
    const current = schemaVersion(db);
    if (current === 0) {
      const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
      if (tables.n > 0) throw new QuantaError(`${label} is a SQLite database but not a quanta library (no schema_version table)`);
      db.exec("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT");
    }
    if (current > latest) {
      throw new QuantaError(
        `${label} has schema version ${current}, newer than this quanta understands (${latest}); upgrade quanta`,
      );
    }
    const insert = db.prepare("INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)");
    for (const m of sorted) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      insert.run(m.version, m.description, now());
      applied.push(m.version);
    }
  });
  run.immediate();
  return applied;
}
