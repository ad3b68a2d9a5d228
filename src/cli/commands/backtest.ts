/**
 * `quanta backtest`: a factor set (TSV or a library), or ready scores, through the whole
 * evaluation — combination model fitted on train (early-stopped on valid), IC per range,
 * TopK-Dropout portfolio with costs, risk metrics — to a summary on stdout (`--json` for machines),
 * the daily series (`--daily`) and an HTML report (`--report`). Progress and timings go to stderr.
 */
import type { CommandModule } from "yargs";
import { z } from "zod";
import { QuantaError } from "../../../factors/errors.ts";
import * as opt from "../options.ts";

const rangeText = z.string().min(1);
/** Repeated and comma-separated values (`--status active,watch --status retired`), as `quanta library`. */
const listOf = <T>(item: z.ZodType<T, string>) =>
  z
    .union([z.string(), z.array(z.union([z.string(), z.number()]))])
    .transform((v) =>
      (Array.isArray(v) ? v : [v])
        .flatMap((x) => String(x).split(","))
        .map((s) => s.trim())
        .filter((s) => s !== ""),
    )
    .pipe(z.array(item));

const Args = opt.commonArgs.omit({ dialect: true, start: true, end: true }).extend({
  exprs: z.string().min(1).optional(),
  scores: z.string().min(1).optional(),
  library: z.string().min(1).optional(),
  dialect: z.enum(["quanta", "qlib"]).optional(),
  status: listOf(z.string()).optional(),
  campaign: listOf(z.string()).optional(),
  train: rangeText.optional(),
  valid: rangeText.optional(),
  test: rangeText,
  model: z.enum(["linear", "gbdt"]).default("linear"),
  topk: z.number().int().min(1).default(50),
  nDrop: z.number().int().min(0).default(5),
  dealPrice: z.enum(["open", "close"]).default("close"),
  benchmark: z.string().min(1).optional(),
  report: z.string().min(1).optional(),
  daily: z.string().min(1).optional(),
  seed: z.number().int().min(0).default(0),
  costBuy: z.number().min(0).max(1).default(0.0005),
  costSell: z.number().min(0).max(1).default(0.0015),
  minCost: z.number().min(0).default(5),
  limit: z.number().min(0).max(10).default(0.095),
  tradeUnit: z.number().int().min(0).default(100),
  initCash: z.number().positive().default(1e8),
  capAtTopk: z.boolean().default(false),
  tradingDays: z.number().int().min(1).max(366).default(252),
  lambda: z.number().min(0).optional(),
  gbdtRows: z.number().int().min(1000).optional(),
  gbdtEngine: z.enum(["native", "xgboost"]).optional(),
  gbdtSeeds: z.number().int().min(1).max(32).default(1),
  gbdtParam: listOf(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*=[^=]+$/, "expected KEY=VALUE, e.g. max_depth=6")).optional(),
});
type BacktestArgs = z.infer<typeof Args>;

const num = (describe: string, dflt?: number) => ({ type: "number" as const, describe, ...(dflt !== undefined ? { default: dflt } : {}) });

export const backtestCommand: CommandModule = {
  command: "backtest",
  describe: "Fit a combination model on a factor set (or take ready scores), measure IC per range and backtest TopK-Dropout with costs",
  builder: (y) =>
    y
      .option("data", opt.dataOption)
      .option("exprs", { type: "string", describe: "TSV of name<TAB>expression lines (the model's features)" })
      .option("dialect", { choices: ["quanta", "qlib"], describe: "Dialect of --exprs (default quanta); with --library, keep only factors of this dialect" })
      .option("scores", { type: "string", describe: "Long CSV date,instrument,score: skip the model and backtest these scores" })
      .option("library", { type: "string", describe: "Factor library (SQLite): use its factors as the features (e.g. on another market)" })
      .option("status", { type: "string", array: true, describe: "With --library: factor statuses to use: active, watch, retired, rejected (default active)" })
      .option("campaign", { type: "string", array: true, describe: "With --library: only factors of these campaign(s)" })
      .option("train", { type: "string", describe: "Training range START:END (YYYY-MM-DD or YYYY on either side), or one year YYYY" })
      .option("valid", { type: "string", describe: "Validation range (early stopping for gbdt)" })
      .option("test", { type: "string", demandOption: true, describe: "Test range: the portfolio and the headline metrics" })
      .option("model", { choices: ["linear", "gbdt"], default: "linear", describe: "Combination model: ridge (linear) or gradient-boosted trees" })
      .option("topk", num("Names held by TopK-Dropout", 50))
      .option("n-drop", num("Names replaced per day at most", 5))
      .option("deal-price", { choices: ["open", "close"], default: "close", describe: "Trade at the open or the close of day t (signal of t−1)" })
      .option("benchmark", { type: "string", describe: "Index file[:INSTRUMENT] (long CSV with a close column); default: the equal-weight universe" })
      .option("universe", opt.universeOption)
      .option("report", { type: "string", describe: "Write a self-contained HTML report here" })
      .option("daily", { type: "string", describe: "Write the test range's daily series here (CSV)" })
      .option("json", opt.jsonOption)
      .option("threads", opt.threadsOption)
      .option("seed", num("Seed of the model (gbdt sampling)", 0))
      .option("cost-buy", num("Buy cost rate", 0.0005))
      .option("cost-sell", num("Sell cost rate", 0.0015))
      .option("min-cost", num("Minimum cost per trade", 5))
      .option("limit", num("Price-limit threshold: |change| ≥ this blocks trading (0 disables)", 0.095))
      .option("trade-unit", num("Shares per lot where the data has a factor column (0 disables rounding)", 100))
      .option("init-cash", num("Starting cash of the account", 1e8))
      .option("cap-at-topk", {
        type: "boolean",
        default: false,
        describe: "Size buys by the sells actually placed, so the book never holds more than topk (qlib counts planned sells, blocked ones too: issue #809)",
      })
      .option("trading-days", num("Annualisation N (252; qlib uses 238)", 252))
      .option("lambda", num("Ridge penalty of the linear model (default 0.01)"))
      .option("gbdt-engine", { choices: ["native", "xgboost"], describe: "gbdt: the TypeScript histogram engine (default) or XGBoost as WASM (slow; use --gbdt-rows)" })
      .option("gbdt-rows", num("gbdt, xgboost engine: train on at most this many rows (seeded sample)"))
      .option("gbdt-seeds", num("gbdt: average this many models fitted with seeds --seed, --seed + 1, … (as the campaign's final model, finalPool.gbdt.seeds)", 1))
      .option("gbdt-param", {
        type: "string",
        array: true,
        describe: "gbdt: a booster parameter KEY=VALUE over qlib's defaults (repeatable or comma-separated), e.g. max_depth=6,eta=0.05,min_child_weight=50",
      })
      .option("strict", opt.strictOption)
      .example(
        "$0 backtest --data csi300.csv.gz --universe members.csv.gz --benchmark index.csv.gz:SH000300 --exprs alpha158.tsv --dialect qlib --train 2010:2014 --valid 2015:2015 --test 2016:2018 --model gbdt --report out.html",
        "",
      )
      .example("$0 backtest --data prices.csv.gz --scores scores.csv --test 2017-01-01:2017-12-31 --daily daily.csv --json", ""),
  handler: async (argv) => {
    const a = opt.readArgs(Args, argv);
    await runBacktestCommand(a);
  },
};

type Signal = { kind: "exprs"; path: string } | { kind: "scores"; path: string } | { kind: "library"; path: string };

function signalOf(a: BacktestArgs): Signal {
  const given = (["exprs", "scores", "library"] as const).filter((k) => a[k] !== undefined);
  if (given.length !== 1) {
    throw new QuantaError(
      given.length === 0 ? "name what to backtest: --exprs FILE.tsv, --scores SCORES.csv or --library LIB.db" : `--${given.join(" and --")}: give only one`,
    );
  }
  const kind = given[0]!;
  return { kind, path: a[kind]! };
}

/** `FILE` or `FILE:INSTRUMENT` (a path that exists as written wins over the split). */
export async function parseBenchmarkSpec(spec: string): Promise<{ file: string; instrument?: string }> {
  const { existsSync } = await import("node:fs");
  if (existsSync(spec)) return { file: spec };
  const k = spec.lastIndexOf(":");
  if (k > 0 && k < spec.length - 1) return { file: spec.slice(0, k), instrument: spec.slice(k + 1) };
  return { file: spec };
}

async function runBacktestCommand(a: BacktestArgs): Promise<void> {
  const signal = signalOf(a);
  if (a.model !== "gbdt" && (a.gbdtSeeds !== 1 || a.gbdtParam !== undefined)) {
    throw new QuantaError(`--${a.gbdtSeeds !== 1 ? "gbdt-seeds" : "gbdt-param"} applies to --model gbdt only`);
  }
  const split = await import("../../../backtest/split.ts");
  // A lone year is that whole year (`--valid 2015` = 2015:2015).
  const parseDateRange = (text: string) => split.parseDateRange(/^\s*\d{4}\s*$/.test(text) ? `${text}:${text}` : text);
  const ranges = {
    ...(a.train ? { train: parseDateRange(a.train) } : {}),
    ...(a.valid ? { valid: parseDateRange(a.valid) } : {}),
    test: parseDateRange(a.test),
  };
  if (signal.kind !== "scores" && !a.train) throw new QuantaError(`--train is required to fit the model on --${signal.kind}`);
  if (signal.kind !== "scores" && a.model === "gbdt" && !a.valid) throw new QuantaError("--valid is required with --model gbdt (early stopping)");
  if (signal.kind === "scores" && (a.dialect || a.status || a.campaign)) throw new QuantaError("--dialect, --status and --campaign do not apply to --scores");
  if (signal.kind === "exprs" && (a.status || a.campaign)) throw new QuantaError("--status and --campaign apply only to --library");

  const { requireExisting } = await import("../../data/load.ts");
  requireExisting(signal.path);
  if (a.universe) requireExisting(a.universe);
  const bench = a.benchmark ? await parseBenchmarkSpec(a.benchmark) : undefined;
  if (bench) requireExisting(bench.file);

  const log = (m: string) => process.stderr.write(`backtest: ${m}\n`);
  const timings: Record<string, number> = {};
  const t00 = performance.now();
  const timed = async <T>(name: string, work: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    const r = await work();
    timings[name] = (timings[name] ?? 0) + (performance.now() - t0) / 1000;
    return r;
  };

  // Library selection first: a bad library fails before the data is read.
  let items: import("../../io/exprs-file.ts").NamedExpression[] | undefined;
  let dialect: "quanta" | "qlib" = a.dialect ?? "quanta";
  let itemsSource = signal.path;
  if (signal.kind === "library") {
    const { loadLibraryFactorSet } = await import("../../review/transfer.ts");
    const { FACTOR_STATUSES } = await import("../../library/types.ts");
    const known: readonly string[] = FACTOR_STATUSES;
    const bad = (a.status ?? []).filter((s) => !known.includes(s));
    if (bad.length > 0) throw new QuantaError(`--status ${bad.join(", ")}: expected one of ${known.join(", ")}`);
    const set = loadLibraryFactorSet(signal.path, {
      ...(a.status ? { status: a.status as (typeof FACTOR_STATUSES)[number][] } : {}),
      ...(a.campaign ? { campaign: a.campaign } : {}),
      ...(a.dialect ? { dialect: a.dialect } : {}),
    });
    items = set.items;
    dialect = set.dialect;
    itemsSource = set.source;
  } else if (signal.kind === "exprs") {
    const { readExpressionsTsv } = await import("../../io/exprs-file.ts");
    items = readExpressionsTsv(signal.path);
  }

  const { loadData } = await import("../../workflow/load.ts");
  const { panel } = await timed("load", () => loadData(a.data, { ...(a.universe ? { universe: a.universe } : {}), strict: a.strict }));
  log(`data ${a.data}: ${panel.nInst} instruments × ${panel.nDates} dates (${panel.dates[0]} … ${panel.dates[panel.nDates - 1]}), load ${sec(timings.load!)}`);

  const wf = await import("../../workflow/backtest.ts");
  // Bad, overlapping or empty ranges fail before any heavy work.
  const splits = wf.backtestSplits(panel, ranges);

  const { equalWeightBenchmark, indexBenchmark } = await import("../../../backtest/benchmark.ts");
  let benchName = "equal-weight universe";
  const benchReturns = await timed("benchmark", async () => {
    if (!bench) return equalWeightBenchmark(panel);
    const { loadIndexSeries } = await import("../../data/index-series.ts");
    const series = await loadIndexSeries(bench.file, bench.instrument);
    benchName = `${series.instrument} (${bench.file})`;
    const r = indexBenchmark(panel, series.dates, series.close);
    const test = splits[splits.length - 1]!;
    let have = 0;
    for (let t = test.from; t <= test.to; t++) if (Number.isFinite(r[t]!)) have++;
    if (have === 0) throw new QuantaError(`--benchmark ${a.benchmark}: ${series.instrument} has no return on any date of the test range ${a.test}`);
    if (have < test.nDates) log(`warning: benchmark ${series.instrument} has no return on ${test.nDates - have} of ${test.nDates} test dates (counted as 0)`);
    return r;
  });

  let factors: { name: string; expression: string; dialect: string; values: Float64Array }[] | undefined;
  let scores: Float64Array | undefined;
  let pool: import("../../pool/pool.ts").EvalPool | undefined;
  try {
    if (items) {
      const { prepareFactorSet } = await import("../../workflow/factor-set.ts");
      const set = prepareFactorSet(items, dialect, panel, { strict: a.strict, source: itemsSource });
      for (const s of set.skipped) log(`warning: skipped ${s.name}: ${s.reason}`);
      const { EvalPool } = await import("../../pool/pool.ts");
      const { evaluateFactorSet } = await import("../../workflow/screen.ts");
      pool = new EvalPool(a.threads ? { threads: a.threads } : {});
      const p = pool;
      const { values } = await timed("evaluate", () => evaluateFactorSet(panel, set.factors, dialect, p));
      log(`evaluated ${set.factors.length} factors (${dialect}) on ${p.threads} thread(s) in ${sec(timings.evaluate!)}`);
      factors = set.factors.map((f, k) => ({ name: f.name, expression: f.source, dialect, values: values[k]! }));
      await p.close();
      pool = undefined;
    } else {
      const { readScoresFile } = await import("../../workflow/backtest-scores.ts");
      const file = await timed("scores", () => readScoresFile(signal.path, panel));
      const masked = wf.maskToMembers(file.scores, panel);
      log(`scores ${signal.path}: ${file.rows} rows (${file.firstDate} … ${file.lastDate})${masked ? `, ${masked} outside the universe ignored` : ""}`);
      const test = splits[splits.length - 1]!;
      let inTest = 0;
      for (let i = 0; i < panel.nInst && inTest === 0; i++) {
        const base = i * panel.nDates;
        for (let t = test.from; t < test.to; t++) if (!Number.isNaN(file.scores[base + t]!)) inTest++;
      }
      if (inTest === 0) throw new QuantaError(`--scores ${signal.path}: no score on any date of the test range ${a.test} (the file covers ${file.firstDate} … ${file.lastDate})`);
      scores = file.scores;
    }
  } finally {
    if (pool) await pool.close();
  }

  const model =
    a.model === "linear"
      ? { kind: "linear" as const, ...(a.lambda !== undefined ? { linear: { lambda: a.lambda } } : {}) }
      : {
          kind: "gbdt" as const,
          gbdt: {
            seed: a.seed,
            ...(a.gbdtEngine ? { engine: a.gbdtEngine } : {}),
            ...(a.gbdtRows !== undefined ? { maxRows: a.gbdtRows } : {}),
            ...(a.gbdtParam ? { params: gbdtParams(a.gbdtParam) } : {}),
          },
          gbdtSeeds: a.gbdtSeeds,
        };
  const topk = {
    topk: a.topk,
    nDrop: a.nDrop,
    dealPrice: a.dealPrice,
    openCost: a.costBuy,
    closeCost: a.costSell,
    minCost: a.minCost,
    limitThreshold: a.limit > 0 ? a.limit : null,
    tradeUnit: a.tradeUnit > 0 ? a.tradeUnit : null,
    initCash: a.initCash,
    capAtTopk: a.capAtTopk,
  };
  const outcome = await wf.runBacktest(panel, {
    ranges,
    ...(factors ? { factors, model } : { scores: scores! }),
    topk,
    bench: benchReturns,
    tradingDays: a.tradingDays,
    factorMetrics: factors !== undefined && a.report !== undefined,
    onStep: (step, ms, detail) => {
      timings[step] = (timings[step] ?? 0) + ms / 1000;
      log(`${step} ${sec(ms / 1000)}${detail ? `: ${detail}` : ""}`);
    },
  });

  if (a.daily) {
    const path = a.daily;
    await timed("daily", () => writeDailyCsv(path, outcome, panel.instruments));
    log(`wrote ${path}`);
  }
  if (a.report) {
    const path = a.report;
    await timed("report", async () => {
      const { backtestReportData } = await import("../../workflow/backtest-report.ts");
      const { renderReport, writeReportAtomic } = await import("../../report/index.ts");
      const data = backtestReportData(panel, outcome, {
        title: "quanta backtest",
        source: a.data,
        ...(a.universe ? { universe: a.universe } : {}),
        benchmark: benchName,
        settings: settingsOf(a, signal, outcome.model ? wf.modelDetail(outcome.model) : "scores as given"),
        ...(factors ? { factors } : {}),
      });
      await writeReportAtomic(path, renderReport(data));
    });
    log(`wrote ${path} in ${sec(timings.report!)}`);
  }
  timings.total = (performance.now() - t00) / 1000;

  if (a.json) {
    process.stdout.write(JSON.stringify(jsonOutcome(a, signal, factors?.map((f) => f.name) ?? [], outcome, panel, benchName, timings), null, 1) + "\n");
  } else {
    process.stdout.write(formatSummary(outcome, benchName));
  }
  log(`done in ${sec(timings.total)}`);
}

/** `KEY=VALUE` pairs as booster parameters: numbers where the value is one, else the text. */
export function gbdtParams(pairs: readonly string[]): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const p of pairs) {
    const at = p.indexOf("=");
    const key = p.slice(0, at);
    const text = p.slice(at + 1).trim();
    const v = Number(text);
    out[key] = text !== "" && Number.isFinite(v) ? v : text;
  }
  return out;
}

function settingsOf(a: BacktestArgs, signal: Signal, model: string): Record<string, string | number | boolean> {
  return {
    signal: `${signal.kind} ${signal.path}`,
    model,
    topk: a.topk,
    n_drop: a.nDrop,
    deal_price: a.dealPrice,
    cost_buy: a.costBuy,
    cost_sell: a.costSell,
    min_cost: a.minCost,
    limit: a.limit,
    trade_unit: a.tradeUnit,
    cap_at_topk: a.capAtTopk,
    seed: a.seed,
    ...(a.model === "gbdt" ? { gbdt_seeds: a.gbdtSeeds, ...(a.gbdtParam ? { gbdt_params: a.gbdtParam.join(",") } : {}) } : {}),
  };
}

function sec(s: number): string {
  return `${s.toFixed(2)} s`;
}

/** Finite number or null (JSON has no NaN). */
function n(x: number | undefined): number | null {
  return x !== undefined && Number.isFinite(x) ? x : null;
}

type Outcome = import("../../workflow/backtest.ts").BacktestOutcome;
type RangeOutcome = import("../../workflow/backtest.ts").RangeOutcome;

/**
 * Metrics of one range. Portfolio metrics are on the daily *excess* return: without cost
 * (`arr`, `ir`, `mdd`, `calmar`, `winRate`) and with cost (the `…WithCost` twins).
 */
export function rangeJson(r: RangeOutcome, panel: { dates: readonly string[] }) {
  const s = r.summary;
  return {
    start: panel.dates[r.split.from] ?? null,
    end: panel.dates[r.split.to] ?? null,
    days: r.split.nDates,
    ic: n(r.ic.ic),
    icir: n(r.ic.icir),
    rankIc: n(r.ic.rankIc),
    rankIcir: n(r.ic.rankIcir),
    icDays: r.ic.days,
    arr: n(s?.excess.arr),
    ir: n(s?.excess.ir),
    mdd: n(s?.excess.mdd),
    calmar: n(s?.excess.calmar),
    winRate: n(s?.excess.winRate),
    arrWithCost: n(s?.excessWithCost.arr),
    irWithCost: n(s?.excessWithCost.ir),
    mddWithCost: n(s?.excessWithCost.mdd),
    calmarWithCost: n(s?.excessWithCost.calmar),
    winRateWithCost: n(s?.excessWithCost.winRate),
    turnover: n(s?.turnover),
    cost: n(s?.cost),
    portfolioArr: n(s?.portfolio.arr),
    benchArr: n(s?.bench.arr),
    annual: r.annual.map((y) => ({
      year: Number(y.year),
      ic: n(y.ic),
      rankIc: n(y.rankIc),
      excessReturn: n(y.excessReturn),
      excessReturnWithCost: n(y.excessReturnWithCost),
      arrWithCost: n(y.arrWithCost),
      irWithCost: n(y.irWithCost),
      mddWithCost: n(y.mddWithCost),
      turnover: n(y.turnover),
      days: y.days,
    })),
  };
}

function jsonOutcome(a: BacktestArgs, signal: Signal, features: readonly string[], o: Outcome, panel: { dates: readonly string[]; nInst: number; nDates: number }, bench: string, timings: Record<string, number>) {
  const gb = o.model?.state.kind === "gbdt" ? o.model.state.info : undefined;
  return {
    ranges: Object.fromEntries(o.ranges.map((r) => [r.name, rangeJson(r, panel)])),
    model: o.model
      ? {
          kind: o.model.kind,
          ...(gb ? { trees: gb.bestRounds, roundsTrained: gb.roundsTrained, trainRows: gb.trainRows, ...(gb.members ? { members: gb.members } : {}) } : {}),
        }
      : null,
    signal: { kind: signal.kind, path: signal.path },
    /** The model's features (factors evaluated on the data; skipped ones are absent). */
    features,
    data: { source: a.data, instruments: panel.nInst, dates: panel.nDates, universe: a.universe ?? null },
    benchmark: bench,
    settings: {
      topk: a.topk,
      nDrop: a.nDrop,
      dealPrice: a.dealPrice,
      costBuy: a.costBuy,
      costSell: a.costSell,
      minCost: a.minCost,
      limit: a.limit > 0 ? a.limit : null,
      tradeUnit: a.tradeUnit > 0 ? a.tradeUnit : null,
      initCash: a.initCash,
      capAtTopk: a.capAtTopk,
      tradingDays: a.tradingDays,
      seed: a.seed,
      ...(a.model === "gbdt" ? { gbdtSeeds: a.gbdtSeeds, gbdtParams: a.gbdtParam ? gbdtParams(a.gbdtParam) : {} } : {}),
    },
    ...(o.factorMetrics
      ? {
          factors: o.factorMetrics.map((f) => ({
            name: f.name,
            ...Object.fromEntries(
              Object.entries(f.metrics).map(([k, m]) => [k, { ic: n(m.ic), icir: n(m.icir), rankIc: n(m.rankIc), rankIcir: n(m.rankIcir) }]),
            ),
          })),
        }
      : {}),
    timings: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v * 1000) / 1000])),
  };
}

/** The human summary: one row per range. */
export function formatSummary(o: Outcome, bench: string): string {
  const pct = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? `${(x * 100).toFixed(2)}%`.padStart(9) : "        —");
  const f = (x: number | undefined, d = 4) => (x !== undefined && Number.isFinite(x) ? x.toFixed(d).padStart(8) : "       —");
  const lines = [
    `range         IC     ICIR   RankIC RankICIR   ARR(ex)  ARR(ex+c)  IR(ex+c)  MDD(ex+c)  turnover`,
  ];
  for (const r of o.ranges) {
    const s = r.summary;
    lines.push(
      `${r.name.padEnd(6)} ${f(r.ic.ic)} ${f(r.ic.icir)} ${f(r.ic.rankIc)} ${f(r.ic.rankIcir)} ${pct(s?.excess.arr)}  ${pct(s?.excessWithCost.arr)} ${f(s?.excessWithCost.ir, 3)}  ${pct(s?.excessWithCost.mdd)} ${pct(s?.turnover)}`,
    );
  }
  lines.push(`excess return over ${bench}; ex = without cost, ex+c = with cost; ARR = mean daily × N, MDD on the cumulative sum`);
  return lines.join("\n") + "\n";
}

async function writeDailyCsv(path: string, o: Outcome, instruments: readonly string[]): Promise<void> {
  const p = o.test.portfolio;
  if (!p) throw new Error("no portfolio on the test range");
  const { topkDailyRecords } = await import("../../../backtest/topk.ts");
  const v = (x: number) => (Number.isFinite(x) ? String(x) : "");
  const lines = ["date,value,return,cost,turnover,bench,excess,excessWithCost,holdings"];
  for (const r of topkDailyRecords(p, instruments)) {
    lines.push([r.date, v(r.value), v(r.return), v(r.cost), v(r.turnover), v(r.bench), v(r.excess), v(r.excessWithCost), r.holdings].join(","));
  }
  const { writeFileSync, renameSync } = await import("node:fs");
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, lines.join("\n") + "\n");
  renameSync(tmp, path);
}
