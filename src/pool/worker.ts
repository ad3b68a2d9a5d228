// Piscina worker entry: one evaluation task per call (see run-task.ts), or a warm-up.
import { runPoolTask } from "./run-task.ts";
import type { PoolResult, PoolTask, WarmTask } from "./tasks.ts";
import { warmUp, warmUpRanking } from "./warmup.ts";

// JIT warm-up as the worker starts (the main thread meanwhile prepares the label): the kernels and
// the IC ranking get optimised on tiny inputs instead of on the first real factors.
warmUpRanking();
warmUp(undefined, "qlib");

export default function evaluateTask(task: PoolTask | WarmTask): PoolResult | undefined {
  if (task.kind === "warm") {
    warmUp(task.expressions, task.dialect);
    return undefined;
  }
  return runPoolTask(task);
}
