/**
 * An advisory, cross-process lock stored as a row of the library's `locks` table, so that two
 * `quanta retrain` runs on one library cannot overlap.
 *
 * Why a row and not a held transaction or a lock file: a transaction held for a long job blocks
 * every other writer (and a killed holder's BEGIN EXCLUSIVE is fine, but WAL readers make it
 * useless as a mutex); a row is taken and checked inside one IMMEDIATE transaction, so two
 * processes can never both take it. A holder killed with SIGKILL leaves its row behind: the next
 * acquirer checks whether that pid still runs on this host (`kill(pid, 0)`) and whether it is the
 * same process (its start time from /proc, which catches a recycled pid, e.g. after a container
 * restart), and takes a stale lock over.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type BetterSqlite3 from "better-sqlite3";
import { z } from "zod";
import { QuantaError } from "../../factors/errors.ts";
import { MEMORY, openDatabase } from "./db.ts";

export interface LockHolder {
  name: string;
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  since: string;
}

/** The lock is held by a live process: the CLI prints this and exits 2. */
export class LibraryLockedError extends QuantaError {
  constructor(
    readonly dbPath: string,
    readonly holder: LockHolder,
  ) {
    const where = holder.host === hostname() ? "" : ` on host ${holder.host}`;
    super(
      `library ${dbPath} is locked by pid ${holder.pid}${where} since ${holder.since}: ` +
        `another "${holder.name}" run is in progress`,
    );
  }
}

export interface LibraryLock {
  readonly dbPath: string;
  readonly name: string;
  /** Release the lock (idempotent). */
  release(): void;
}

const LockRowSchema = z.object({
  name: z.string(),
  pid: z.number().int(),
  host: z.string(),
  pid_start: z.string().nullable(),
  token: z.string(),
  acquired_at: z.string(),
});
type LockRow = z.output<typeof LockRowSchema>;

/** Start time of a process (clock ticks since boot, field 22 of /proc/PID/stat), or null off Linux. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // comm (field 2) may contain spaces and parentheses: fields after the last ')' start at field 3.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[19] ?? null;
  } catch {
    return null;
  }
}

/** Whether the holder of a lock row may still be running (true when we cannot tell). */
function holderAlive(row: LockRow): boolean {
  if (row.host !== hostname()) return true;
  try {
    process.kill(row.pid, 0);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ESRCH") return false;
    // EPERM: it exists but belongs to someone else; fall through to the start-time check.
  }
  if (row.pid_start !== null) {
    const start = processStartTime(row.pid);
    if (start !== null && start !== row.pid_start) return false; // the pid was recycled
  }
  return true;
}

function toHolder(row: LockRow): LockHolder {
  return { name: row.name, pid: row.pid, host: row.host, since: row.acquired_at };
}

function readRow(db: BetterSqlite3.Database, name: string): LockRow | undefined {
  const row = db.prepare("SELECT * FROM locks WHERE name = ?").get(name);
  return row === undefined ? undefined : LockRowSchema.parse(row);
}

/**
 * Take the lock `name` on the library at `dbPath`, or throw LibraryLockedError at once if a live
 * process holds it. A stale lock (dead holder) is taken over.
 */
export function acquireLibraryLock(dbPath: string, name: string): LibraryLock {
  if (dbPath === MEMORY) throw new QuantaError("a library lock needs a library file, not an in-memory library");
  const db = openDatabase(dbPath);
  const token = randomUUID();
  try {
    db.transaction(() => {
      const row = readRow(db, name);
      if (row) {
        if (holderAlive(row)) throw new LibraryLockedError(dbPath, toHolder(row));
        db.prepare("DELETE FROM locks WHERE name = ? AND token = ?").run(name, row.token);
      }
      db.prepare("INSERT INTO locks (name, pid, host, pid_start, token, acquired_at) VALUES (?, ?, ?, ?, ?, ?)").run(
        name,
        process.pid,
        hostname(),
        processStartTime(process.pid),
        token,
        new Date().toISOString(),
      );
    }).immediate();
  } catch (err) {
    db.close();
    throw err;
  }
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.removeListener("exit", release);
    try {
      db.prepare("DELETE FROM locks WHERE name = ? AND token = ?").run(name, token);
    } finally {
      db.close();
    }
  };
  // A normal exit (process.exit, end of event loop) releases; a kill leaves a stale row that the
  // next acquirer detects.
  process.on("exit", release);
  return { dbPath, name, release };
}

/** Run `fn` holding the lock `name` on the library at `dbPath`; released however `fn` ends. */
export async function withLibraryLock<T>(dbPath: string, name: string, fn: () => T | Promise<T>): Promise<T> {
  const lock = acquireLibraryLock(dbPath, name);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/** Who holds the lock `name`, if anyone (stale or not). */
export function readLibraryLock(dbPath: string, name: string): (LockHolder & { alive: boolean }) | undefined {
  const db = openDatabase(dbPath);
  try {
    const row = readRow(db, name);
    return row && { ...toHolder(row), alive: holderAlive(row) };
  } finally {
    db.close();
  }
}

/** Remove the lock `name` whoever holds it (for `--force-unlock`). Returns the removed holder. */
export function breakLibraryLock(dbPath: string, name: string): LockHolder | undefined {
  const db = openDatabase(dbPath);
  try {
    return db.transaction(() => {
      const row = readRow(db, name);
      if (row) db.prepare("DELETE FROM locks WHERE name = ?").run(name);
      return row && toHolder(row);
    }).immediate();
  } finally {
    db.close();
  }
}
