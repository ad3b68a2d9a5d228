/**
 * Phase timestamps for performance work: with QUANTA_TRACE=1 in the environment, `trace(label)`
 * writes `[trace +ms thread] label` to stderr, the time measured from the first trace of the
 * process (workers inherit the origin through the environment, so all threads share one clock).
 * Off (a single env lookup) otherwise.
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
  process.stderr.write(`[trace +${ms.toFixed(0).padStart(5)} ${isMainThread ? "main" : `w${threadId}`}] ${label}\n`);
}
