import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { FactorLibrary } from "../../src/library/index.ts";
import { writeCampaign } from "./campaign-writer-lib.ts";
import { spawnScript } from "./child.ts";

const dir = mkdtempSync(join(tmpdir(), "quanta-lib-crash-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TOTAL = 60;

/** Structural checks that must hold after any crash. */
function assertConsistent(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    expect(db.pragma("foreign_key_check")).toEqual([]);
    const trajectories = db.prepare("SELECT id, body FROM trajectories ORDER BY seq").all() as { id: string; body: string }[];
    for (const t of trajectories) {
      const body = JSON.parse(t.body) as { factors: unknown[]; parents: string[] };
      const stored =
        (db.prepare("SELECT count(*) AS n FROM factors WHERE trajectory_id = ?").get(t.id) as { n: number }).n +
        (db.prepare("SELECT count(*) AS n FROM rejections WHERE trajectory_id = ?").get(t.id) as { n: number }).n;
      expect(stored, `candidates of ${t.id}`).toBe(body.factors.length);
      expect((db.prepare("SELECT count(*) AS n FROM lineage WHERE child_id = ?").get(t.id) as { n: number }).n).toBe(body.parents.length);
      expect(db.prepare("SELECT 1 FROM checkpoints WHERE step = ?").get(`trajectory:${t.id}`), `checkpoint of ${t.id}`).toBeDefined();
    }
    const checkpoints = (db.prepare("SELECT count(*) AS n FROM checkpoints").get() as { n: number }).n;
    expect(checkpoints).toBe(trajectories.length);
    // Trajectories are written in index order, so a prefix t0..t(n-1) must be present.
    expect(trajectories.map((t) => t.id)).toEqual(Array.from({ length: trajectories.length }, (_, i) => `t${i}`));
    return trajectories.length;
  } finally {
    db.close();
  }
}

function dump(path: string): Record<string, unknown[]> {
  const db = new Database(path, { readonly: true });
  try {
    const out: Record<string, unknown[]> = {};
    for (const t of ["campaigns", "trajectories", "lineage", "factors", "rejections", "llm_calls", "checkpoints", "factor_events"]) {
      out[t] = db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all();
    }
    return out;
  } finally {
    db.close();
  }
}

describe("crash safety", () => {
  it("a campaign SIGKILLed mid-transaction and at a random moment resumes to the same library", async () => {
    const crashed = join(dir, "crashed.db");
    const clean = join(dir, "clean.db");
    // Start every process at once (tsx start-up dominates); the gated ones wait for "go".
    const dieInside = spawnScript("campaign-writer.ts", [crashed, String(TOTAL), "17"]);
    const killedOutside = spawnScript("campaign-writer.ts", [crashed, String(TOTAL), "--gate"]);
    const resumed = spawnScript("campaign-writer.ts", [crashed, String(TOTAL), "--gate"]);
    await Promise.all([killedOutside.waitForLine(/^ready/), resumed.waitForLine(/^ready/)]);

    // 1. Killed inside the transaction of t17: t0..t16 are stored, t17 is not, its LLM call is.
    expect((await dieInside.exited).signal).toBe("SIGKILL");
    expect(dieInside.lines.at(-1)).toBe("16");
    expect(assertConsistent(crashed)).toBe(17);
    const mid = FactorLibrary.open(crashed, { readonly: true });
    expect(mid.lastCheckpoint("c1")).toMatchObject({ step: "trajectory:t16", state: { next: 17 } });
    expect(mid.llmCalls("c1").map((c) => c.key).at(-1)).toBe("t17/constructor");
    expect(mid.getCampaign("c1")!.status).toBe("running");
    mid.close();

    // 2. Resumed, then killed from outside at whatever point it has reached.
    killedOutside.proc.stdin!.write("go\n");
    await killedOutside.waitForLine(/^2\d$/);
    killedOutside.proc.kill("SIGKILL");
    await killedOutside.exited;
    expect(killedOutside.lines[1]).toBe("17"); // it resumed right after the last checkpoint
    const n = assertConsistent(crashed);
    expect(n).toBeGreaterThanOrEqual(20);

    // 3. Resumed to the end: identical to the uninterrupted run, nothing lost, nothing duplicated.
    resumed.proc.stdin!.write("go\n");
    expect((await resumed.exited).code).toBe(0);
    writeCampaign(clean, TOTAL); // the same campaign, uninterrupted, in this process
    expect(assertConsistent(crashed)).toBe(TOTAL);
    expect(dump(crashed)).toEqual(dump(clean));
    const lib = FactorLibrary.open(crashed, { readonly: true });
    expect(lib.getCampaign("c1")!.status).toBe("finished");
    expect(lib.campaignStats("c1").factors).toEqual({ mined: 3 * TOTAL, accepted: 2 * TOTAL, rejected: TOTAL, redundant: 0 });
    expect(lib.llmCalls("c1")).toHaveLength(TOTAL);
    lib.close();
  });
});
