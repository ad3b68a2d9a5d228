// The process settings quanta's evaluation runs fastest with, and a relaunch of Node with them for
// a heavy command started without them. Measured on `quanta ic` (Alpha158 on the S&P 500 file,
// 2014-2017, two cores, interleaved runs, medians of 6-7): 2.60 s plain, 2.39 s with the V8 flag,
// 2.05-2.1 s with the flag and the malloc settings.
//
// - V8 `--no-concurrent-recompilation`: TurboFan compiles a hot function on the thread that runs
//   it instead of on a background thread. Both cores run evaluation, so a background compile waits
//   for a core while the function keeps running unoptimised; compiling in place costs the thread
//   the compile once and then runs optimised code. It must be given on Node's command line: set
//   later (v8.setFlagsFromString) it no longer changes the main thread.
// - glibc malloc tunables (ArrayBuffers — the panel, the evaluator's buffers — are malloc'd):
//   blocks up to 32 MB from the heap, not each from an mmap of its own; freed memory kept for
//   reuse rather than handed back to the kernel and faulted in again; the heap grown 64 MB at a
//   time. Page faults are costly in VMs. glibc reads GLIBC_TUNABLES only when the process starts;
//   elsewhere than glibc the variable does nothing.
//   Not huge pages (glibc.malloc.hugetlb=1), though they once measured faster: the cost of a
//   fresh 2 MB page depends on the host. On one machine they cut a run by ~0.05 s; on another,
//   later, the same run spent 0.34 s of system time clearing them instead of 0.10 s without
//   (1.48 s vs 1.34 s, 8 interleaved runs each), so they are a gamble the 4 KB pages are not.
//
// bin/quanta.mjs's shebang and the npm scripts start Node with both. `node bin/quanta.mjs ic …`
// does not, so `ic` and `eval` relaunch Node once with them: a second Node start (~0.1 s) for
// ~0.5 s saved. Other commands run as started (short ones gain nothing; `mine` and `schedule` handle
// Ctrl-C themselves, which a relaunching parent would have to relay). QUANTA_RELAUNCH=0 turns the
// relaunch off.
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { performance } from "node:perf_hooks";
import { setTimeout } from "node:timers";

export const V8_FLAGS = ["--no-concurrent-recompilation"];
/** Ours first: glibc takes the last value of a tunable, so the user's own settings still win. */
export const MALLOC_TUNABLES = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824:glibc.malloc.top_pad=67108864";
const RELAUNCHED_COMMANDS = new Set(["ic", "eval"]);

/**
 * What this process was started without: the V8 flags it lacks, and whether glibc's tunables are
 * missing (on Linux, when GLIBC_TUNABLES sets no mmap threshold — a user's own choice counts).
 */
export function missingSettings({ execArgv, env, platform }) {
  const tunables = env.GLIBC_TUNABLES ?? "";
  return {
    missingFlags: V8_FLAGS.filter((f) => !execArgv.includes(f)),
    needTunables: platform === "linux" && !tunables.split(":").some((t) => t.startsWith("glibc.malloc.mmap_threshold=")),
  };
}

/**
 * How to start Node again for `args` (the CLI's arguments), or undefined to run in this process:
 * a command that gains from the settings, started without them (and not already relaunched).
 */
export function relaunchPlan({ args, execArgv, env, platform }) {
  if (!RELAUNCHED_COMMANDS.has(args[0]) || args.includes("--help") || args.includes("-h")) return undefined;
  if (env.QUANTA_RELAUNCH === "0" || env.QUANTA_RELAUNCHED === "1") return undefined;
  const { missingFlags, needTunables } = missingSettings({ execArgv, env, platform });
  if (missingFlags.length === 0 && !needTunables) return undefined;
  const tunables = env.GLIBC_TUNABLES ?? "";
  return {
    execArgv: [...execArgv, ...missingFlags],
    env: {
      ...env,
      QUANTA_RELAUNCHED: "1",
      // QUANTA_TRACE's clock (src/trace.ts) starts with this process, not the relaunched one.
      ...(env.QUANTA_TRACE === "1" && env.QUANTA_TRACE_ORIGIN === undefined ? { QUANTA_TRACE_ORIGIN: String(performance.timeOrigin) } : {}),
      ...(needTunables ? { GLIBC_TUNABLES: tunables === "" ? MALLOC_TUNABLES : `${MALLOC_TUNABLES}:${tunables}` } : {}),
    },
  };
}

const RELAYED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Runs `script args` in a new Node per `plan`, with this process's stdio, and ends this process as
 * the child ends: same exit code, or killed by the same signal. Signals sent to this process are
 * relayed to the child (a terminal's Ctrl-C reaches both: the commands relaunched end at the
 * first). Returns false, having started nothing, when Node cannot be started (the caller then
 * runs the command itself).
 */
export async function relaunch(plan, script, args) {
  const child = spawn(process.execPath, [...plan.execArgv, script, ...args], { stdio: "inherit", env: plan.env });
  // Relayed from the start: a signal while Node starts must not end this process and orphan it.
  const relay = (sig) => child.kill(sig);
  for (const sig of RELAYED_SIGNALS) process.on(sig, relay);
  const started = await new Promise((resolve) => {
    child.once("spawn", () => resolve(true));
    child.once("error", () => resolve(false));
  });
  if (!started) {
    for (const sig of RELAYED_SIGNALS) process.off(sig, relay);
    return false;
  }
  child.on("error", () => {}); // a failed relay (the child already gone) is not this process's end
  const { code, signal } = await new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  for (const sig of RELAYED_SIGNALS) process.off(sig, relay);
  if (signal !== null) {
    // No handler is left for it, so the signal ends this process the same way; should it be
    // ignored here, the shell's convention for "killed by" follows.
    process.kill(process.pid, signal);
    setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 0)), 100);
  } else {
    process.exit(code ?? 1);
  }
  return true;
}
