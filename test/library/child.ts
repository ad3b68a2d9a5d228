/** Spawning `node --import tsx` child scripts and reading their output line by line (no sleeps). */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface Child {
  proc: ChildProcess;
  lines: string[];
  stderr: () => string;
  /** Resolves when stdout has produced a line matching `re`. */
  waitForLine(re: RegExp): Promise<string>;
  /** Resolves with the exit code and signal once the process has exited and its output is drained. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnScript(script: string, args: string[]): Child {
  const proc = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL(`./scripts/${script}`, import.meta.url)), ...args], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let err = "";
  let partial = "";
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  proc.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    partial += chunk;
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i]!.re.test(line)) waiters.splice(i, 1)[0]!.resolve(line);
      }
    }
  });
  proc.stderr!.setEncoding("utf8").on("data", (c: string) => (err += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on("close", (code, signal) => resolve({ code, signal })),
  );
  return {
    proc,
    lines,
    stderr: () => err,
    exited,
    waitForLine(re) {
      const hit = lines.find((l) => re.test(l));
      if (hit !== undefined) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        waiters.push({ re, resolve });
        void exited.then(({ code, signal }) => reject(new Error(`child exited (${code ?? signal}) before printing ${re}: ${err}`)));
      });
    },
  };
}
