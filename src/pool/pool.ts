/**
 * The evaluation pool: Piscina workers that evaluate factor expressions on a panel held in
 * SharedArrayBuffers (no copies), either returning the values (written into shared outputs) or
 * only their IC summaries. With one thread it runs the same task code in-process.
 */
import { availableParallelism } from "node:os";
import { Piscina } from "piscina";
import type { Dialect } from "../../factors/ast.ts";
import type { Panel } from "../../factors/panel.ts";
import type { ICSummary } from "../../backtest/ic.ts";
import type { IndexRange } from "../../backtest/split.ts";
import { panelToShared, type SharedPanelDescriptor } from "../data/shared.ts";
import { runPoolTask } from "./run-task.ts";
import { planTasks } from "./plan.ts";
import type { PoolResult, PoolTask, WarmTask } from "./tasks.ts";

export interface EvalPoolOptions {
  /** Worker threads; 1 = evaluate in this thread. Default: the machine's parallelism. */
  readonly threads?: number;
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
  private piscina: Piscina | undefined;
  private readonly panels = new WeakMap<Panel, SharedPanel>();
  private readonly labels = new WeakMap<Float64Array, { id: string; buffer: SharedArrayBuffer }>();

  constructor(opts: EvalPoolOptions = {}) {
    this.threads = Math.max(1, Math.floor(opts.threads ?? availableParallelism()));
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
    const lab = this.shareLabel(label);
    const results = await this.runPlanned(panel, expressions, dialect, (indices) => ({
      kind: "ic",
      panelId: shared.id,
      panel: shared.descriptor,
      dialect,
      expressions: indices.map((i) => expressions[i]!),
      labelId: lab.id,
      label: lab.buffer,
      window,
    }));
    const out: ICSummary[] = new Array(expressions.length);
    for (const { indices, result } of results) indices.forEach((i, k) => (out[i] = result.ic![k]!));
    return out;
  }

  /**
   * Starts the workers now (they load their code while the caller does something else, e.g. loads
   * the data) and warms them up: each evaluates `expressions` (default: a mix of common operators)
   * on a tiny synthetic panel, so the real run starts with optimised kernels. Fire and forget.
   */
  warm(expressions?: readonly string[], dialect: Dialect = "qlib"): void {
    if (this.threads === 1) return;
    const piscina = this.workers();
    for (let k = 0; k < this.threads; k++) {
      piscina.run({ kind: "warm", dialect, ...(expressions ? { expressions } : {}) } satisfies WarmTask).catch(() => {});
    }
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

  private shareLabel(label: Float64Array): { id: string; buffer: SharedArrayBuffer } {
    let s = this.labels.get(label);
    if (!s) {
      const buffer =
        label.buffer instanceof SharedArrayBuffer && label.byteOffset === 0 && label.byteLength === label.buffer.byteLength
          ? label.buffer
          : copyToShared(label);
      s = { id: `label-${nextId++}`, buffer };
      this.labels.set(label, s);
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
    const T0 = performance.now();
    const res = await Promise.all(plan.map(async (indices) => { const t = performance.now(); const result = (await piscina.run(makeTask(indices))) as PoolResult; if (process.env.QDEBUG) console.error(`task n=${indices.length} ms=${result.ms.toFixed(0)} queued=${(t - T0).toFixed(0)} done=${(performance.now() - T0).toFixed(0)} ${(result as { tid?: number }).tid}`); return { indices, result }; }));
    return res;
  }

  private workers(): Piscina {
    if (!this.piscina) {
      const fromSource = import.meta.url.endsWith(".ts");
      const filename = new URL(fromSource ? "./worker.ts" : "./worker.js", import.meta.url).href;
      this.piscina = new Piscina({
        filename,
        minThreads: this.threads,
        maxThreads: this.threads,
        // Workers run the TypeScript sources through tsx's loader (Node 20 cannot load .ts itself);
        // the loader is named by absolute URL so any working directory works.
        execArgv: fromSource ? ["--import", import.meta.resolve("tsx")] : [],
      });
    }
    return this.piscina;
  }
}

function copyToShared(a: Float64Array): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(a.byteLength);
  new Float64Array(buffer).set(a);
  return buffer;
}

function mergeProfiles(results: readonly PoolResult[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of results) for (const [op, ms] of r.profile ?? []) out.set(op, (out.get(op) ?? 0) + ms);
  return out;
}
