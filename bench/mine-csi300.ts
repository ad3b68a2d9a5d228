/**
 * The end-to-end check of `quanta mine` on CSI 300 (tracker issue 5): a paper-size offline campaign
 * (10 directions, 11 rounds, 3 factors per hypothesis, 10 crossovers per round) mining on
 * 2010–2014 (train) and 2015 (valid), universe from the point-in-time membership, benchmark
 * SH000300; its final pool (gbdt) is then backtested on 2016–2018. `--market sp500` runs the same
 * check on the S&P 500 file as a second held-out market (mining 2013–2015 / 2016, test 2017–2018,
 * benchmark SPX, every instrument of the file as the universe). Prints the final pool's
 * metrics per range next to Alpha158 + gbdt through `quanta backtest` on the same ranges, and the
 * verdict: the pool must beat the baseline on test RankIC and on test excess return with cost,
 * and the campaign must finish in under 15 minutes.
 *
 *   node --import tsx bench/mine-csi300.ts [--market csi300|sp500] [--seed N] [--baseline-params final|qlib] [--baseline-only] [extra quanta mine flags, e.g. --threads 2]
 *
 * The baseline is fitted with the campaign's own final combiner: the average of
 * finalPool.gbdt.seeds (4) gbdt models with seeds N, N+1, … and the final model's booster
 * parameters (GBDT_FINAL_PARAMS), so the comparison is between feature sets only.
 * `--baseline-params qlib` uses qlib's Alpha158 parameters instead (still N's seeds). The
 * baseline's numbers are cached per seed, seed count and parameters in the directory
 * $QUANTA_BASELINE_CACHE (default the system temporary directory; delete the file to rerun,
 * ~5 min). Both commands run the real CLI from the TypeScript sources. Reads ../shared/data by path (never copied into the repo);
 * exits quietly when it is absent. The run directory (library, report, summary) goes to
 * $QUANTA_BENCH_OUT (default a temporary directory). Exit 1 when the pool does not beat the
 * baseline on both, or the campaign is too slow.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { GBDT_FINAL_PARAMS, GBDT_FINAL_SEEDS } from "../src/campaign/config.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const shared = join(root, "..", "shared");
const data = join(shared, "data");
/** A market's files and the campaign's ranges (`train`/`test` as A:B years, `valid` one year). */
interface Market {
  readonly prices: string;
  readonly members?: string;
  readonly benchmark: { readonly file: string; readonly instrument: string };
  readonly train: string;
  readonly valid: string;
  readonly test: string;
}
const MARKETS: Record<string, Market> = {
  csi300: {
    prices: join(data, "csi300_2010_2018.csv.gz"),
    members: join(data, "csi300_membership_2010_2018.csv.gz"),
    benchmark: { file: join(data, "index_cn_2010_2018.csv.gz"), instrument: "SH000300" },
    train: "2010:2014", valid: "2015", test: "2016:2018",
  },
  sp500: {
    prices: join(data, "sp500_5yr_2013_2018.csv.gz"),
    benchmark: { file: join(data, "index_sp500_gspc_1927_2023.csv.gz"), instrument: "SPX" },
    train: "2013:2015", valid: "2016", test: "2017:2018",
  },
};

const TIME_LIMIT_S = 15 * 60;
const argv = process.argv.slice(2);
/** Removes `--flag VALUE` from argv and returns VALUE (the rest goes to quanta mine). */
function takeFlag(flag: string): string | undefined {
  const at = argv.indexOf(flag);
  if (at < 0) return undefined;
  const v = argv[at + 1];
  argv.splice(at, 2);
  return v;
}
const marketName = takeFlag("--market") ?? "csi300";
const found = MARKETS[marketName];
if (found === undefined) {
  console.error(`bench: --market takes ${Object.keys(MARKETS).join(" or ")}`);
  process.exit(2);
}
const market: Market = found;
const alpha158 = join(root, "factors", "zoo", "alpha158.tsv");
const missing = [market.prices, market.members, market.benchmark.file, alpha158].filter((f): f is string => f !== undefined && !existsSync(f));
if (missing.length > 0) {
  console.log(`bench: ${missing.join(", ")} not found; nothing to measure`);
  process.exit(0);
}
const seed = Number(takeFlag("--seed") ?? 42);
const baselineParams = takeFlag("--baseline-params") ?? "final";
const baselineOnly = argv.includes("--baseline-only");
if (baselineOnly) argv.splice(argv.indexOf("--baseline-only"), 1);
const extra = argv;
if (!Number.isInteger(seed) || seed < 0) {
  console.error("bench: --seed takes a non-negative integer");
  process.exit(2);
}
if (baselineParams !== "final" && baselineParams !== "qlib") {
  console.error("bench: --baseline-params takes final or qlib");
  process.exit(2);
}
// The campaign's final model: GBDT_FINAL_SEEDS models with seeds seed, seed + 1, … (src/campaign/final.ts).
const gbdtParams = baselineParams === "final" ? Object.entries(GBDT_FINAL_PARAMS).map(([k, v]) => `${k}=${v}`) : [];
const out = process.env.QUANTA_BENCH_OUT ?? mkdtempSync(join(tmpdir(), `quanta-mine-${marketName}-`));
const cacheKey = `seed${seed}x${GBDT_FINAL_SEEDS}${gbdtParams.length > 0 ? `-${gbdtParams.join("-")}` : "-qlib"}`;
const cachePath = join(process.env.QUANTA_BASELINE_CACHE ?? tmpdir(), `quanta-${marketName}-alpha158-gbdt-${cacheKey}.json`);
const common = [
  "--data", market.prices,
  ...(market.members ? ["--universe", market.members] : []),
  "--benchmark", `${market.benchmark.file}:${market.benchmark.instrument}`,
];

/** The metrics both commands report, per range. */
interface Metrics {
  rankIc: number | null;
  ic: number | null;
  rankIcir: number | null;
  arr: number | null;
  ir: number | null;
  mdd: number | null;
  /** Mean daily turnover of the TopK book (absent in caches written before it was recorded). */
  turnover?: number | null;
}

async function runCli(args: string[]): Promise<{ code: number; stdout: string; seconds: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "src", "cli", "entry.ts"), ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
  const code: number = await new Promise((resolve) => child.on("close", (c) => resolve(c ?? 1)));
  return { code, stdout, seconds: (performance.now() - t0) / 1000 };
}

type BacktestRange = Record<string, number | null>;

async function baseline(): Promise<Record<string, Metrics>> {
  if (existsSync(cachePath)) {
    console.log(`baseline: cached in ${cachePath}`);
    return JSON.parse(readFileSync(cachePath, "utf8")) as Record<string, Metrics>;
  }
  const args = [
    "backtest", ...common,
    "--exprs", alpha158, "--dialect", "qlib",
    "--train", market.train, "--valid", market.valid, "--test", market.test,
    "--deal-price", "close", "--model", "gbdt", "--json",
    "--seed", String(seed), "--gbdt-seeds", String(GBDT_FINAL_SEEDS),
    ...(gbdtParams.length > 0 ? ["--gbdt-param", gbdtParams.join(",")] : []),
  ];
  console.log(`baseline: quanta ${args.join(" ")}`);
  const r = await runCli(args);
  if (r.code !== 0) {
    console.log(`quanta backtest exited ${r.code}`);
    process.exit(1);
  }
  const ranges = (JSON.parse(r.stdout) as { ranges: Record<string, BacktestRange> }).ranges;
  const m: Record<string, Metrics> = {};
  for (const [name, x] of Object.entries(ranges)) {
    m[name] = { rankIc: x.rankIc ?? null, ic: x.ic ?? null, rankIcir: x.rankIcir ?? null, arr: x.arrWithCost ?? null, ir: x.irWithCost ?? null, mdd: x.mddWithCost ?? null, turnover: x.turnover ?? null };
  }
  writeFileSync(cachePath, JSON.stringify(m, null, 2));
  console.log(`baseline: ${r.seconds.toFixed(0)} s, cached in ${cachePath}`);
  return m;
}

const base = await baseline();
if (baselineOnly) {
  const b = base["test"];
  console.log(`BASELINE ${JSON.stringify({ key: cacheKey, rankIc: b?.rankIc ?? null, arr: b?.arr ?? null, mdd: b?.mdd ?? null, validRankIc: base["valid"]?.rankIc ?? null })}`);
  process.exit(0);
}
const mineArgs = [
  "mine", ...common,
  "--mining-train", market.train, "--mining-valid", `${market.valid}:${market.valid}`, "--test", market.test,
  "--directions", "10", "--rounds", "11", "--factors-per-hypothesis", "3",
  "--seed", String(seed), "--name", `${marketName}-seed${seed}`,
  "--run-dir", out, "--json", "--quiet",
  ...extra,
];
console.log(`\nquanta ${mineArgs.join(" ")}`);
const run = await runCli(mineArgs);
if (run.code !== 0) {
  console.log(`quanta mine exited ${run.code}`);
  process.exit(1);
}
interface MineRange { rankIc: number | null; ic: number | null; rankIcir: number | null; arr: number | null; ir: number | null; mdd: number | null; turnover?: number | null }
const summary = JSON.parse(run.stdout) as {
  factors: { mined: number; accepted: number };
  finalPool: { size: number; model: string; notes: string[]; train: MineRange; valid: MineRange; test: MineRange };
  elapsedSeconds: number;
};
const p = summary.finalPool;
const f = (x: number | null | undefined, d = 4) => (typeof x === "number" ? x.toFixed(d) : "—").padStart(9);
const pct = (x: number | null | undefined) => (typeof x === "number" ? `${(x * 100).toFixed(2)}%` : "—").padStart(9);
const row = (label: string, m: Metrics | MineRange | undefined) =>
  `${label.padEnd(22)}${f(m?.rankIc)}${f(m?.ic)}${f(m?.rankIcir, 3)}${pct(m?.arr)}${f(m?.ir, 3)}${pct(m?.mdd)}`;

console.log(`\nseed ${seed}: ${summary.factors.mined} factors mined, ${summary.factors.accepted} accepted; final pool ${p.size} factors, model ${p.model}`);
for (const n of p.notes) console.log(`  note: ${n}`);
console.log(`\n${"".padEnd(22)}   RankIC       IC RankICIR ARR(ex+c) IR(ex+c) MDD(ex+c)`);
for (const name of ["train", "valid", "test"] as const) {
  console.log(row(`pool ${name}`, p[name]));
  console.log(row(`alpha158 ${name}`, base[name]));
}
const runtime = summary.elapsedSeconds;
const t = p.test;
const b = base["test"];
const beatsIc = typeof t.rankIc === "number" && typeof b?.rankIc === "number" && t.rankIc > b.rankIc;
const beatsArr = typeof t.arr === "number" && typeof b?.arr === "number" && t.arr > b.arr;
const inTime = runtime < TIME_LIMIT_S;
console.log(`\ncampaign ${runtime.toFixed(0)} s (process ${run.seconds.toFixed(0)} s), limit ${TIME_LIMIT_S} s: ${inTime ? "ok" : "TOO SLOW"}`);
console.log(`test RankIC ${f(t.rankIc).trim()} vs ${f(b?.rankIc).trim()}: ${beatsIc ? "beats" : "does not beat"}`);
console.log(`test excess ARR with cost ${pct(t.arr).trim()} vs ${pct(b?.arr).trim()}: ${beatsArr ? "beats" : "does not beat"}`);
console.log(`run dir: ${out}`);
console.log(`baseline: Alpha158 + gbdt averaged over ${GBDT_FINAL_SEEDS} seeds from ${seed}, ${gbdtParams.length > 0 ? gbdtParams.join(",") : "qlib parameters"}`);
// One machine-readable line for collecting seeds into a table.
console.log(
  `RESULT ${JSON.stringify({ seed, rankIc: t.rankIc, ic: t.ic, arr: t.arr, ir: t.ir, mdd: t.mdd, turnover: t.turnover ?? null, validRankIc: p.valid.rankIc, size: p.size, seconds: Math.round(runtime), baseline: { key: cacheKey, rankIc: b?.rankIc ?? null, arr: b?.arr ?? null, mdd: b?.mdd ?? null, turnover: b?.turnover ?? null } })}`,
);
const ok = beatsIc && beatsArr && inTime;
console.log(ok ? "PASS" : "FAIL");
process.exit(ok ? 0 : 1);
