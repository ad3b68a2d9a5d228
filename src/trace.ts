/**
 * Phase timestamps for performance work: with QUANTA_TRACE=1 in the environment, `trace(label)`
 * writes `[trace +ms thread] label` to stderr, the time measured from the first trace of the
 * process (workers inherit the origin through the environment, so all threads share one clock),
 * and the process's minor page faults so far (all threads: on a VM a fresh page can cost ~10 µs,
 * so what a phase touches shows there). Off (a single env lookup) otherwise.
 */
import { isMainThread, threadId } from "node:worker_threads";

const enabled = process.env.QUANTA_TRACE === "1";
if (enabled && isMainThread && process.env.QUANTA_TRACE_ORIGIN === undefined) {
  process.env.QUANTA_TRACE_ORIGIN = String(performance.timeOrigin);
}

export function trace(label: string): void {
  if (!enabled) return;
  const origin = Number(process.env.QUANTA_TRACE_ORIGIN ?? performance.timeOrigin);
  const ms = performance.timeOrigin + performance.now() - origin;
  const faults = process.resourceUsage().minorPageFault;
  process.stderr.write(`[trace +${ms.toFixed(0).padStart(5)} ${isMainThread ? "main" : `w${threadId}`} ${String(faults).padStart(6)}pf] ${label}\n`);
}
