/**
 * The evaluation pool: Piscina workers that evaluate factor expressions on a panel held in
 * SharedArrayBuffers (no copies), either returning the values (written into shared outputs) or
 * only their IC summaries. With one thread it runs the same task code in-process.
 */
import { availableParallelism } from "node:os";
import type { Piscina } from "piscina";
import type { Dialect } from "../../factors/ast.ts";
import type { Panel } from "../../factors/panel.ts";
import { LabelCrossSections, type ICSummary, type LabelCrossSectionsData } from "../../backtest/ic.ts";
import { icTileBytes } from "./cache-size.ts";
import type { IndexRange } from "../../backtest/split.ts";
import { panelToShared, type SharedPanelDescriptor } from "../data/shared.ts";
import type { Evaluator } from "../../factors/evaluate.ts";
import { closeQueue, drainQueue, runPoolTask } from "./run-task.ts";
import { planTasks } from "./plan.ts";
import { trace } from "../trace.ts";
import { startWorkers, takeEarlyWorkers } from "./workers.ts";
import type { PoolResult, PoolTask, QueueResult, QueueTask } from "./tasks.ts";

export interface EvalPoolOptions {
  /** Worker threads; 1 = evaluate in this thread. Default: the machine's parallelism. */
  readonly threads?: number;
  /**
   * This thread evaluates tasks too, alongside threads − 1 workers: for batch commands (`ic`,
   * `eval`) whose main thread would otherwise only wait. It saves one worker's boot and JIT
   * warm-up (~0.5 s of CPU) and leaves a core to the data load while the worker starts. Not for
   * callers whose event loop must stay responsive (a campaign's LLM calls, progress bars): a task
   * holds this thread for up to a second.
   */
  readonly callerRuns?: boolean;
}

export interface EvaluateResult {
  readonly values: Float64Array[];
  /** Self time per operator summed over workers (ms), when asked for. */
  readonly profile?: Map<string, number>;
}

interface SharedPanel {
  readonly id: string;
  readonly descriptor: SharedPanelDescriptor;
}

let nextId = 0;

export class EvalPool {
  readonly threads: number;
  private readonly callerRuns: boolean;
  private piscina: Piscina | undefined;
  private readonly panels = new WeakMap<Panel, SharedPanel>();
  private readonly labels = new WeakMap<Float64Array, Map<string, { id: string; data: LabelCrossSectionsData }>>();

  constructor(opts: EvalPoolOptions = {}) {
    this.threads = Math.max(1, Math.floor(opts.threads ?? availableParallelism()));
    this.callerRuns = opts.callerRuns === true && this.threads > 1;
  }

  /** Worker threads this pool starts (threads − 1 when this thread evaluates too). */
  get workerThreads(): number {
    return this.threads === 1 ? 0 : this.callerRuns ? this.threads - 1 : this.threads;
  }

  /** Evaluate expressions (already validated by the caller) into shared, instrument-major arrays. */
  async evaluate(panel: Panel, expressions: readonly string[], dialect: Dialect, opts: { profile?: boolean } = {}): Promise<EvaluateResult> {
    const size = panel.nInst * panel.nDates;
    const outputs = expressions.map(() => new SharedArrayBuffer(size * 8));
    const shared = this.share(panel);
    const results = await this.runPlanned(panel, expressions, dialect, (indices) => ({
      kind: "values",
      panelId: shared.id,
      panel: shared.descriptor,
      dialect,
      expressions: indices.map((i) => expressions[i]!),
      outputs: indices.map((i) => outputs[i]!),
      ...(opts.profile ? { profile: true } : {}),
    }));
    return {
      values: outputs.map((b) => new Float64Array(b)),
      ...(opts.profile ? { profile: mergeProfiles(results.map((r) => r.result)) } : {}),
    };
  }

  /** IC summaries of expressions against a label over a date window; values never leave the workers. */
  async ic(
    panel: Panel,
    expressions: readonly string[],
    dialect: Dialect,
    label: Float64Array,
    window: IndexRange,
  ): Promise<ICSummary[]> {
    const shared = this.share(panel);
    // Worker threads start loading now, while this thread prepares the label once for all of them.
    if (this.threads > 1 && expressions.length > 1) this.workers();
    const lab = this.prepareLabel(label, panel, window);
    const results = await this.runPlanned(panel, expressions, dialect, (indices) => ({
      kind: "ic",
      panelId: shared.id,
      panel: shared.descriptor,
      dialect,
      expressions: indices.map((i) => expressions[i]!),
      labelId: lab.id,
      sections: lab.data,
    }));
    const out: ICSummary[] = new Array(expressions.length);
    for (const { indices, result } of results) indices.forEach((i, k) => (out[i] = result.ic![k]!));
    return out;
  }

  /**
   * Starts the worker threads now, if not yet started (each warms its JIT up on a tiny synthetic
   * panel as it starts, see worker.ts), so that happens while the caller does something else —
   * load the data, prepare the label. Returns at once.
   */
  warm(): void {
    if (this.threads > 1) this.workers();
  }

  async close(): Promise<void> {
    const p = this.piscina;
    this.piscina = undefined;
    if (p) await p.destroy();
  }

  private share(panel: Panel): SharedPanel {
    let s = this.panels.get(panel);
    if (!s) {
      s = { id: `panel-${process.pid}-${nextId++}`, descriptor: panelToShared(panel) };
      this.panels.set(panel, s);
    }
    return s;
  }

  /** The label's cross-sections for a window, prepared once per (label, window) on shared memory. */
  private prepareLabel(label: Float64Array, panel: Panel, window: IndexRange): { id: string; data: LabelCrossSectionsData } {
    let byWindow = this.labels.get(label);
    if (!byWindow) {
      byWindow = new Map();
      this.labels.set(label, byWindow);
    }
    const wk = `${window.from}:${window.to}`;
    let s = byWindow.get(wk);
    if (!s) {
      s = { id: `label-${process.pid}-${nextId++}`, data: new LabelCrossSections(label, panel, window, icTileBytes()).data };
      byWindow.set(wk, s);
    }
    return s;
  }

  /**
   * Run the expressions as planned tasks (see plan.ts: expressions sharing expensive work stay
   * together, the most expensive tasks go first); each result comes with the indices it covers.
   * With one thread everything is one in-process task, which shares the most.
   */
  private async runPlanned(
    panel: Panel,
    expressions: readonly string[],
    dialect: Dialect,
    makeTask: (indices: number[]) => PoolTask,
  ): Promise<{ indices: number[]; result: PoolResult }[]> {
    if (this.threads === 1 || expressions.length <= 1) {
      const indices = expressions.map((_, i) => i);
      return [{ indices, result: runPoolTask(makeTask(indices), panel) }];
    }
    const piscina = this.workers();
    const plan = planTasks(expressions, dialect, this.threads);
    if (!this.callerRuns) {
      // Piscina hands tasks out first come, first served: submitted alternately from the plan's two
      // ends, each end's largest first, so the small ones of the middle run last.
      const order = plan.map((_, k) => (k % 2 === 0 ? k / 2 : plan.length - 1 - (k - 1) / 2));
      const runs = new Array<Promise<{ indices: number[]; result: PoolResult }>>(plan.length);
      for (const k of order) runs[k] = piscina.run(makeTask(plan[k]!)).then((result) => ({ indices: plan[k]!, result: result as PoolResult }));
      return Promise.all(runs);
    }
    return runSharedQueue(plan, piscina, this.workerThreads, makeTask, panel);
  }

  private workers(): Piscina {
    // Workers entry.ts started before the CLI loaded (prestart.ts) are adopted when they fit.
    const n = this.workerThreads;
    this.piscina ??= takeEarlyWorkers(n) ?? startWorkers(n);
    return this.piscina;
  }
}

/**
 * The plan's tasks drained from one queue by this thread (from the front) and the workers (from
 * the back) together (QueueTask: a shared counter hands out the next task at each end), so whoever
 * is free takes the next one, this thread never has to dispatch while it computes, and all finish
 * together where the ends meet (the plan puts its smallest tasks there).
 */
export async function runSharedQueue(
  plan: readonly number[][],
  piscina: Pick<Piscina, "run">,
  workers: number,
  makeTask: (indices: number[]) => PoolTask,
  panel: Panel,
): Promise<{ indices: number[]; result: PoolResult }[]> {
  if (plan.length > 0xffff) throw new RangeError(`a shared queue holds at most 65535 tasks, the plan has ${plan.length}`);
  const queue: QueueTask = { kind: "queue", counter: new SharedArrayBuffer(4), tasks: plan.map((indices) => makeTask(indices)) };
  const theirs: Promise<QueueResult>[] = [];
  for (let w = 0; w < workers; w++) {
    const run = piscina.run(queue) as Promise<QueueResult>;
    run.catch(() => {}); // handled below (Promise.all / allSettled); not "unhandled" while this thread drains
    theirs.push(run);
  }
  // Let the queue reach the workers before this thread starts taking from it.
  await new Promise<void>((resolve) => setImmediate(resolve));
  let mine: QueueResult;
  try {
    mine = drainQueue(queue, "front", panel, new Map<string, Evaluator>());
    trace(`pool: this thread drained ${mine.done.length} task(s)`);
  } catch (err) {
    // Stop the workers taking more, and wait for them (their own failures are not left unhandled).
    closeQueue(queue);
    await Promise.allSettled(theirs);
    throw err;
  }
  const out: { indices: number[]; result: PoolResult }[] = new Array(plan.length);
  for (const r of [mine, ...(await Promise.all(theirs))]) for (const { index, result } of r.done) out[index] = { indices: plan[index]!, result };
  return out;
}

function mergeProfiles(results: readonly PoolResult[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of results) for (const [op, ms] of r.profile ?? []) out.set(op, (out.get(op) ?? 0) + ms);
  return out;
}
