/**
 * `quanta library …`: review a factor library — list, show, lineage, corr, compare, status,
 * export, import, report. Every subcommand takes `--library FILE` and `--json`. Read-only
 * subcommands open the library read-only, so they never create or change a file.
 */
import type { Argv, CommandModule, Options } from "yargs";
import { z } from "zod";
import * as opt from "../options.ts";
import type { FactorLibrary } from "../../library/index.ts";
import type { FactorSelection } from "../../review/select.ts";

const STATUSES = ["active", "retired", "watch", "rejected"] as const;
const SORT_KEYS = ["rankIc", "ic", "rankIcir", "icir", "id", "name", "createdAt", "round"] as const;
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD");

const libraryOption: Options = { type: "string", demandOption: true, describe: "Factor library (SQLite file)" };
const dataOptional: Options = { type: "string", describe: "Market data to evaluate on (CSV/.csv.gz/.parquet/qlib dir/synthetic[:SEED])" };

/** Flatten repeated and comma-separated values: --status active,watch --status retired. */
const listOf = <T>(item: z.ZodType<T, string>) =>
  z
    .union([z.string(), z.number(), z.array(z.union([z.string(), z.number()]))])
    .transform((v) =>
      (Array.isArray(v) ? v : [v])
        .flatMap((x) => String(x).split(","))
        .map((s) => s.trim())
        .filter((s) => s !== ""),
    )
    .pipe(z.array(item));

const Base = z.object({ library: z.string().min(1), json: z.boolean().default(false), verbose: z.boolean().default(false) });

const Selection = z.object({
  campaign: listOf(z.string()).optional(),
  status: listOf(z.enum(STATUSES)).optional(),
  source: z.enum(["mined", "import"]).optional(),
  split: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, "split name: letters, digits, _ or -").default("valid"),
  minRankIc: z.number().optional(),
  minIc: z.number().optional(),
  minRankIcir: z.number().optional(),
  minIcir: z.number().optional(),
  sort: z.enum(SORT_KEYS).optional(),
  order: z.enum(["asc", "desc"]).optional(),
  limit: z.number().int().min(1).optional(),
  ids: listOf(z.string().regex(/^\d+$/, "factor ids are positive integers").transform(Number)).optional(),
});
type SelectionArgs = z.infer<typeof Selection>;

const DataWindow = z.object({
  data: z.string().min(1).optional(),
  start: isoDate.optional(),
  end: isoDate.optional(),
  universe: z.string().min(1).optional(),
  strict: z.boolean().default(false),
  threads: z.number().int().min(1).max(256).optional(),
});

function selectionOptions(y: Argv): Argv {
  return y
    .option("campaign", { type: "array", string: true, describe: "Only factors of these campaigns" })
    .option("status", { type: "array", string: true, describe: "Only these statuses: active, watch, retired, rejected (comma-separated or repeated)" })
    .option("source", { choices: ["mined", "import"], describe: "Only mined or only imported factors" })
    .option("split", { type: "string", default: "valid", describe: "Split whose metrics thresholds and sorting use (train, valid, recent, …)" })
    .option("min-rank-ic", { type: "number", describe: "Keep factors with RankIC ≥ this on --split" })
    .option("min-ic", { type: "number", describe: "Keep factors with IC ≥ this on --split" })
    .option("min-rank-icir", { type: "number", describe: "Keep factors with RankICIR ≥ this on --split" })
    .option("min-icir", { type: "number", describe: "Keep factors with ICIR ≥ this on --split" })
    .option("sort", { choices: [...SORT_KEYS], describe: "Sort key (default rankIc on --split, best first)" })
    .option("order", { choices: ["asc", "desc"], describe: "Sort order" })
    .option("limit", { type: "number", describe: "At most this many factors" })
    .option("ids", { type: "array", string: true, describe: "Exactly these factor ids (comma-separated or repeated)" });
}

function dataOptions(y: Argv, required = false): Argv {
  return y
    .option("data", required ? { ...dataOptional, demandOption: true } : dataOptional)
    .option("start", { type: "string", describe: "First date of the evaluation window (YYYY-MM-DD)" })
    .option("end", { type: "string", describe: "Last date of the evaluation window (YYYY-MM-DD)" })
    .option("universe", opt.universeOption)
    .option("strict", opt.strictOption)
    .option("threads", opt.threadsOption);
}

function toSelection(a: SelectionArgs, defaults: { status?: FactorSelection["status"]; limit?: number } = {}): FactorSelection {
  const explicit = (a.ids && a.ids.length > 0) || (a.status && a.status.length > 0);
  return {
    ...(a.ids && a.ids.length ? { ids: a.ids } : {}),
    ...(a.campaign && a.campaign.length ? { campaign: a.campaign } : {}),
    ...(a.status && a.status.length ? { status: a.status } : !explicit && defaults.status ? { status: defaults.status } : {}),
    ...(a.source ? { source: a.source } : {}),
    split: a.split,
    ...(a.minRankIc !== undefined ? { minRankIc: a.minRankIc } : {}),
    ...(a.minIc !== undefined ? { minIc: a.minIc } : {}),
    ...(a.minRankIcir !== undefined ? { minRankIcir: a.minRankIcir } : {}),
    ...(a.minIcir !== undefined ? { minIcir: a.minIcir } : {}),
    ...(a.sort ? { sort: a.sort } : {}),
    ...(a.order ? { order: a.order } : {}),
    ...(a.limit !== undefined ? { limit: a.limit } : !explicit && defaults.limit !== undefined ? { limit: defaults.limit } : {}),
  };
}

function print(text: string): void {
  process.stdout.write(text);
}

function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 1) + "\n");
}

async function openRead(path: string): Promise<FactorLibrary> {
  const { FactorLibrary } = await import("../../library/index.ts");
  return FactorLibrary.open(path, { readonly: true });
}

async function withLib<T>(path: string, fn: (lib: FactorLibrary) => Promise<T> | T, write = false): Promise<T> {
  const { FactorLibrary } = await import("../../library/index.ts");
  const lib = write ? FactorLibrary.open(path) : await openRead(path);
  try {
    return await fn(lib);
  } finally {
    lib.close();
  }
}

async function makeEvaluator(threads: number | undefined) {
  const { InProcessEvaluator, poolEvaluator } = await import("../../evolution/evaluator.ts");
  if (threads === 1) return { evaluator: new InProcessEvaluator(), close: async () => {} };
  const { EvalPool } = await import("../../pool/pool.ts");
  const pool = new EvalPool(threads ? { threads } : {});
  return { evaluator: poolEvaluator(pool), close: () => pool.close() };
}

// ---------------------------------------------------------------------------------------------

const ListArgs = Base.extend(Selection.shape);
const list: CommandModule = {
  command: "list",
  describe: "List factors, filtered by campaign, status and metric thresholds, best first",
  builder: (y) =>
    selectionOptions(y.option("library", libraryOption).option("json", opt.jsonOption))
      .example("$0 library list --library lib.db --status active --min-rank-ic 0.02 --limit 10", ""),
  handler: async (argv) => {
    const a = opt.readArgs(ListArgs, argv);
    const { selectFactors } = await import("../../review/select.ts");
    const { formatFactorTable } = await import("../../review/format.ts");
    const { factorRecord } = await import("../../review/export.ts");
    await withLib(a.library, (lib) => {
      const factors = selectFactors(lib, toSelection(a));
      if (a.json) printJson(factors.map(factorRecord));
      else print(formatFactorTable(factors, a.split));
    });
  },
};

const ShowArgs = Base.extend({ id: z.number().int().min(1) });
const show: CommandModule = {
  command: "show <id>",
  describe: "One factor: hypothesis, description, expression, metrics per range, gates, feedback, parents, history",
  builder: (y) =>
    y.positional("id", { type: "number", describe: "Factor id" }).option("library", libraryOption).option("json", opt.jsonOption),
  handler: async (argv) => {
    const a = opt.readArgs(ShowArgs, argv);
    const { factorDetail } = await import("../../review/detail.ts");
    const { formatDetail } = await import("../../review/format.ts");
    await withLib(a.library, (lib) => {
      const d = factorDetail(lib, a.id);
      if (a.json) printJson(d);
      else print(formatDetail(d));
    });
  },
};

const LineageArgs = Base.extend({ id: z.union([z.number(), z.string()]).transform(String), out: z.string().min(1).optional() });
const lineage: CommandModule = {
  command: "lineage <id>",
  describe: "The ancestry of a factor (by id) or a trajectory (by trajectory id) as a text tree; --out writes it as an HTML report",
  builder: (y) =>
    y
      .positional("id", { type: "string", describe: "Factor id (a number) or trajectory id" })
      .option("library", libraryOption)
      .option("out", { type: "string", describe: "Also write the lineage as an HTML report to this file" })
      .option("json", opt.jsonOption),
  handler: async (argv) => {
    const a = opt.readArgs(LineageArgs, argv);
    const { renderLineageText } = await import("../../library/index.ts");
    await withLib(a.library, async (lib) => {
      const key = /^\d+$/.test(a.id) ? Number(a.id) : a.id;
      const g = lib.lineage(key);
      if (a.out) {
        const { renderReport, writeReportAtomic } = await import("../../report/index.ts");
        const { lineageReportData } = await import("../../review/report.ts");
        await writeReportAtomic(a.out, renderReport(lineageReportData(lib, g, `quanta lineage of ${typeof key === "number" ? `factor ${key}` : key}`)));
        process.stderr.write(`wrote ${a.out}\n`);
      }
      if (a.json) {
        printJson({
          root: g.root,
          factor: typeof key === "number" ? key : null,
          nodes: g.nodes.map((t) => ({
            id: t.id,
            campaign: t.campaignId,
            round: t.round,
            phase: t.phase,
            direction: t.direction,
            hypothesis: t.hypothesis.statement,
            reward: t.reward,
            parents: t.parents,
            feedback: t.feedback,
            factors: t.factors.map((f) => ({ name: f.name, status: f.status, expression: f.expression })),
          })),
          edges: g.edges,
        });
      } else print(renderLineageText(g) + "\n");
    });
  },
};

const CorrArgs = Base.extend(Selection.shape).extend(DataWindow.shape).extend({ data: z.string().min(1) });
const corr: CommandModule = {
  command: "corr",
  describe: "Correlation matrix (mean daily cross-sectional rank correlation) of chosen factors on a date range",
  builder: (y) =>
    dataOptions(selectionOptions(y.option("library", libraryOption).option("json", opt.jsonOption)), true).example(
      "$0 library corr --library lib.db --data prices.csv.gz --status active --limit 10 --start 2017-01-01",
      "",
    ),
  handler: async (argv) => {
    const a = opt.readArgs(CorrArgs, argv);
    const { selectFactors } = await import("../../review/select.ts");
    const { evaluateStoredFactors } = await import("../../review/values.ts");
    const { rankCorrelationMatrix, matrixRows } = await import("../../review/correlation.ts");
    const { formatMatrix } = await import("../../review/format.ts");
    const { loadData } = await import("../../workflow/load.ts");
    const { windowOf } = await import("../../workflow/screen.ts");
    const factors = await withLib(a.library, (lib) => selectFactors(lib, toSelection(a, { status: ["active"], limit: 20 })));
    if (factors.length < 2) {
      const { QuantaError } = await import("../../../factors/errors.ts");
      throw new QuantaError(`corr needs at least 2 factors, the selection has ${factors.length}`);
    }
    const { panel } = await loadData(a.data, { ...(a.end ? { end: a.end } : {}), ...(a.universe ? { universe: a.universe } : {}), strict: a.strict });
    const { evaluator, close } = await makeEvaluator(a.threads);
    try {
      const ev = await evaluateStoredFactors(panel, factors, evaluator);
      for (const s of ev.skipped) process.stderr.write(`warning: skipped #${s.factor.id} ${s.factor.name}: ${s.reason}\n`);
      const w = windowOf(panel, a.start, a.end);
      const m = rankCorrelationMatrix(
        panel,
        ev.evaluated.map((e) => e.values),
        w,
      );
      const rows = matrixRows(m);
      const window = { start: panel.dates[w.from] ?? null, end: panel.dates[w.to] ?? null };
      if (a.json) {
        printJson({ window, factors: ev.evaluated.map((e) => ({ id: e.factor.id, name: e.factor.name })), matrix: rows, skipped: ev.skipped.map((s) => ({ id: s.factor.id, reason: s.reason })) });
      } else {
        print(`mean daily cross-sectional rank correlation on ${window.start} .. ${window.end}\n`);
        print(formatMatrix(ev.evaluated.map((e) => `#${e.factor.id} ${e.factor.name}`), rows));
      }
    } finally {
      await close();
    }
  },
};

const CompareArgs = Base.extend(DataWindow.shape).extend({
  a: z.string().min(1),
  b: z.string().min(1),
  split: z.string().default("valid"),
  dialect: z.enum(["quanta", "qlib"]).default("quanta"),
  top: z.number().int().min(0).default(10),
});
const compare: CommandModule = {
  command: "compare <a> <b>",
  describe: "Two campaigns or factor sets side by side (a side: campaign id, ids:1,2,3, status:active, or a TSV/JSON file)",
  builder: (y) =>
    dataOptions(
      y
        .positional("a", { type: "string", describe: "First side" })
        .positional("b", { type: "string", describe: "Second side" })
        .option("library", libraryOption)
        .option("split", { type: "string", default: "valid", describe: "Stored split compared when no --data is given" })
        .option("dialect", { ...opt.dialectOption, describe: "Dialect of expressions in file sides" })
        .option("top", { type: "number", default: 10, describe: "Top factors listed per side" })
        .option("json", opt.jsonOption),
    ).example("$0 library compare --library lib.db c-1a2b3c4d c-5e6f7a8b --data prices.csv.gz --start 2017-01-01", ""),
  handler: async (argv) => {
    const a = opt.readArgs(CompareArgs, argv);
    const { resolveSide, compareSides, formatComparison } = await import("../../review/compare.ts");
    await withLib(a.library, async (lib) => {
      const A = resolveSide(lib, a.a, a.dialect);
      const B = resolveSide(lib, a.b, a.dialect);
      let result;
      if (a.data) {
        const { loadData } = await import("../../workflow/load.ts");
        const { windowOf } = await import("../../workflow/screen.ts");
        // The label at t reads t+2: load past --end, as `quanta ic` does.
        const { panel } = await loadData(a.data, { ...(a.universe ? { universe: a.universe } : {}), strict: a.strict });
        const { evaluator, close } = await makeEvaluator(a.threads);
        try {
          result = await compareSides(A, B, { split: a.split, panel, window: windowOf(panel, a.start, a.end), evaluator });
        } finally {
          await close();
        }
      } else result = await compareSides(A, B, { split: a.split });
      if (a.json) printJson(result);
      else print(formatComparison(result, a.top));
    });
  },
};

const StatusArgs = Base.extend({ id: z.number().int().min(1), status: z.enum(STATUSES), reason: z.string().optional() });
const status: CommandModule = {
  command: "status <id> <status>",
  describe: "Set a factor's review status: active, watch or retired (logged in its history)",
  builder: (y) =>
    y
      .positional("id", { type: "number", describe: "Factor id" })
      .positional("status", { choices: [...STATUSES], describe: "New status" })
      .option("library", libraryOption)
      .option("reason", { type: "string", describe: "Why (stored with the change)" })
      .option("json", opt.jsonOption),
  handler: async (argv) => {
    const a = opt.readArgs(StatusArgs, argv);
    const { withLibraryLock } = await import("../../library/index.ts");
    const { RETRAIN_LOCK } = await import("../../retrain/run.ts");
    const { QuantaError } = await import("../../../factors/errors.ts");
    const { existsSync } = await import("node:fs");
    if (!existsSync(a.library)) throw new QuantaError(`no library at ${a.library}`);
    // Not while a retrain is applying its verdicts: it would overwrite this change.
    await withLibraryLock(a.library, RETRAIN_LOCK, () =>
      withLib(
        a.library,
        (lib) => {
          const before = lib.getFactor(a.id);
          if (!before) throw new QuantaError(`no factor ${a.id} in library ${a.library}`);
          const after = lib.setStatus(a.id, a.status, { reason: a.reason ?? "set by hand" });
          if (a.json) printJson({ id: after.id, name: after.name, from: before.status, to: after.status, reason: after.statusReason });
          else print(`factor ${after.id} (${after.name}): ${before.status} → ${after.status}${after.statusReason ? ` (${after.statusReason})` : ""}\n`);
        },
        true,
      ),
    );
  },
};

const ExportArgs = Base.extend(Selection.shape).extend({
  format: z.enum(["json", "tsv", "qlib"]).default("tsv"),
  dialect: z.enum(["quanta", "qlib"]).optional(),
  out: z.string().min(1).optional(),
});
const exportCmd: CommandModule = {
  command: "export",
  describe: "Export factors as JSON, a TSV of expressions, or qlib-dialect TSV (exact where qlib can express the factor, otherwise approximate with the differences noted above the line, or left out); default: active factors",
  builder: (y) =>
    selectionOptions(
      y
        .option("library", libraryOption)
        .option("format", { choices: ["json", "tsv", "qlib"], default: "tsv", describe: "json (all fields), tsv (name<TAB>expression), qlib (qlib-dialect TSV)" })
        .option("dialect", { choices: ["quanta", "qlib"], describe: "Only factors in this dialect" })
        .option("out", { type: "string", describe: "Output file (default: stdout)" })
        .option("json", { ...opt.jsonOption, describe: "With --out: print a JSON summary; without: the same as --format json" }),
    ).example("$0 library export --library lib.db --status active --format qlib --out factors.qlib.tsv", ""),
  handler: async (argv) => {
    const a = opt.readArgs(ExportArgs, argv);
    const { selectFactors } = await import("../../review/select.ts");
    const { exportFactors } = await import("../../review/export.ts");
    await withLib(a.library, async (lib) => {
      let factors = selectFactors(lib, toSelection(a, { status: ["active"] }));
      if (a.dialect) factors = factors.filter((f) => f.dialect === a.dialect);
      const format = a.json && !a.out ? "json" : a.format;
      const r = exportFactors(factors, format, { source: a.library });
      for (const o of r.omitted) process.stderr.write(`warning: left out #${o.id} ${o.name}: ${o.reason}\n`);
      if (!a.out) {
        print(r.text);
        return;
      }
      const { writeFileSync, renameSync, mkdirSync } = await import("node:fs");
      const { dirname } = await import("node:path");
      mkdirSync(dirname(a.out), { recursive: true });
      const tmp = `${a.out}.${process.pid}.tmp`;
      writeFileSync(tmp, r.text);
      renameSync(tmp, a.out);
      if (a.json) printJson({ out: a.out, format, count: r.count, omitted: r.omitted });
      else process.stderr.write(`wrote ${a.out}: ${r.count} factors (${format})${r.omitted.length ? `, ${r.omitted.length} left out` : ""}\n`);
    });
  },
};

const ImportArgs = Base.extend(DataWindow.shape).extend({
  file: z.string().min(1),
  dialect: z.enum(["quanta", "qlib"]).default("quanta"),
  status: z.enum(["active", "watch", "retired"]).default("active"),
  split: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, "split name: letters, digits, _ or -").default("valid"),
});
const importCmd: CommandModule = {
  command: "import <file>",
  describe: "Import a TSV (name<TAB>expression) or JSON file of expressions into the library; with --data, measure them on a range first",
  builder: (y) =>
    dataOptions(
      y
        .positional("file", { type: "string", describe: "TSV or JSON file" })
        .option("library", libraryOption)
        .option("dialect", { ...opt.dialectOption, describe: "Dialect of the expressions (JSON records may name their own)" })
        .option("status", { choices: ["active", "watch", "retired"], default: "active", describe: "Status of the imported factors" })
        .option("split", { type: "string", default: "valid", describe: "Name under which metrics measured with --data are stored" })
        .option("json", opt.jsonOption),
    ).example("$0 library import factors.tsv --library lib.db --data prices.csv.gz --start 2015-01-01 --end 2016-12-31", ""),
  handler: async (argv) => {
    const a = opt.readArgs(ImportArgs, argv);
    const { readImportFile, prepareImport } = await import("../../review/import.ts");
    const inputs = prepareImport(readImportFile(a.file, a.dialect)).map((f) => ({ ...f, status: f.status ?? a.status }));
    if (a.data) {
      const { loadData } = await import("../../workflow/load.ts");
      const { windowOf } = await import("../../workflow/screen.ts");
      const { evaluateStoredFactors } = await import("../../review/values.ts");
      const { windowMetrics } = await import("../../review/metrics.ts");
      const { panel } = await loadData(a.data, { ...(a.universe ? { universe: a.universe } : {}), strict: a.strict });
      const { evaluator, close } = await makeEvaluator(a.threads);
      try {
        const ev = await evaluateStoredFactors(
          panel,
          inputs.map((f, k) => ({ id: k + 1, name: f.name, expression: f.expression, dialect: f.dialect ?? a.dialect })),
          evaluator,
        );
        for (const s of ev.skipped) process.stderr.write(`warning: ${s.factor.name} imported without metrics: ${s.reason}\n`);
        const metrics = windowMetrics(
          panel,
          ev.evaluated.map((e) => e.values),
          windowOf(panel, a.start, a.end),
        );
        ev.evaluated.forEach((e, k) => {
          const f = inputs[e.factor.id - 1]!;
          inputs[e.factor.id - 1] = { ...f, metrics: { ...f.metrics, [a.split]: metrics[k]! } };
        });
      } finally {
        await close();
      }
    }
    await withLib(
      a.library,
      (lib) => {
        const r = lib.importFactors(inputs);
        const imported = r.ids.map((id) => ({ id, name: lib.getFactor(id)?.name ?? "" }));
        if (a.json) printJson({ imported, skipped: r.skipped });
        else {
          print(`imported ${imported.length} factors into ${a.library}${imported.length ? ` (ids ${imported[0]!.id}..${imported[imported.length - 1]!.id})` : ""}\n`);
          if (r.skipped.length) print(`skipped ${r.skipped.length} already in the library: ${r.skipped.join(", ")}\n`);
        }
      },
      true,
    );
  },
};

const ReportArgs = Base.extend(Selection.shape)
  .extend(DataWindow.shape)
  .extend({ out: z.string().min(1), title: z.string().optional(), corrTop: z.number().int().min(2).max(60).default(30) });
const report: CommandModule = {
  command: "report",
  describe: "Write the HTML report of a library or a campaign (factors, metrics, lineage; with --data a correlation heat-map)",
  builder: (y) =>
    dataOptions(
      selectionOptions(
        y
          .option("library", libraryOption)
          .option("out", { type: "string", demandOption: true, describe: "HTML file to write" })
          .option("title", { type: "string", describe: "Report title" })
          .option("corr-top", { type: "number", default: 30, describe: "With --data: correlation of the first N listed factors" })
          .option("json", opt.jsonOption),
      ),
    ).example("$0 library report --library lib.db --campaign c-1a2b3c4d --out campaign.html", ""),
  handler: async (argv) => {
    const a = opt.readArgs(ReportArgs, argv);
    const { selectFactors } = await import("../../review/select.ts");
    const { libraryReportData } = await import("../../review/report.ts");
    const { renderReport, writeReportAtomic } = await import("../../report/index.ts");
    const { QuantaError } = await import("../../../factors/errors.ts");
    if (a.campaign && a.campaign.length > 1) throw new QuantaError("report: give at most one --campaign");
    const campaign = a.campaign?.[0];
    await withLib(a.library, async (lib) => {
      const factors = selectFactors(lib, toSelection(a));
      let correlation: { names: string[]; matrix: number[][]; window: string } | undefined;
      let data: { source: string; instruments: number; firstDate: string; lastDate: string } | undefined;
      if (a.data) {
        const { loadData } = await import("../../workflow/load.ts");
        const { windowOf } = await import("../../workflow/screen.ts");
        const { evaluateStoredFactors } = await import("../../review/values.ts");
        const { rankCorrelationMatrix, matrixRows } = await import("../../review/correlation.ts");
        const { panel } = await loadData(a.data, { ...(a.end ? { end: a.end } : {}), ...(a.universe ? { universe: a.universe } : {}), strict: a.strict });
        data = { source: a.data, instruments: panel.nInst, firstDate: panel.dates[0]!, lastDate: panel.dates[panel.nDates - 1]! };
        const { evaluator, close } = await makeEvaluator(a.threads);
        try {
          const ev = await evaluateStoredFactors(panel, factors.slice(0, a.corrTop), evaluator);
          const w = windowOf(panel, a.start, a.end);
          if (ev.evaluated.length >= 2) {
            correlation = {
              names: ev.evaluated.map((e) => `${e.factor.name} #${e.factor.id}`),
              matrix: matrixRows(
                rankCorrelationMatrix(
                  panel,
                  ev.evaluated.map((e) => e.values),
                  w,
                ),
              ),
              window: `${panel.dates[w.from]} .. ${panel.dates[w.to]}`,
            };
          }
        } finally {
          await close();
        }
      }
      const html = renderReport(
        libraryReportData(lib, {
          ...(campaign !== undefined ? { campaign } : {}),
          factors,
          ...(a.title ? { title: a.title } : {}),
          ...(correlation ? { correlation } : {}),
          ...(data ? { data } : {}),
        }),
      );
      await writeReportAtomic(a.out, html);
      if (a.json) printJson({ out: a.out, factors: factors.length, correlation: correlation ? correlation.names.length : 0 });
      else process.stderr.write(`wrote ${a.out}: ${factors.length} factors${correlation ? `, correlation of ${correlation.names.length}` : ""}\n`);
    });
  },
};

export const libraryCommand: CommandModule = {
  command: "library <command>",
  describe: "Review a factor library: list, show, lineage, corr, compare, status, export, import, report",
  builder: (y) =>
    y
      .command(list)
      .command(show)
      .command(lineage)
      .command(corr)
      .command(compare)
      .command(status)
      .command(exportCmd)
      .command(importCmd)
      .command(report)
      .demandCommand(1, "Name a library command: list, show, lineage, corr, compare, status, export, import or report"),
  handler: () => {},
};
