/**
 * EvalPool's callerRuns mode: the calling thread takes tasks from the same queue as the workers.
 * Results must be exactly those of in-process evaluation, whichever lane ran which task.
 */
import { describe, expect, it } from "vitest";
import { labelReturns } from "../../backtest/label.ts";
import { EvalPool, runSharedQueue } from "../../src/pool/pool.ts";
import { claimTask, drainQueue } from "../../src/pool/run-task.ts";
import type { PoolResult, PoolTask, QueueResult, QueueTask } from "../../src/pool/tasks.ts";
import { warmupPanel } from "../../src/pool/warmup.ts";

const EXPRS = [
  "$close",
  "Mean($close, 5)",
  "Std($close, 10)",
  "Corr($close, Log($volume + 1), 10)",
  "Slope($close, 10)",
  "Rsquare($close, 10)",
  "Quantile($close, 10, 0.8)",
  "Rank($close, 10)",
  "Max($high, 5) / $close",
  "IdxMin($low, 10)",
  "Sum(Greater($close - Ref($close, 1), 0), 10)",
  "$volume / Mean($volume, 20)",
];

describe("EvalPool with callerRuns", () => {
  it("evaluates and screens exactly as one in-process thread does", async () => {
    const panel = warmupPanel(12, 120);
    const solo = new EvalPool({ threads: 1 });
    const shared = new EvalPool({ threads: 2, callerRuns: true });
    try {
      expect(shared.workerThreads).toBe(1);
      const a = await solo.evaluate(panel, EXPRS, "qlib");
      const b = await shared.evaluate(panel, EXPRS, "qlib");
      b.values.forEach((v, k) => expect(v, EXPRS[k]).toEqual(a.values[k]));
      const label = labelReturns(panel);
      const window = { from: 30, to: 110 };
      const icA = await solo.ic(panel, EXPRS, "qlib", label, window);
      const icB = await shared.ic(panel, EXPRS, "qlib", label, window);
      expect(icB).toEqual(icA);
      expect(icA.some((s) => s.days > 0)).toBe(true);
    } finally {
      await Promise.all([solo.close(), shared.close()]);
    }
  });

  it("the queue is shared: each task runs once, in one lane or the other, results land in plan order", async () => {
    const plan = Array.from({ length: 9 }, (_, k) => [k]);
    // A stand-in worker that drains the queue as a real one does (run-task.ts' drainQueue), on a
    // later turn of the event loop; its results carry a negative time so they can be told apart
    // from the ones this thread's lane computes (tasks with no expressions: nothing to evaluate).
    let workerTook = 0;
    const fakeWorkers = {
      run: (q: QueueTask): Promise<QueueResult> =>
        new Promise((resolve) =>
          setImmediate(() => {
            const counter = new Int32Array(q.counter);
            const done: { index: number; result: PoolResult }[] = [];
            // Take two tasks from the back, as if this thread then drained the rest while the worker was busy.
            for (let n = 0; n < 2; n++) {
              const k = claimTask(counter, q.tasks.length, "back");
              if (k >= 0) done.push({ index: k, result: { ms: -1 - k } });
            }
            workerTook += done.length;
            resolve({ done });
          }),
        ),
    };
    const makeTask = (indices: number[]): PoolTask => ({ kind: "values", panelId: String(indices[0]), panel: undefined as never, dialect: "qlib", expressions: [], outputs: [] });
    const out = await runSharedQueue(plan, fakeWorkers as never, 1, makeTask, warmupPanel(4, 30));
    expect(out.map((r) => r.indices)).toEqual(plan);
    const byWorker = out.filter((r, k) => r.result.ms === -1 - k).length;
    expect(byWorker).toBe(workerTook);
    expect(workerTook).toBe(2);
    expect(out.flatMap((r, k) => (r.result.ms === -1 - k ? [k] : []))).toEqual([7, 8]); // the worker's end
    expect(out.every((r) => r !== undefined)).toBe(true);
  });

  it("a task failing in this thread's lane fails the call and stops the workers taking more", async () => {
    let left = -1;
    const idleWorkers = {
      run: (q: QueueTask): Promise<QueueResult> =>
        // Looks at the queue only after this thread's lane has run (two turns of the loop later).
        new Promise((resolve) =>
          setImmediate(() =>
            setImmediate(() => {
              left = claimTask(new Int32Array(q.counter), q.tasks.length, "back") < 0 ? 0 : 1;
              resolve({ done: [] });
            }),
          ),
        ),
    };
    const plan = [[0], [1], [2]];
    const makeTask = (indices: number[]): PoolTask => ({ kind: "values", panelId: "p", panel: undefined as never, dialect: "qlib", expressions: indices[0] === 0 ? ["Mean($close,"] : [], outputs: [] });
    await expect(runSharedQueue(plan, idleWorkers as never, 1, makeTask, warmupPanel(4, 30))).rejects.toThrow();
    expect(left).toBeLessThanOrEqual(0); // the queue was closed before the worker looked at it
  });

  it("a worker drains what is left of the queue and nothing more", () => {
    const tasks: PoolTask[] = Array.from({ length: 5 }, (_, k) => ({ kind: "values", panelId: `t${k}`, panel: undefined as never, dialect: "qlib", expressions: [], outputs: [] }));
    const q: QueueTask = { kind: "queue", counter: new SharedArrayBuffer(4), tasks };
    Atomics.store(new Int32Array(q.counter), 0, 2); // two already taken elsewhere
    const r = drainQueue(q, "front", warmupPanel(4, 30), new Map());
    expect(r.done.map((d) => d.index)).toEqual([2, 3, 4]);
    expect(drainQueue(q, "front", warmupPanel(4, 30), new Map()).done).toEqual([]);
    expect(drainQueue(q, "back", warmupPanel(4, 30), new Map()).done).toEqual([]);
  });

  it("takers at the two ends never take the same task, and stop where they meet", () => {
    const counter = new Int32Array(new SharedArrayBuffer(4));
    const taken: number[] = [];
    // Alternate unevenly between the ends until the queue of 7 runs dry.
    for (let step = 0; ; step++) {
      const k = claimTask(counter, 7, step % 3 === 2 ? "back" : "front");
      if (k < 0) break;
      taken.push(k);
    }
    expect(taken).toEqual([0, 1, 6, 2, 3, 5, 4]);
    expect(claimTask(counter, 7, "back")).toBe(-1);
    expect(claimTask(counter, 7, "front")).toBe(-1);
  });
});
