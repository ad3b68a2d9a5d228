/**
 * The pool's worker threads (a Piscina running worker.ts), and the set started early: see
 * prestart.ts. Only piscina is imported here, so starting the workers does not wait for the
 * factor engine to load.
 */
import { createRequire } from "node:module";
import type { Piscina as PiscinaPool } from "piscina";

// Loaded with require(), not import: piscina is CommonJS, and an ESM import of it goes through its
// ESM wrapper, for which Node first scans the CommonJS source for its export names
// (cjs-module-lexer): ~30 ms of the main thread's start-up, half of it compiling the scanner.
const { Piscina } = createRequire(import.meta.url)("piscina") as typeof import("piscina");
type Piscina = PiscinaPool;

/** Starts `threads` workers; each warms its JIT up as it starts (worker.ts). */
export function startWorkers(threads: number): Piscina {
  const fromSource = import.meta.url.endsWith(".ts");
  const filename = new URL(fromSource ? "./worker.ts" : "./worker.js", import.meta.url).href;
  return new Piscina({
    filename,
    minThreads: threads,
    maxThreads: threads,
    // Workers run the TypeScript sources through tsx's loader (Node 20 cannot load .ts itself);
    // the loader is named by absolute URL so any working directory works.
    execArgv: fromSource ? ["--import", import.meta.resolve("tsx")] : [],
  });
}

let early: { threads: number; piscina: Piscina } | undefined;

/** Starts `threads` workers now, for an EvalPool with that many worker threads to adopt later. */
export function prestartWorkers(threads: number): void {
  early ??= { threads, piscina: startWorkers(threads) };
}

/** The workers started early, when there are `threads` of them (handed over once). */
export function takeEarlyWorkers(threads: number): Piscina | undefined {
  if (early === undefined || early.threads !== threads) return undefined;
  const { piscina } = early;
  early = undefined;
  return piscina;
}

/** Stops workers started early that no pool adopted (so the process can exit). */
export async function closeEarlyWorkers(): Promise<void> {
  const e = early;
  early = undefined;
  if (e !== undefined) await e.piscina.destroy();
}
