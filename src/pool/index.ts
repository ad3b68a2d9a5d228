export { EvalPool, type EvalPoolOptions, type EvaluateResult } from "./pool.ts";
export { runPoolTask } from "./run-task.ts";
export type { PoolTask, PoolResult } from "./tasks.ts";
