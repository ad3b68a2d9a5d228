// Piscina worker entry: one evaluation task per call (see run-task.ts).
import { drainQueue, runPoolTask } from "./run-task.ts";
import type { PoolResult, PoolTask, QueueResult, QueueTask } from "./tasks.ts";
import { primeFeedback, warmUp, warmUpRanking } from "./warmup.ts";
import { trace } from "../trace.ts";

// JIT warm-up as the worker starts (the main thread meanwhile prepares the label): the kernels and
// the IC ranking get optimised on tiny inputs instead of on the first real factors.
trace("worker: started");
// QUANTA_NO_WARMUP=1 skips it (to measure what it buys).
const NOWARM = process.env.QUANTA_NO_WARMUP === "1";
// Type feedback for every kernel path first, so the warm-up optimises each kernel once for all.
if (!NOWARM) primeFeedback("qlib", true);
if (!NOWARM) warmUpRanking();
if (!NOWARM) warmUp("qlib");
trace("worker: default warm-up done");

export default function evaluateTask(task: PoolTask | QueueTask): PoolResult | QueueResult {
  if (task.kind === "queue") {
    const r = drainQueue(task, "back");
    trace(`worker: drained ${r.done.length} task(s) from the queue`);
    return r;
  }
  trace(`worker: task of ${task.expressions.length}`);
  const r = runPoolTask(task);
  trace(`worker: task done ${r.ms.toFixed(0)} ms`);
  return r;
}
