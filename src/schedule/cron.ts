/**
 * Cron expressions (croner 11): validation with a user-facing error, and the next run times.
 * Five fields (minute hour day-of-month month day-of-week) as in crontab; croner also accepts a
 * leading seconds field and nicknames such as @daily. Day-of-month and day-of-week combine with
 * OR, as in Vixie cron.
 */
import { Cron } from "croner";
import { QuantaError } from "../../factors/errors.ts";

export interface CronSpec {
  readonly pattern: string;
  /** IANA time zone (default: the machine's local time). */
  readonly timezone?: string;
}

/** A paused croner job for `spec` (no callback), or a QuantaError that says what is wrong. */
export function parseCron(spec: CronSpec): Cron {
  const pattern = spec.pattern.trim();
  if (pattern === "") throw new QuantaError('--cron: empty expression (example: "0 18 * * 1-5" = 18:00 on weekdays)');
  try {
    const job = new Cron(pattern, { paused: true, ...(spec.timezone ? { timezone: spec.timezone } : {}) });
    // A time zone is only checked when a date is computed.
    job.nextRun(new Date(0));
    return job;
  } catch (err) {
    const msg = (err instanceof Error ? err.message : String(err)).replace(/^CronPattern: /, "");
    throw new QuantaError(`--cron "${spec.pattern}"${spec.timezone ? ` (time zone ${spec.timezone})` : ""}: ${msg}`);
  }
}

/** The next `n` run times strictly after `from`. */
export function nextRuns(spec: CronSpec, n: number, from: Date): Date[] {
  const job = parseCron(spec);
  try {
    return job.nextRuns(n, from);
  } finally {
    job.stop();
  }
}
