/**
 * The work of one pool task, shared by the worker thread and the in-process path (threads = 1),
 * so both compute exactly the same thing.
 */
import { parseExpr } from "../../factors/parser.ts";
import { Evaluator } from "../../factors/evaluate.ts";
import type { Panel } from "../../factors/panel.ts";
import { ICEvaluator, LabelCrossSections } from "../../backtest/ic.ts";
import { panelFromShared } from "../data/shared.ts";
import type { PoolResult, PoolTask, QueueResult, QueueTask } from "./tasks.ts";
import { primeFeedback } from "./warmup.ts";

// A worker keeps the few panels and labels it has seen, so derived fields ($return) and the
// label's prepared cross-sections are built once per worker, not once per task.
const panels = new Map<string, Panel>();
const icEvaluators = new Map<string, ICEvaluator>();
// One evaluator per panel and dialect, kept across tasks: its pool of panel-sized buffers is
// reused, so a worker touches fresh memory (page faults) only for its first task.
const evaluators = new Map<string, Evaluator>();
const CACHE_LIMIT = 4;

function remember<V>(map: Map<string, V>, key: string, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    if (map.size >= CACHE_LIMIT) map.delete(map.keys().next().value!);
    v = make();
    map.set(key, v);
  }
  return v;
}

/**
 * Runs one task. In a worker the panel is rebuilt from the task's shared descriptor (once per
 * panel); in-process the caller passes its own panel, and may pass a map to keep evaluators in
 * across its tasks (their buffers are reused: fresh pages cost a fault each).
 */
export function runPoolTask(task: PoolTask, localPanel?: Panel, localEvaluators?: Map<string, Evaluator>): PoolResult {
  // Complete type feedback for the kernels before the first real task (once per thread): the
  // main thread evaluates without a warm-up, and kernels optimised on partial feedback deoptimise.
  // (Not the IC here: the main thread's loaded panel has another hidden class than a freshly
  // assembled one, so IC code primed on the priming panel deoptimised on it; the worker primes
  // the IC in its warm-up, where the panels match.)
  primeFeedback(task.dialect);
  const t0 = performance.now();
  const panel = localPanel ?? remember(panels, task.panelId, () => panelFromShared(task.panel));
  const exprs = task.expressions.map((text) => parseExpr(text, task.dialect));
  const profile = task.profile ? new Map<string, number>() : undefined;
  const evaluator = profile
    ? new Evaluator(panel, task.dialect, { profile })
    : localPanel
      ? localEvaluators
        ? remember(localEvaluators, task.dialect, () => new Evaluator(panel, task.dialect))
        : new Evaluator(panel, task.dialect)
      : remember(evaluators, `${task.panelId}|${task.dialect}`, () => new Evaluator(panel, task.dialect));
  let ic: PoolResult["ic"];
  if (task.kind === "values") {
    evaluator.stream(exprs, (k, values) => new Float64Array(task.outputs[k]!).set(values));
  } else {
    const key = `${task.panelId}|${task.labelId}`;
    const icEval = remember(icEvaluators, key, () => new ICEvaluator(LabelCrossSections.fromData(task.sections, panel), panel, task.sections));
    const out = new Array(exprs.length);
    // The IC reads only in-span cells and skips non-finite ones: no final masking pass needed.
    evaluator.stream(
      exprs,
      (k, values) => {
        out[k] = icEval.metrics(values);
      },
      { raw: true },
    );
    ic = out;
  }
  return {
    ...(ic ? { ic } : {}),
    ...(profile ? { profile: [...profile] } : {}),
    ms: performance.now() - t0,
  };
}

/**
 * The next task index for a thread taking from the queue's `end`, or −1 when none is left. The
 * counter packs how many were taken from the front (low 16 bits) and from the back (high 16).
 */
export function claimTask(counter: Int32Array, n: number, end: "front" | "back"): number {
  for (;;) {
    const old = Atomics.load(counter, 0);
    const front = old & 0xffff;
    const back = old >>> 16;
    if (front + back >= n) return -1;
    const next = end === "front" ? old + 1 : old + 0x10000;
    if (Atomics.compareExchange(counter, 0, old, next) === old) return end === "front" ? front : n - 1 - back;
  }
}

/** Stops a queue: no thread takes another task from it. */
export function closeQueue(queue: QueueTask): void {
  Atomics.store(new Int32Array(queue.counter), 0, queue.tasks.length);
}

/** Takes tasks from one end of the queue and runs them until none is left (see QueueTask). */
export function drainQueue(queue: QueueTask, end: "front" | "back", localPanel?: Panel, localEvaluators?: Map<string, Evaluator>): QueueResult {
  const counter = new Int32Array(queue.counter);
  const n = queue.tasks.length;
  const done: { index: number; result: PoolResult }[] = [];
  for (let k = claimTask(counter, n, end); k >= 0; k = claimTask(counter, n, end)) {
    done.push({ index: k, result: runPoolTask(queue.tasks[k]!, localPanel, localEvaluators) });
  }
  return { done };
}
