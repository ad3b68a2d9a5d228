/**
 * A long-running scheduler: triggers a job on a cron expression (croner), never two at once
 * (croner's `protect`: a tick that comes while the previous run is still going is skipped and
 * logged), logs each run's start, exit code and duration, and stops cleanly — no new runs, the run
 * in flight is told to stop (signal forwarded) and awaited.
 *
 * The job is injected (the CLI spawns `quanta <args>`), and croner reads the clock through `Date`
 * and `setTimeout`, so tests drive it with fake timers instead of waiting.
 */
import { Cron } from "croner";
import { parseCron, type CronSpec } from "./cron.ts";

export interface JobExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One started run of the job. */
export interface JobHandle {
  readonly exited: Promise<JobExit>;
  /** Ask the run to stop (e.g. forward SIGTERM to the child). */
  kill(signal: NodeJS.Signals): void;
}

export type JobStarter = (run: number) => JobHandle;

export interface RunRecord {
  readonly run: number;
  readonly start: Date;
  readonly end: Date;
  readonly durationMs: number;
  readonly exit: JobExit;
  /** The scheduled time that triggered it (null for --run-now). */
  readonly scheduledFor: Date | null;
}

export interface SchedulerOptions extends CronSpec {
  readonly start: JobStarter;
  /** One line per event (start, exit, skipped, stop); the CLI writes them to stderr and the log file. */
  readonly log: (line: string) => void;
  /** Stop after this many runs (default: never). */
  readonly maxRuns?: number;
  /** Also run once right away, before the first scheduled time. */
  readonly runNow?: boolean;
  readonly onRun?: (r: RunRecord) => void;
}

function describeExit(e: JobExit): string {
  return e.signal ? `killed by ${e.signal}` : `exit ${e.code}`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export class Scheduler {
  private cron: Cron | null = null;
  private current: JobHandle | null = null;
  private currentDone: Promise<void> | null = null;
  private runs = 0;
  private stopped = false;
  private resolveDone!: () => void;
  /** Resolves once the scheduler has stopped (stop(), or maxRuns reached) and no run is in flight. */
  readonly done: Promise<void>;
  readonly history: RunRecord[] = [];

  constructor(private readonly o: SchedulerOptions) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    parseCron(o).stop(); // validate now: a bad expression is a user error before anything starts
  }

  /** Start ticking (and run once now with `runNow`). */
  start(): void {
    if (this.cron || this.stopped) return;
    this.cron = new Cron(
      this.o.pattern.trim(),
      {
        protect: () => this.o.log(`skipped the run due at ${new Date().toISOString()}: the previous run is still going`),
        catch: (err) => this.o.log(`scheduler error: ${err instanceof Error ? err.message : String(err)}`),
        ...(this.o.timezone ? { timezone: this.o.timezone } : {}),
      },
      async (self) => {
        await this.runOnce(self.currentRun());
      },
    );
    if (this.o.runNow) void this.runOnce(null, true);
    this.logNext();
  }

  /** The next scheduled time, or null when none is left. */
  nextRun(): Date | null {
    return this.stopped || !this.cron ? null : this.cron.nextRun();
  }

  /** Stop scheduling; a run in flight gets `signal` and is awaited. */
  async stop(signal: NodeJS.Signals | null = null): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.cron?.stop();
      if (this.current && signal) {
        this.o.log(`stopping: sending ${signal} to the run in progress`);
        this.current.kill(signal);
      }
    }
    await this.currentDone;
    this.resolveDone();
  }

  private logNext(): void {
    const next = this.nextRun();
    this.o.log(next ? `next run at ${next.toISOString()}` : "no run left on this schedule");
  }

  private async runOnce(scheduledFor: Date | null, immediate = false): Promise<void> {
    // `protect` covers cron ticks; an immediate run can still meet one, so check here too.
    if (this.stopped || this.current) {
      if (this.current && !this.stopped) this.o.log("skipped: the previous run is still going");
      return;
    }
    const run = ++this.runs;
    const start = new Date();
    this.o.log(`run ${run} started${immediate ? " (--run-now)" : ""}`);
    let release!: () => void;
    this.currentDone = new Promise((r) => (release = r));
    let exit: JobExit;
    try {
      this.current = this.o.start(run);
      exit = await this.current.exited;
    } catch (err) {
      exit = { code: null, signal: null };
      this.o.log(`run ${run} could not start: ${err instanceof Error ? err.message : String(err)}`);
    }
    const end = new Date();
    const record: RunRecord = { run, start, end, durationMs: end.getTime() - start.getTime(), exit, scheduledFor };
    this.history.push(record);
    this.current = null;
    this.o.log(`run ${run} finished: ${describeExit(exit)} after ${seconds(record.durationMs)}`);
    this.o.onRun?.(record);
    release();
    if (this.o.maxRuns !== undefined && this.runs >= this.o.maxRuns) {
      void this.stop();
      return;
    }
    if (!this.stopped) this.logNext();
  }
}
