/**
 * `quanta schedule --cron "0 18 * * 1-5" -- retrain --library lib.db --data prices.csv.gz`: keep
 * running and start `quanta <args after -->` on the cron schedule, one run at a time, logging each
 * run (start, exit code, duration) to stderr and optionally a log file. SIGINT / SIGTERM stop it
 * cleanly: no new run starts, a run in progress gets the signal and is waited for.
 */
import type { CommandModule } from "yargs";
import { z } from "zod";
import * as opt from "../options.ts";

const Args = z.object({
  cron: z.string(),
  timezone: z.string().min(1).optional(),
  logFile: z.string().min(1).optional(),
  maxRuns: z.number().int().min(1).optional(),
  runNow: z.boolean().default(false),
  json: z.boolean().default(false),
  "--": z.array(z.union([z.string(), z.number()]).transform(String)).default([]),
});

export const scheduleCommand: CommandModule = {
  command: "schedule",
  describe: 'Run a quanta command on a cron schedule, e.g. schedule --cron "0 18 * * 1-5" -- retrain --library lib.db --data prices.csv.gz',
  builder: (y) =>
    y
      .parserConfiguration({ "populate--": true })
      .option("cron", { type: "string", demandOption: true, describe: 'Cron expression: minute hour day-of-month month day-of-week ("0 18 * * 1-5" = 18:00 Mon–Fri)' })
      .option("timezone", { type: "string", describe: "IANA time zone of the expression, e.g. America/New_York (default: the machine's)" })
      .option("log-file", { type: "string", describe: "Append the scheduler's log lines and the jobs' output to this file" })
      .option("max-runs", { type: "number", describe: "Exit after this many runs" })
      .option("run-now", { type: "boolean", default: false, describe: "Also run once immediately at start" })
      .option("json", { ...opt.jsonOption, describe: "Log lines as JSON objects (one per line) on stderr" })
      .example('$0 schedule --cron "0 18 * * 1-5" --log-file retrain.log -- retrain --library lib.db --data prices.csv.gz', ""),
  handler: async (argv) => {
    const a = opt.readArgs(Args, argv);
    const { QuantaError } = await import("../../../factors/errors.ts");
    const { Scheduler } = await import("../../schedule/scheduler.ts");
    const { spawnCliJob } = await import("../../schedule/spawn.ts");
    const job = a["--"];
    if (job.length === 0) throw new QuantaError('schedule: name the command to run after "--", e.g. -- retrain --library lib.db --data prices.csv.gz');
    if (job[0] === "schedule") throw new QuantaError("schedule: the scheduled command cannot be schedule itself");

    let logStream: import("node:fs").WriteStream | undefined;
    if (a.logFile) {
      const { createWriteStream, mkdirSync } = await import("node:fs");
      const { dirname } = await import("node:path");
      mkdirSync(dirname(a.logFile), { recursive: true });
      logStream = createWriteStream(a.logFile, { flags: "a" });
    }
    const log = (line: string) => {
      const at = new Date().toISOString();
      const text = a.json ? JSON.stringify({ at, message: line }) : `${at} schedule: ${line}`;
      process.stderr.write(text + "\n");
      logStream?.write(text + "\n");
    };
    const scheduler = new Scheduler({
      pattern: a.cron,
      ...(a.timezone ? { timezone: a.timezone } : {}),
      ...(a.maxRuns !== undefined ? { maxRuns: a.maxRuns } : {}),
      runNow: a.runNow,
      start: spawnCliJob(job, logStream ? { tee: logStream } : {}),
      log,
    });
    let stopping: NodeJS.Signals | null = null;
    const onSignal = (sig: NodeJS.Signals) => {
      if (stopping) return;
      stopping = sig;
      log(`${sig} received: stopping`);
      void scheduler.stop(sig);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
      log(`started: "${a.cron}"${a.timezone ? ` (${a.timezone})` : ""} → quanta ${job.join(" ")}`);
      scheduler.start();
      await scheduler.done;
      log(stopping ? "stopped" : "finished: no run left");
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      if (logStream) await new Promise<void>((resolve) => logStream!.end(resolve));
    }
  },
};
