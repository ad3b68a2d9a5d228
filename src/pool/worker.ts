// Piscina worker entry: one evaluation task per call (see run-task.ts), or a warm-up.
import { runPoolTask } from "./run-task.ts";
import type { PoolResult, PoolTask, WarmTask } from "./tasks.ts";
import { warmUp } from "./warmup.ts";

export default function evaluateTask(task: PoolTask | WarmTask): PoolResult | undefined {
  if (task.kind === "warm") {
    warmUp(task.expressions, task.dialect);
    return undefined;
  }
  return runPoolTask(task);
}
