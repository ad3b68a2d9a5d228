import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  FactorLibrary,
  LibraryLockedError,
  acquireLibraryLock,
  breakLibraryLock,
  processStartTime,
  readLibraryLock,
  withLibraryLock,
} from "../../src/library/index.ts";
import { spawnScript } from "./child.ts";

const dir = mkdtempSync(join(tmpdir(), "quanta-lib-lock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function insertLock(dbPath: string, pid: number, pidStart: string | null, host = hostname()): void {
  const lib = FactorLibrary.open(dbPath);
  lib.db
    .prepare("INSERT INTO locks (name, pid, host, pid_start, token, acquired_at) VALUES ('retrain', ?, ?, ?, 'tok', '2024-01-01T00:00:00.000Z')")
    .run(pid, host, pidStart);
  lib.close();
}

describe("library lock (two real processes)", () => {
  it("lets one process hold it, fails another fast, and survives SIGKILL of the holder", async () => {
    const db = join(dir, "procs.db");
    FactorLibrary.open(db).close();

    // Start all three at once (tsx start-up dominates); stdin lines order the attempts.
    const holder = spawnScript("lock-child.ts", [db, "hold"]);
    const second = spawnScript("lock-child.ts", [db, "try"]);
    const third = spawnScript("lock-child.ts", [db, "try"]);
    await Promise.all([holder.waitForLine(/^acquired/), second.waitForLine(/^ready/), third.waitForLine(/^ready/)]);

    second.proc.stdin!.write("go\n");
    expect((await second.exited).code).toBe(2);
    expect(second.stderr()).toMatch(new RegExp(`locked by pid ${holder.proc.pid} since \\d{4}-\\d\\d-\\d\\dT`));
    expect(second.lines).toEqual(["ready"]);

    // SIGKILL leaves the holder's row behind; the next process sees it is dead and takes over.
    holder.proc.kill("SIGKILL");
    expect((await holder.exited).signal).toBe("SIGKILL");
    expect(readLibraryLock(db, "retrain")).toMatchObject({ pid: holder.proc.pid, alive: false });

    third.proc.stdin!.write("go\n");
    expect((await third.exited).code).toBe(0);
    expect(third.lines).toEqual(["ready", `acquired ${third.proc.pid}`]);
    expect(readLibraryLock(db, "retrain")).toBeUndefined();
  });
});

describe("library lock (in process)", () => {
  it("is exclusive within one process too and releases after an error", async () => {
    const db = join(dir, "inproc.db");
    await expect(
      withLibraryLock(db, "retrain", async () => {
        expect(() => acquireLibraryLock(db, "retrain")).toThrow(LibraryLockedError);
        // Other lock names are independent.
        acquireLibraryLock(db, "other").release();
        throw new Error("job failed");
      }),
    ).rejects.toThrow("job failed");
    expect(readLibraryLock(db, "retrain")).toBeUndefined();
    expect(await withLibraryLock(db, "retrain", () => 42)).toBe(42);
    expect(() => acquireLibraryLock(":memory:", "retrain")).toThrow(/needs a library file/);
  });

  it("takes over a lock whose pid was recycled (start time differs) but not a live one", () => {
    const db = join(dir, "recycled.db");
    const myStart = processStartTime(process.pid);
    expect(myStart).toMatch(/^\d+$/);
    insertLock(db, process.pid, "1"); // our pid, but another process's start time
    acquireLibraryLock(db, "retrain").release();

    insertLock(db, process.pid, myStart);
    let err: unknown;
    try {
      acquireLibraryLock(db, "retrain");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LibraryLockedError);
    expect((err as LibraryLockedError).holder).toMatchObject({ pid: process.pid, since: "2024-01-01T00:00:00.000Z" });
    expect((err as Error).message).toMatch(`locked by pid ${process.pid} since 2024-01-01T00:00:00.000Z`);

    // Another host's lock cannot be checked: it stays until broken by hand.
    breakLibraryLock(db, "retrain");
    insertLock(db, 999_999, null, "elsewhere");
    expect(() => acquireLibraryLock(db, "retrain")).toThrow(/on host elsewhere/);
    expect(breakLibraryLock(db, "retrain")).toMatchObject({ host: "elsewhere" });
    acquireLibraryLock(db, "retrain").release();
  });
});
