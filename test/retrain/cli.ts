/**
 * Running the CLI commands of this area: in process (fast; stdout and stderr captured) or as a
 * real child process (`node --import tsx test/retrain/scripts/cli.ts …`).
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import yargs from "yargs";
import { QuantaError } from "../../factors/errors.ts";
import { reportError } from "../../src/cli/run.ts";
import { libraryCommand } from "../../src/cli/commands/library.ts";
import { retrainCommand } from "../../src/cli/commands/retrain.ts";
import { scheduleCommand } from "../../src/cli/commands/schedule.ts";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const CLI_SCRIPT = fileURLToPath(new URL("./scripts/cli.ts", import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `quanta <args>` in this process, capturing what it writes. */
export async function runCli(args: string[]): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string | Uint8Array) => ((stdout += String(c)), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => ((stderr += String(c)), true)) as typeof process.stderr.write;
  let code = 0;
  try {
    await yargs(args)
      .scriptName("quanta")
      .option("verbose", { type: "boolean", default: false })
      .strict()
      .demandCommand(1)
      .version(false)
      .exitProcess(false)
      .fail((msg, e) => {
        throw e ?? new QuantaError(msg);
      })
      .command(libraryCommand)
      .command(retrainCommand)
      .command(scheduleCommand)
      .parseAsync();
  } catch (e) {
    code = reportError(e, false);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  return { code, stdout, stderr };
}

export interface ChildRun {
  readonly pid: number;
  readonly result: Promise<CliResult & { signal: NodeJS.Signals | null }>;
  /** Resolves when stderr has printed a line matching `re`. */
  waitForStderr(re: RegExp): Promise<string>;
  kill(signal: NodeJS.Signals): void;
  /** Write a line to the child's stdin (only with `stdin: true`). */
  send(line: string): void;
}

/** Start `quanta <args>` as a real process. */
export function spawnCli(args: string[], o: { env?: NodeJS.ProcessEnv; stdin?: boolean } = {}): ChildRun {
  const child = spawn(process.execPath, ["--import", "tsx", CLI_SCRIPT, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...o.env },
    stdio: [o.stdin ? "pipe" : "ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  child.stdout!.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr!.setEncoding("utf8").on("data", (c: string) => {
    stderr += c;
    for (let i = waiters.length - 1; i >= 0; i--) {
      const hit = stderr.split("\n").find((l) => waiters[i]!.re.test(l));
      if (hit !== undefined) waiters.splice(i, 1)[0]!.resolve(hit);
    }
  });
  const result = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr })),
  );
  return {
    pid: child.pid!,
    result,
    waitForStderr(re) {
      const hit = stderr.split("\n").find((l) => re.test(l));
      if (hit !== undefined) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        waiters.push({ re, resolve });
        void result.then((r) => reject(new Error(`process exited (${r.code}) before printing ${re}:\n${r.stderr}`)));
      });
    },
    kill: (signal) => child.kill(signal),
    send: (line) => child.stdin!.write(`${line}\n`),
  };
}
