import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { QuantaError } from "../../factors/errors.ts";
import { FactorLibrary, MIGRATIONS, SCHEMA_VERSION, migrate, schemaVersion } from "../../src/library/index.ts";

const dir = mkdtempSync(join(tmpdir(), "quanta-lib-schema-"));
const libs: FactorLibrary[] = [];
afterAll(() => {
  libs.forEach((l) => l.close());
  rmSync(dir, { recursive: true, force: true });
});

function open(path: string): FactorLibrary {
  const lib = FactorLibrary.open(path);
  libs.push(lib);
  return lib;
}

describe("library schema", () => {
  it("creates every table in WAL mode with foreign keys on", () => {
    const lib = open(join(dir, "sub", "new.db"));
    const tables = (lib.db.prepare("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name").all() as { name: string }[]).map(
      (r) => r.name,
    );
    for (const t of [
      "campaigns", "trajectories", "factors", "lineage", "rejections", "llm_calls", "checkpoints",
      "eval_cache", "retrain_runs", "locks", "factor_events", "schema_version",
    ]) {
      expect(tables).toContain(t);
    }
    expect(lib.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(lib.db.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(lib.schemaVersion).toBe(SCHEMA_VERSION);
  });

  it("re-opening applies nothing twice", () => {
    const path = join(dir, "twice.db");
    open(path).close();
    const db = new Database(path);
    expect(migrate(db)).toEqual([]);
    expect(migrate(db)).toEqual([]);
    expect((db.prepare("SELECT count(*) AS n FROM schema_version").get() as { n: number }).n).toBe(MIGRATIONS.length);
    db.close();
  });

  it("applies a new migration exactly once and keeps the data", () => {
    const path = join(dir, "upgrade.db");
    const lib = open(path);
    lib.createCampaign({ id: "c1", name: "n", seed: 1, dataFingerprint: "fp" });
    lib.close();
    const next = [...MIGRATIONS, { version: SCHEMA_VERSION + 1, description: "test", sql: "ALTER TABLE campaigns ADD COLUMN note TEXT" }];
    const db = new Database(path);
    expect(migrate(db, next)).toEqual([SCHEMA_VERSION + 1]);
    expect(migrate(db, next)).toEqual([]);
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION + 1);
    expect(db.prepare("SELECT id, note FROM campaigns").all()).toEqual([{ id: "c1", note: null }]);
    db.close();
    // This build does not know the new version: it refuses instead of guessing.
    expect(() => FactorLibrary.open(path)).toThrow(/newer than this quanta/);
  });

  it("rolls back a migration that fails halfway", () => {
    const db = new Database(":memory:");
    const bad = [...MIGRATIONS, { version: 99, description: "bad", sql: "CREATE TABLE x (a INT); CREATE TABLE x (a INT);" }];
    expect(() => migrate(db, bad)).toThrow();
    expect(schemaVersion(db)).toBe(0);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type='table'").get()).toEqual({ n: 0 });
    db.close();
  });

  it("refuses files that are not quanta libraries", () => {
    const text = join(dir, "notes.txt");
    writeFileSync(text, "this is not a database, just some text that is long enough to have a header ".repeat(10));
    expect(() => FactorLibrary.open(text)).toThrow(QuantaError);
    expect(() => FactorLibrary.open(text)).toThrow(/not a quanta library/);
    const other = join(dir, "other.db");
    const db = new Database(other);
    db.exec("CREATE TABLE foo (a)");
    db.close();
    expect(() => FactorLibrary.open(other)).toThrow(/not a quanta library/);
    expect(() => FactorLibrary.open(join(dir, "missing.db"), { readonly: true })).toThrow(/no library at/);
  });

  it("opens read-only without writing", () => {
    const path = join(dir, "ro.db");
    const lib = open(path);
    lib.createCampaign({ id: "c1", name: "n", seed: 1, dataFingerprint: "fp" });
    lib.close();
    const ro = FactorLibrary.open(path, { readonly: true });
    libs.push(ro);
    expect(ro.listCampaigns().map((c) => c.id)).toEqual(["c1"]);
    expect(() => ro.createCampaign({ id: "c2", name: "n", seed: 1, dataFingerprint: "fp" })).toThrow();
  });
});
