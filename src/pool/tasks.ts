/**
 * Messages between the evaluation pool and its workers. Everything big travels as a
 * SharedArrayBuffer (the panel's fields, the label, the outputs), so a task costs a descriptor
 * clone (~40 µs), never a copy of the data.
 */
import type { Dialect } from "../../factors/ast.ts";
import type { ICSummary, LabelCrossSectionsData } from "../../backtest/ic.ts";
import type { SharedPanelDescriptor } from "../data/shared.ts";

interface TaskBase {
  /** Identifies the panel so a worker rebuilds (and caches derived fields for) it once. */
  readonly panelId: string;
  readonly panel: SharedPanelDescriptor;
  readonly dialect: Dialect;
  /** Expression sources; the worker parses them again (trees do not cross threads). */
  readonly expressions: readonly string[];
  readonly profile?: boolean;
}

/** Evaluate expressions and write each result into its own shared output buffer. */
export interface ValuesTask extends TaskBase {
  readonly kind: "values";
  readonly outputs: readonly SharedArrayBuffer[];
}

/** Evaluate expressions and return only their IC summaries against a label prepared once (shared memory). */
export interface IcTask extends TaskBase {
  readonly kind: "ic";
  readonly labelId: string;
  readonly sections: LabelCrossSectionsData;
}

export type PoolTask = ValuesTask | IcTask;

/**
 * A queue of tasks drained together by the workers and the calling thread (EvalPool's
 * callerRuns): the calling thread takes tasks from the front, the workers from the back (the plan
 * puts different kernels at the two ends), each claiming its next index from the shared counter
 * (run-task.ts' claimTask) until the two ends meet, so the hand-out needs no message and no turn
 * of anyone's event loop.
 */
export interface QueueTask {
  readonly kind: "queue";
  /** One Int32: how many tasks were taken from the front (low 16 bits) and from the back (high 16). */
  readonly counter: SharedArrayBuffer;
  readonly tasks: readonly PoolTask[];
}

/** The tasks one thread took from a QueueTask, with their results. */
export interface QueueResult {
  readonly done: readonly { readonly index: number; readonly result: PoolResult }[];
}

export interface PoolResult {
  readonly ic?: readonly ICSummary[];
  /** Self time in ms per operator, when `profile` was asked for. */
  readonly profile?: readonly (readonly [string, number])[];
  readonly ms: number;
}
