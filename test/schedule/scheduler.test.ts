import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { nextRuns, parseCron } from "../../src/schedule/cron.ts";
import { Scheduler, type JobExit, type JobHandle } from "../../src/schedule/scheduler.ts";

describe("cron expressions", () => {
  it("gives the next run times of a weekday-evening schedule", () => {
    const fri = new Date("2024-03-01T18:30:00Z");
    expect(nextRuns({ pattern: "0 18 * * 1-5", timezone: "UTC" }, 3, fri).map((d) => d.toISOString())).toEqual([
      "2024-03-04T18:00:00.000Z",
      "2024-03-05T18:00:00.000Z",
      "2024-03-06T18:00:00.000Z",
    ]);
    // In New York 18:00 is 23:00 UTC in winter and 22:00 UTC after the DST switch (2024-03-10).
    expect(nextRuns({ pattern: "0 18 * * 1-5", timezone: "America/New_York" }, 2, new Date("2024-03-08T12:00:00Z")).map((d) => d.toISOString())).toEqual([
      "2024-03-08T23:00:00.000Z",
      "2024-03-11T22:00:00.000Z",
    ]);
  });

  it("rejects bad expressions and time zones with a user error", () => {
    expect(() => parseCron({ pattern: "0 25 * * *" })).toThrow(/^--cron "0 25 \* \* \*": Invalid value for hour: 25/);
    expect(() => parseCron({ pattern: "every day" })).toThrow(/--cron "every day": /);
    expect(() => parseCron({ pattern: "  " })).toThrow(/empty expression/);
    expect(() => parseCron({ pattern: "0 18 * * 1-5", timezone: "Mars/Olympus" })).toThrow(/time zone Mars\/Olympus/);
    expect(parseCron({ pattern: "@daily" }).nextRun(new Date("2024-01-01T12:00:00"))!.getHours()).toBe(0);
  });
});

/** A job whose runs end when the test says so (or when killed). */
function fakeJob() {
  const runs: { run: number; finish: (e: JobExit) => void; killed: NodeJS.Signals[] }[] = [];
  const start = (run: number): JobHandle => {
    let finish!: (e: JobExit) => void;
    const exited = new Promise<JobExit>((r) => (finish = r));
    const entry = { run, finish, killed: [] as NodeJS.Signals[] };
    runs.push(entry);
    return {
      exited,
      kill: (sig) => {
        entry.killed.push(sig);
        finish({ code: null, signal: sig });
      },
    };
  };
  return { runs, start };
}

describe("the scheduler (fake clock)", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date("2024-03-04T17:58:30Z") });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("runs on schedule, never overlaps, logs each run, and stops cleanly", async () => {
    const job = fakeJob();
    const log: string[] = [];
    const s = new Scheduler({ pattern: "*/1 * * * *", timezone: "UTC", start: job.start, log: (l) => log.push(l) });
    s.start();
    expect(log).toEqual(["next run at 2024-03-04T17:59:00.000Z"]);

    await vi.advanceTimersByTimeAsync(30_000);
    expect(job.runs).toHaveLength(1);
    expect(log.at(-1)).toBe("run 1 started");

    // Still running at the next two ticks: both are skipped, nothing overlaps.
    await vi.advanceTimersByTimeAsync(120_000);
    expect(job.runs).toHaveLength(1);
    expect(log.filter((l) => l.startsWith("skipped"))).toHaveLength(2);

    await vi.advanceTimersByTimeAsync(15_000);
    job.runs[0]!.finish({ code: 0, signal: null });
    await vi.advanceTimersByTimeAsync(0);
    expect(log).toContain("run 1 finished: exit 0 after 135.0 s");
    expect(s.history).toMatchObject([{ run: 1, exit: { code: 0 }, durationMs: 135_000 }]);
    expect(s.history[0]!.scheduledFor!.toISOString()).toBe("2024-03-04T17:59:00.000Z");

    // The next tick starts run 2; a stop while it runs forwards the signal and waits for it.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(job.runs).toHaveLength(2);
    await s.stop("SIGTERM");
    await s.done;
    expect(job.runs[1]!.killed).toEqual(["SIGTERM"]);
    expect(log).toContain("stopping: sending SIGTERM to the run in progress");
    expect(log.at(-1)).toMatch(/^run 2 finished: killed by SIGTERM after /);
    expect(s.nextRun()).toBeNull();

    // Stopped means stopped: no run starts however long we wait.
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(job.runs).toHaveLength(2);
  });

  it("runs once at once with runNow, and finishes after maxRuns", async () => {
    const job = fakeJob();
    const log: string[] = [];
    const s = new Scheduler({ pattern: "0 18 * * 1-5", timezone: "UTC", start: job.start, log: (l) => log.push(l), runNow: true, maxRuns: 2 });
    let done = false;
    void s.done.then(() => (done = true));
    s.start();
    expect(job.runs).toHaveLength(1);
    expect(log).toContain("run 1 started (--run-now)");
    job.runs[0]!.finish({ code: 3, signal: null });
    await vi.advanceTimersByTimeAsync(0);
    expect(log).toContain("run 1 finished: exit 3 after 0.0 s");
    expect(done).toBe(false);

    await vi.advanceTimersByTimeAsync(90_000); // 18:00
    expect(job.runs).toHaveLength(2);
    job.runs[1]!.finish({ code: 0, signal: null });
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
    await vi.advanceTimersByTimeAsync(7 * 86_400_000);
    expect(job.runs).toHaveLength(2);
  });

  it("validates the expression before starting anything", () => {
    const job = fakeJob();
    expect(() => new Scheduler({ pattern: "61 * * * *", start: job.start, log: () => {} })).toThrow(/--cron "61 \* \* \* \*"/);
    expect(job.runs).toHaveLength(0);
  });
});
