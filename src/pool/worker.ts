// Piscina worker entry: one evaluation task per call (see run-task.ts).
import { runPoolTask } from "./run-task.ts";
import type { PoolResult, PoolTask } from "./tasks.ts";

export default function evaluateTask(task: PoolTask): PoolResult {
  return runPoolTask(task);
}
