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
// - Huge pages (glibc.malloc.hugetlb=1: glibc asks for transparent 2 MB pages for its heap) on a
//   machine where a fresh 4 KB page is expensive — which depends on the host, so it is measured:
//   machineTunables() times the first touch of a fresh 8 MB block once per boot and records the
//   choice in ~/.cache/quanta/malloc-<boot id> (XDG_CACHE_HOME respected), which the launcher line
//   of bin/quanta.mjs reads. Where the first touch cost ~12 µs a page (an EPYC VM), huge pages
//   cut a run 2.43 -> 2.26 s (medians, 8 interleaved pairs) and 2.45 -> 2.05 s right after a
//   2.5 GB process had exited (5 pairs); on a machine where they cost 1.34 -> 1.48 s (0.34 s of
//   system time clearing 2 MB pages against 0.10 s) a fault cost ~2 µs — inferred from that 0.10 s
//   for ~50k faults, not probed there.
//
// bin/quanta.mjs's launcher line and the npm scripts start Node with them. `node bin/quanta.mjs
// ic …` does not, so `ic` and `eval` relaunch Node once with them: a second Node start (~0.1 s) for
// ~0.5 s saved; so does the first `ic` or `eval` of a boot whose measurement chose huge pages.
// Other commands run as started (short ones gain nothing; `mine` and `schedule` handle Ctrl-C
// themselves, which a relaunching parent would have to relay). QUANTA_RELAUNCH=0 turns the relaunch
// off; GLIBC_TUNABLES=glibc.malloc.hugetlb=0 turns huge pages off (the user's tunables come last,
// and glibc takes the last value).
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { constants } from "node:os";
import { dirname } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout } from "node:timers";

export const V8_FLAGS = ["--no-concurrent-recompilation"];
/** Ours first: glibc takes the last value of a tunable, so the user's own settings still win. */
export const MALLOC_TUNABLES = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824:glibc.malloc.top_pad=67108864";
const RELAUNCHED_COMMANDS = new Set(["ic", "eval"]);

export const HUGE_PAGES = "glibc.malloc.hugetlb=1";
/**
 * First-touch cost of a fresh 4 KB page (µs) above which huge pages are chosen: ~12 where they
 * saved 7-16 % of a run, ~2 (inferred) where they cost 10 %.
 */
export const HUGE_PAGES_ABOVE_US = 5;

/** The file recording this boot's machine tunables (read by bin/quanta.mjs's launcher line too). */
export function machineFile(env, bootId) {
  // As the launcher line's "${XDG_CACHE_HOME:-$HOME/.cache}": an empty value counts as unset.
  const base = env.XDG_CACHE_HOME ? env.XDG_CACHE_HOME : `${env.HOME ?? ""}/.cache`;
  return `${base}/quanta/malloc-${bootId}`;
}

/** The tunables for a machine whose fresh pages cost `micros` µs each to touch, THP mode `thp`. */
export function chooseMachineTunables(micros, thp) {
  return micros > HUGE_PAGES_ABOVE_US && (thp === "always" || thp === "madvise") ? HUGE_PAGES : "";
}

/** µs per 4 KB page to touch fresh memory: an 8 MB block new to the process, written once. */
export function probePageMicros() {
  const bytes = 8 << 20;
  const t = performance.now();
  new Float64Array(bytes / 8).fill(1);
  return ((performance.now() - t) * 1000) / (bytes / 4096);
}

function readTrimmed(path) {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

/**
 * This machine's extra tunables ("" or HUGE_PAGES): recorded for this boot, else measured now
 * (~3-25 ms) and recorded. "" off Linux and wherever the boot cannot be told apart.
 */
export function machineTunables({ env, platform }) {
  // Not measured when huge pages are already chosen (the probe would time 2 MB pages).
  if (platform !== "linux" || tunableNames(env.GLIBC_TUNABLES ?? "").has("glibc.malloc.hugetlb")) return "";
  const bootId = readTrimmed("/proc/sys/kernel/random/boot_id");
  if (!bootId) return "";
  const file = machineFile(env, bootId);
  const recorded = readTrimmed(file);
  if (recorded !== undefined) return recorded;
  const thp = /\[(\w+)\]/.exec(readTrimmed("/sys/kernel/mm/transparent_hugepage/enabled") ?? "")?.[1];
  const choice = chooseMachineTunables(probePageMicros(), thp);
  try {
    // Whole or not at all: the launcher line may read it at any moment.
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${choice}\n`);
    renameSync(tmp, file);
  } catch {
    /* not recorded: measured again next time */
  }
  return choice;
}

/** Tunable names set in a GLIBC_TUNABLES value. */
function tunableNames(value) {
  return new Set(value.split(":").map((t) => t.split("=")[0]));
}

/**
 * What this process was started without: the V8 flags it lacks, whether glibc's tunables are
 * missing (on Linux, when GLIBC_TUNABLES sets no mmap threshold — a user's own choice counts), and
 * whether the machine's (`machine`, see machineTunables) are (a user's own value of one counts).
 */
export function missingSettings({ execArgv, env, platform, machine = "" }) {
  const set = tunableNames(env.GLIBC_TUNABLES ?? "");
  const linux = platform === "linux";
  return {
    missingFlags: V8_FLAGS.filter((f) => !execArgv.includes(f)),
    needTunables: linux && !set.has("glibc.malloc.mmap_threshold"),
    needMachine: linux && machine !== "" && [...tunableNames(machine)].some((n) => !set.has(n)),
  };
}

/**
 * How to start Node again for `args` (the CLI's arguments), or undefined to run in this process:
 * a command that gains from the settings, started without them (and not already relaunched).
 * `machine`: this machine's tunables (default: machineTunables(), measured only for such a command).
 */
export function relaunchPlan({ args, execArgv, env, platform, machine }) {
  if (!RELAUNCHED_COMMANDS.has(args[0]) || args.includes("--help") || args.includes("-h")) return undefined;
  if (env.QUANTA_RELAUNCH === "0" || env.QUANTA_RELAUNCHED === "1") return undefined;
  const extra = machine ?? machineTunables({ env, platform });
  const { missingFlags, needTunables, needMachine } = missingSettings({ execArgv, env, platform, machine: extra });
  if (missingFlags.length === 0 && !needTunables && !needMachine) return undefined;
  const tunables = env.GLIBC_TUNABLES ?? "";
  // Ours first: glibc takes the last value of a tunable, so the user's own settings still win.
  const added = [needTunables ? MALLOC_TUNABLES : "", needMachine ? extra : ""].filter((t) => t !== "");
  return {
    execArgv: [...execArgv, ...missingFlags],
    env: {
      ...env,
      QUANTA_RELAUNCHED: "1",
      // QUANTA_TRACE's clock (src/trace.ts) starts with this process, not the relaunched one.
      ...(env.QUANTA_TRACE === "1" && env.QUANTA_TRACE_ORIGIN === undefined ? { QUANTA_TRACE_ORIGIN: String(performance.timeOrigin) } : {}),
      ...(added.length > 0 ? { GLIBC_TUNABLES: [...added, ...(tunables === "" ? [] : [tunables])].join(":") } : {}),
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
