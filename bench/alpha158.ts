/**
 * `npm run bench`: all of Alpha158 (qlib dialect) on the full S&P 500 file — load, evaluate
 * single-threaded and with the pool, per-operator hot spots, and the whole `quanta ic` workload.
 * Reads ../shared/data and ../shared/reference by path; exits quietly when they are absent.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { readExpressionsTsv } from "../src/io/exprs-file.ts";
import { loadData } from "../src/workflow/load.ts";
import { loadThroughCache } from "../src/data/panel-cache.ts";
import { loadCsvPanel } from "../src/data/csv-long.ts";
import { sourceKind } from "../src/data/load.ts";
import { prepareFactorSet } from "../src/workflow/factor-set.ts";
import { evaluateFactorSet, screenFactors, windowOf } from "../src/workflow/screen.ts";
import { EvalPool } from "../src/pool/pool.ts";
// @ts-expect-error -- a plain .mjs launcher module without type declarations
import { machineTunables, missingSettings } from "../bin/runtime.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const data = process.env.QUANTA_BENCH_DATA ?? join(root, "..", "shared", "data", "sp500_5yr_2013_2018.csv.gz");
const exprsPath = join(root, "factors", "zoo", "alpha158.tsv");
const exprs = existsSync(exprsPath) ? exprsPath : join(root, "..", "shared", "reference", "alpha158.tsv");

if (!existsSync(data)) {
  console.log(`bench: ${data} not found; nothing to measure`);
  process.exit(0);
}

const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const t0 = performance.now();
// Parsed (the panel cache off), then once more through a fresh panel cache: written, then read back.
const { panel } = await loadData(data, { onWarning: () => {}, cache: false });
const t1 = performance.now();
let cachedLoad = "";
if (sourceKind(data) === "csv") {
  const cacheDir = mkdtempSync(join(tmpdir(), "quanta-bench-cache-"));
  await (await loadThroughCache(data, {}, cacheDir, () => loadCsvPanel(data))).stored;
  const h0 = performance.now();
  const hit = await loadThroughCache(data, {}, cacheDir, () => Promise.reject(new Error("the panel cache missed")));
  cachedLoad = `, ${sec(performance.now() - h0)} from the panel cache${hit.hit ? "" : " (MISSED)"}`;
  rmSync(cacheDir, { recursive: true, force: true });
}
const set = prepareFactorSet(readExpressionsTsv(exprs), "qlib", panel, { source: exprs });
const cells = set.factors.length * panel.nInst * panel.nDates;
// The npm script starts Node with quanta's runtime settings (bin/runtime.mjs); say so when missing.
const machine = machineTunables({ env: process.env, platform: process.platform }) as string;
const missing = missingSettings({ execArgv: process.execArgv, env: process.env, platform: process.platform, machine }) as {
  missingFlags: string[];
  needTunables: boolean;
  needMachine: boolean;
};
const machineNote = machine === "" ? "none chosen" : `${machine} ${missing.needMachine ? "OFF (bin/quanta.mjs adds them)" : "on"}`;
console.log(
  `runtime settings (bin/runtime.mjs): V8 flags ${missing.missingFlags.length === 0 ? "on" : "OFF"}, malloc tunables ${missing.needTunables ? "OFF" : "on"}, this machine's: ${machineNote}`,
);
console.log(`data: ${panel.nInst} instruments × ${panel.nDates} dates, load ${sec(t1 - t0)} parsed${cachedLoad}`);
console.log(`factors: ${set.factors.length} (skipped: ${set.skipped.map((s) => s.name).join(", ") || "none"})`);

// The previous run's outputs (~0.8 GB of shared buffers, garbage once dropped) are collected
// before each timed run: V8 does not count them as heap, so without a collection they stay
// mapped and the next run faults in as much fresh memory again (a second run measured 1.5× slower).
const collect = (globalThis as { gc?: () => void }).gc ?? (() => {});

// Timed without the per-operator profile (which turns fusion off and times every node), then
// profiled once, single-threaded, for the hot spots.
for (const threads of [1, availableParallelism()]) {
  collect();
  const pool = new EvalPool({ threads });
  const a = performance.now();
  await evaluateFactorSet(panel, set.factors, "qlib", pool);
  const b = performance.now();
  console.log(`evaluate, ${threads} thread(s): ${sec(b - a)}, ${((cells / (b - a)) * 1000 / 1e6).toFixed(1)} M cells/s (values copied out)`);
  await pool.close();
}
{
  collect();
  const pool = new EvalPool({ threads: 1 });
  const { profile } = await evaluateFactorSet(panel, set.factors, "qlib", pool, { profile: true });
  await pool.close();
  if (profile) {
    const top = [...profile].sort((x, y) => y[1] - x[1]).slice(0, 12);
    console.log("hot spots (self time, 1 thread, unfused so every operator is timed):");
    for (const [op, ms] of top) console.log(`  ${op.padEnd(12)} ${ms.toFixed(0).padStart(6)} ms`);
  }
}

collect();
const pool = new EvalPool();
const c = performance.now();
await screenFactors(panel, set.factors, "qlib", windowOf(panel, "2014-01-01", "2017-12-31"), pool);
const d = performance.now();
await pool.close();
console.log(`\nic workload (evaluate + daily IC/RankIC 2014–2017, pool): ${sec(d - c)}; with load ${sec(d - c + t1 - t0)}`);
