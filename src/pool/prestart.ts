/**
 * Starting the evaluation pool's workers before the CLI has loaded its modules and parsed its
 * arguments. A worker takes ~0.3 s to boot and warm its JIT up, and the main thread's own start-up
 * (loading the CLI, ~0.3 s) otherwise leaves the other cores idle; entry.ts calls `prestartPool`
 * first thing for a command that will run the pool with its default settings, so both happen at
 * once. The command's EvalPool adopts those workers (workers.ts); workers no pool adopted (the
 * command failed before it got there) are stopped by `closeUnusedPool` so the process can exit.
 */
import { availableParallelism } from "node:os";

/** Commands whose default run evaluates on the pool, and the flags that make it run otherwise. */
const POOL_COMMANDS = new Set(["ic"]);
const NOT_DEFAULT = new Set(["--threads", "--help", "-h", "--version"]);

let started: Promise<unknown> | undefined;

/** True when `argv` (without node and the script) runs a pool command with the default thread count. */
export function wantsPrestartedPool(argv: readonly string[]): boolean {
  if (!POOL_COMMANDS.has(argv[0] ?? "")) return false;
  return !argv.some((a) => NOT_DEFAULT.has(a.split("=")[0]!));
}

/**
 * Starts the default pool's workers (all cores, this thread evaluating on one of them: EvalPool's
 * callerRuns) without waiting: the returned promise only says when they have been asked to start.
 */
export function prestartPool(): Promise<unknown> {
  // The pool commands run their pools with callerRuns: all cores, one of them this thread.
  const workers = availableParallelism() - 1;
  if (workers < 1) return Promise.resolve();
  // A failure here (piscina missing, …) surfaces again, with its message, when the command builds its pool.
  started ??= import("./workers.ts").then((w) => w.prestartWorkers(workers)).catch(() => {});
  return started;
}

/**
 * Starts the default pool's workers when `argv` (without node and the script) asks for them.
 * bin/quanta.mjs calls it first thing, before it imports the CLI (~0.1 s earlier than entry.ts
 * could: the second core is otherwise idle while the first loads the CLI), and entry.ts again (a
 * no-op then, or the start when the CLI runs from the TypeScript sources).
 */
export function prestartFor(argv: readonly string[]): void {
  if (wantsPrestartedPool(argv)) void prestartPool();
}

/** Stops pre-started workers that no pool adopted. */
export async function closeUnusedPool(): Promise<void> {
  if (started === undefined) return;
  await started;
  started = undefined;
  await (await import("./workers.ts")).closeEarlyWorkers();
}
