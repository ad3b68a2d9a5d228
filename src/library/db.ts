/**
 * Opening a library database with the settings every connection needs: WAL (readers never block the
 * writer, and a killed writer loses only its open transaction), foreign keys on, a busy timeout so
 * short write contention waits instead of failing, and the schema migrated.
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import type BetterSqlite3 from "better-sqlite3";
import { QuantaError } from "../../factors/errors.ts";
import { SCHEMA_VERSION, applyReadCompat, migrate, schemaVersion } from "./schema.ts";

export const MEMORY = ":memory:";

export interface OpenOptions {
  /** Open for reading only; the file must exist and already be at the current schema. */
  readonly?: boolean;
  /** Milliseconds to wait for another writer before SQLITE_BUSY (default 10 s). */
  busyTimeoutMs?: number;
  now?: () => string;
}

export function openDatabase(path: string, opts: OpenOptions = {}): BetterSqlite3.Database {
  const memory = path === MEMORY;
  const where = memory ? "in-memory library" : `library ${path}`;
  if (!memory) {
    if (opts.readonly && !existsSync(path)) throw new QuantaError(`no library at ${path}`);
    if (!opts.readonly) mkdirSync(dirname(resolve(path)), { recursive: true });
  }
  let db: BetterSqlite3.Database;
  try {
    db = new Database(path, {
      readonly: opts.readonly ?? false,
      fileMustExist: opts.readonly ?? false,
      timeout: opts.busyTimeoutMs ?? 10_000,
    });
  } catch (err) {
    throw new QuantaError(`cannot open ${where}: ${(err as Error).message}`);
  }
  try {
    // The first statement that reads the header is where a non-database file shows itself.
    if (!memory && !opts.readonly) db.pragma("journal_mode = WAL");
    db.pragma("foreign_keys = ON");
    // NORMAL is durable against a killed process in WAL mode (only an OS crash can lose the last commits).
    db.pragma("synchronous = NORMAL");
    if (opts.readonly) {
      const v = schemaVersion(db);
      // An older library is read through compatibility views when every newer migration has them.
      if (v !== SCHEMA_VERSION && !(v < SCHEMA_VERSION && applyReadCompat(db, v))) {
        throw new QuantaError(
          v === 0
            ? `${path} is not a quanta library`
            : `${where} has schema version ${v}, this quanta expects ${SCHEMA_VERSION}; open it read-write once to migrate`,
        );
      }
    } else {
      migrate(db, undefined, opts.now, where);
    }
  } catch (err) {
    db.close();
    if (err instanceof QuantaError) throw err;
    const code = (err as { code?: string }).code;
    if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT") {
      throw new QuantaError(`${path} is not a quanta library (not a SQLite database)`);
    }
    throw err;
  }
  return db;
}
