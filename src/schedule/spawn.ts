/**
 * Running one scheduled job: this same CLI (same Node, same loader flags, same entry script) with
 * the arguments given after `--`, its output passed through (and copied to the log file).
 */
import { spawn } from "node:child_process";
import type { Writable } from "node:stream";
import type { JobExit, JobHandle, JobStarter } from "./scheduler.ts";

export interface Invocation {
  readonly command: string;
  readonly args: readonly string[];
}

/** How this process was started, so a job runs the same quanta (bin/quanta.mjs or `node --import tsx src/cli/entry.ts`). */
export function selfInvocation(): Invocation {
  const entry = process.argv[1];
  return { command: process.execPath, args: [...process.execArgv, ...(entry ? [entry] : [])] };
}

export interface SpawnJobOptions {
  /** Defaults to this process's own invocation. */
  readonly invocation?: Invocation;
  /** The job's stdout and stderr are copied here too (the log file). */
  readonly tee?: Writable;
  readonly stdout?: Writable;
  readonly stderr?: Writable;
  readonly cwd?: string;
}

export function spawnCliJob(jobArgs: readonly string[], o: SpawnJobOptions = {}): JobStarter {
  const inv = o.invocation ?? selfInvocation();
  const out = o.stdout ?? process.stdout;
  const err = o.stderr ?? process.stderr;
  return (): JobHandle => {
    const child = spawn(inv.command, [...inv.args, ...jobArgs], { cwd: o.cwd ?? process.cwd(), stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (c: Buffer) => {
      out.write(c);
      o.tee?.write(c);
    });
    child.stderr.on("data", (c: Buffer) => {
      err.write(c);
      o.tee?.write(c);
    });
    const exited = new Promise<JobExit>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (code, signal) => resolve({ code, signal }));
    });
    return {
      exited,
      kill: (signal) => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      },
    };
  };
}
