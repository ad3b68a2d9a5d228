import type { CommandModule } from "yargs";
import { z } from "zod";
import * as opt from "../options.ts";

const InspectArgs = z.object({ file: z.string().min(1), json: z.boolean().default(false), strict: z.boolean().default(false) });
const SynthArgs = z.object({
  out: z.string().regex(/\.(csv|csv\.gz|parquet)$/i, "must end in .csv, .csv.gz or .parquet"),
  seed: z.number().int().default(42),
  instruments: z.number().int().min(10).max(5000).default(300),
  days: z.number().int().min(100).max(10000).default(1500),
  start: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD").optional(),
  json: z.boolean().default(false),
});

const inspect: CommandModule = {
  command: "inspect <file>",
  describe: "Summarise a data source: instruments, dates, fields, missing share",
  builder: (y) =>
    y
      .positional("file", { type: "string", describe: "Long CSV / .csv.gz / .parquet / qlib directory / synthetic[:SEED]" })
      .option("json", opt.jsonOption)
      .option("strict", opt.strictOption),
  handler: async (argv) => {
    const a = opt.readArgs(InspectArgs, argv);
    const { loadData } = await import("../../workflow/load.ts");
    const { inspectPanel } = await import("../../data/inspect.ts");
    const warnings: string[] = [];
    const { panel } = await loadData(a.file, { strict: a.strict, onWarning: (m) => warnings.push(m) });
    const s = inspectPanel(panel);
    if (a.json) {
      process.stdout.write(JSON.stringify({ ...s, warnings }, null, 1) + "\n");
      return;
    }
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    const lines = [
      `source       ${a.file}`,
      `instruments  ${s.instruments}`,
      `dates        ${s.dates.count} (${s.dates.first} .. ${s.dates.last})`,
      `cells        ${s.spanCells} instrument-days inside spans`,
      ...(s.meanMembers !== undefined ? [`members      ${s.meanMembers.toFixed(1)} per date on average`] : []),
      `fields       ${s.fields.map((f) => `$${f}`).join(" ")}`,
      `missing      ${Object.entries(s.missingShare).map(([f, m]) => `$${f} ${(100 * m).toFixed(2)}%`).join("  ")}`,
    ];
    process.stdout.write(lines.join("\n") + "\n");
  },
};

const synth: CommandModule = {
  command: "synth",
  describe: "Write the seeded synthetic market (with planted alphas) as a long CSV or Parquet file",
  builder: (y) =>
    y
      .option("out", { type: "string", demandOption: true, describe: "Output .csv, .csv.gz or .parquet" })
      .option("seed", { type: "number", default: 42, describe: "Generator seed" })
      .option("instruments", { type: "number", default: 300, describe: "Number of instruments" })
      .option("days", { type: "number", default: 1500, describe: "Trading days" })
      .option("start", { type: "string", describe: "First calendar date (YYYY-MM-DD)" })
      .option("json", opt.jsonOption),
  handler: async (argv) => {
    const a = opt.readArgs(SynthArgs, argv);
    (await import("../../io/factor-output.ts")).checkOutputPath(a.out);
    const { generateSyntheticMarket } = await import("../../data/synthetic/market.ts");
    const { writeLongCsv, panelToLongColumns } = await import("../../data/long-export.ts");
    const { writeParquetLong } = await import("../../data/parquet.ts");
    const market = generateSyntheticMarket({
      seed: a.seed,
      instruments: a.instruments,
      days: a.days,
      ...(a.start ? { startDate: a.start } : {}),
    });
    if (/\.parquet$/i.test(a.out)) writeParquetLong(a.out, panelToLongColumns(market.panel));
    else await writeLongCsv(a.out, market.panel);
    const planted = market.planted.map((p) => ({
      name: p.name,
      expression: p.expression,
      description: p.description,
      rankIc: p.trueIc.rankIc,
    }));
    const summary = {
      out: a.out,
      seed: a.seed,
      instruments: market.panel.nInst,
      days: market.panel.nDates,
      oracle: { ic: market.trueIc.oracle.ic, rankIc: market.trueIc.oracle.rankIc },
      planted,
    };
    if (a.json) {
      process.stdout.write(JSON.stringify(summary, null, 1) + "\n");
      return;
    }
    process.stdout.write(
      `wrote ${a.out}: ${summary.instruments} instruments × ${summary.days} days (seed ${a.seed})\n` +
        `oracle RankIC ${summary.oracle.rankIc.toFixed(4)}; planted signals:\n` +
        planted.map((p) => `  ${p.name.padEnd(26)} RankIC ${p.rankIc.toFixed(4)}  ${p.expression}`).join("\n") +
        "\n",
    );
  },
};

const CacheArgs = z.object({ clear: z.boolean().default(false), json: z.boolean().default(false) });

const cache: CommandModule = {
  command: "cache",
  describe: "Show the panel cache (parsed CSV/Parquet files, keyed by their bytes) or clear it",
  builder: (y) =>
    y
      .option("clear", { type: "boolean", default: false, describe: "Delete every cached panel" })
      .option("json", opt.jsonOption)
      .epilogue("The directory is $QUANTA_CACHE_DIR, else $XDG_CACHE_HOME/quanta/panels, else ~/.cache/quanta/panels; QUANTA_CACHE_DIR=off disables the cache, QUANTA_CACHE_MAX_MB bounds its size (default 2048)."),
  handler: async (argv) => {
    const a = opt.readArgs(CacheArgs, argv);
    const { panelCacheDir, listEntries, clearPanelCache } = await import("../../data/panel-cache.ts");
    const dir = panelCacheDir();
    const entries = dir === undefined ? [] : listEntries(dir);
    const bytes = entries.reduce((s, e) => s + e.bytes, 0);
    const cleared = a.clear && dir !== undefined ? clearPanelCache(dir) : 0;
    if (a.json) {
      process.stdout.write(JSON.stringify({ dir: dir ?? null, entries: entries.length, bytes, ...(a.clear ? { cleared } : {}) }, null, 1) + "\n");
      return;
    }
    if (dir === undefined) {
      process.stdout.write("panel cache: off (QUANTA_CACHE_DIR)\n");
      return;
    }
    const mb = (bytes / (1024 * 1024)).toFixed(1);
    process.stdout.write(
      a.clear ? `panel cache ${dir}: removed ${cleared} panel(s), ${mb} MB\n` : `panel cache ${dir}: ${entries.length} panel(s), ${mb} MB\n`,
    );
  },
};

export const dataCommand: CommandModule = {
  command: "data",
  describe: "Inspect market data, write the synthetic market, or manage the panel cache",
  builder: (y) => y.command(inspect).command(synth).command(cache).demandCommand(1, "Name a data command: inspect, synth or cache"),
  handler: () => {},
};
