import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildReviewLibrary } from "../review/fixture.ts";
import { runCli, spawnCli } from "../retrain/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "quanta-schedule-"));
const db = join(dir, "lib.db");
beforeAll(() => buildReviewLibrary(db).close());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("quanta schedule", () => {
  it("exits 2 on a bad cron expression or a missing command", async () => {
    const bad = await runCli(["schedule", "--cron", "0 18 * * 8", "--", "library", "list", "--library", db]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --cron "0 18 \* \* 8": .*dayOfWeek/);
    const none = await runCli(["schedule", "--cron", "0 18 * * 1-5"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/name the command to run after "--"/);
  });

  it("runs the command (a real child process) and logs start, exit code and duration", async () => {
    const logFile = join(dir, "logs", "schedule.log");
    const r = await spawnCli(["schedule", "--cron", "0 0 1 1 *", "--timezone", "UTC", "--run-now", "--max-runs", "1", "--log-file", logFile, "--", "library", "list", "--library", db, "--json", "--limit", "2"]).result;
    expect(r.stderr).toMatch(/schedule: started: "0 0 1 1 \*" \(UTC\) → quanta library list/);
    expect(r.code).toBe(0);
    // The job's own output comes through.
    const listed = JSON.parse(r.stdout) as { name: string }[];
    expect(listed.map((f) => f.name)).toEqual(["DIV", "REV"]);
    const log = readFileSync(logFile, "utf8");
    expect(log).toMatch(/schedule: run 1 started \(--run-now\)/);
    expect(log).toMatch(/schedule: run 1 finished: exit 0 after \d+\.\d s/);
    expect(log).toMatch(/schedule: finished: no run left/);
    expect(log).toContain('"name": "DIV"');
  });

  it("stops cleanly on SIGTERM while waiting for the next run", async () => {
    const c = spawnCli(["schedule", "--cron", "0 18 * * 1-5", "--", "library", "list", "--library", db]);
    await c.waitForStderr(/schedule: next run at \d{4}-\d\d-\d\dT18:00:00/);
    c.kill("SIGTERM");
    const r = await c.result;
    expect(r.code).toBe(0);
    expect(r.signal).toBeNull();
    expect(r.stderr).toMatch(/SIGTERM received: stopping\n.*schedule: stopped\n$/);
    expect(r.stderr).not.toMatch(/run 1 started/);
  });
});
