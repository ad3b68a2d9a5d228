import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { closeUnusedPool, prestartPool, wantsPrestartedPool } from "../../src/pool/prestart.ts";
import { EvalPool } from "../../src/pool/pool.ts";
import { prestartWorkers, takeEarlyWorkers } from "../../src/pool/workers.ts";
import { warmupPanel } from "../../src/pool/warmup.ts";

describe("workers started before the CLI loads", () => {
  it("only for `ic` with the default thread count, not for help or other commands", () => {
    expect(wantsPrestartedPool(["ic", "--data", "x.csv", "--exprs", "a.tsv"])).toBe(true);
    expect(wantsPrestartedPool(["ic", "--threads", "1", "--data", "x.csv"])).toBe(false);
    expect(wantsPrestartedPool(["ic", "--threads=2"])).toBe(false);
    expect(wantsPrestartedPool(["ic", "--help"])).toBe(false);
    expect(wantsPrestartedPool(["ic", "-h"])).toBe(false);
    expect(wantsPrestartedPool(["eval", "--data", "x.csv"])).toBe(false);
    expect(wantsPrestartedPool(["--help"])).toBe(false);
    expect(wantsPrestartedPool([])).toBe(false);
  });

  it("a pool of the same size adopts them (once); another size starts its own", async () => {
    prestartWorkers(2);
    expect(takeEarlyWorkers(3)).toBeUndefined();
    const early = takeEarlyWorkers(2);
    expect(early).toBeDefined();
    expect(takeEarlyWorkers(2)).toBeUndefined(); // handed over once
    await early!.destroy();

    prestartWorkers(2);
    const pool = new EvalPool({ threads: 2 });
    const panel = warmupPanel(6, 40);
    const { values } = await pool.evaluate(panel, ["$close", "Mean($close, 3)"], "qlib");
    expect(values[0]).toEqual(panel.fields.get("close"));
    expect(takeEarlyWorkers(2)).toBeUndefined(); // the pool took them
    await pool.close();
  });

  it("a callerRuns pool of n threads adopts n − 1 workers started for it", async () => {
    prestartWorkers(1);
    const pool = new EvalPool({ threads: 2, callerRuns: true });
    expect(pool.workerThreads).toBe(1);
    const panel = warmupPanel(6, 40);
    const { values } = await pool.evaluate(panel, ["$close", "Mean($close, 3)"], "qlib");
    expect(values[0]).toEqual(panel.fields.get("close"));
    expect(takeEarlyWorkers(1)).toBeUndefined(); // the pool took them
    await pool.close();
  });

  it("workers nobody adopted are stopped by closeUnusedPool", async () => {
    await prestartPool();
    if (availableParallelism() > 1) {
      await closeUnusedPool();
      expect(takeEarlyWorkers(availableParallelism() - 1)).toBeUndefined();
    }
    await closeUnusedPool(); // nothing left: a no-op
  });
});
