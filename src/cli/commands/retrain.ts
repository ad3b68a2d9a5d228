/**
 * `quanta retrain`: re-evaluate a library's active and watch factors on the newest window of the
 * data, retire or watch the decayed ones, refit the combination model, optionally mine
 * replacements, and write a dated HTML report and a JSON summary. Idempotent and locked (see
 * src/retrain/run.ts), so it is safe to run from cron: a second run on the same data prints
 * "up to date", and a run that overlaps another exits 2 with "locked …".
 */
import type { CommandModule } from "yargs";
import { z } from "zod";
import * as opt from "../options.ts";

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD");
const ratio = z.number().min(0).max(1);

const Args = z.object({
  library: z.string().min(1),
  data: z.string().min(1),
  window: z.number().int().min(5).optional(),
  start: isoDate.optional(),
  end: isoDate.optional(),
  universe: z.string().min(1).optional(),
  strict: z.boolean().default(false),
  retireBelow: ratio.optional(),
  watchBelow: ratio.optional(),
  flipT: z.number().min(0).optional(),
  maxCorr: ratio.optional(),
  minDays: z.number().int().min(1).optional(),
  model: z.enum(["linear", "gbdt"]).default("linear"),
  trainDays: z.number().int().min(20).default(500),
  topk: z.number().int().min(1).default(50),
  nDrop: z.number().int().min(0).default(5),
  mineReplacements: z.boolean().default(false),
  replacementConfig: z.string().min(1).optional(),
  seed: z.number().int().default(42),
  reportDir: z.string().min(1).optional(),
  report: z.boolean().default(true),
  force: z.boolean().default(false),
  threads: z.number().int().min(1).max(256).optional(),
  json: z.boolean().default(false),
  verbose: z.boolean().default(false),
});

function f4(x: number | null | undefined): string {
  return typeof x === "number" && Number.isFinite(x) ? x.toFixed(4) : "n/a";
}

export const retrainCommand: CommandModule = {
  command: "retrain",
  describe: "Re-evaluate the library on the newest data: flag decayed factors (watch/retire), refit the model, write a dated report",
  builder: (y) =>
    y
      .option("library", { type: "string", demandOption: true, describe: "Factor library (SQLite file)" })
      .option("data", opt.dataOption)
      .option("window", { type: "number", describe: "Re-evaluate on the last N dates of the data (default 250)" })
      .option("start", { type: "string", describe: "Window start (YYYY-MM-DD), instead of --window" })
      .option("end", { type: "string", describe: "Window end (YYYY-MM-DD), instead of --window" })
      .option("universe", opt.universeOption)
      .option("strict", opt.strictOption)
      .option("retire-below", { type: "number", describe: "Retire when the window RankIC keeps less than this share of the reference (default 0.25)" })
      .option("watch-below", { type: "number", describe: "Watch when it keeps less than this share (default 0.5)" })
      .option("flip-t", { type: "number", describe: "|t| that makes an opposite-sign window RankIC a sign flip (default 2)" })
      .option("max-corr", { type: "number", describe: "Watch at |rank corr| ≥ this with a stronger factor on the window (default 0.7)" })
      .option("min-days", { type: "number", describe: "Days with a RankIC needed for a verdict (default 20)" })
      .option("model", { choices: ["linear", "gbdt"], default: "linear", describe: "Combination model to refit" })
      .option("train-days", { type: "number", default: 500, describe: "Dates the model is fitted on" })
      .option("topk", { type: "number", default: 50, describe: "TopK-Dropout: stocks held (window backtest in the report)" })
      .option("n-drop", { type: "number", default: 5, describe: "TopK-Dropout: stocks replaced per day" })
      .option("mine-replacements", { type: "boolean", default: false, describe: "Run a short mining campaign seeded by the survivors to replace retired factors" })
      .option("replacement-config", { type: "string", describe: "Campaign YAML merged over the replacement campaign's defaults (e.g. agent.provider)" })
      .option("seed", { type: "number", default: 42, describe: "Seed of the replacement campaign" })
      .option("report-dir", { type: "string", describe: "Where the dated report and JSON summary go (default: reports/ next to the library)" })
      .option("report", { type: "boolean", default: true, describe: "Write the report files (--no-report: only the library)" })
      .option("force", { type: "boolean", default: false, describe: "Re-run even if this data and window were already retrained on" })
      .option("threads", opt.threadsOption)
      .option("json", opt.jsonOption)
      .example("$0 retrain --library lib.db --data prices.csv.gz --window 250", "")
      .example("$0 retrain --library lib.db --data prices.csv.gz --start 2018-01-01 --end 2018-12-31 --report-dir reports", ""),
  handler: async (argv) => {
    const a = opt.readArgs(Args, argv);
    const { runRetrain } = await import("../../retrain/run.ts");
    const { loadData } = await import("../../workflow/load.ts");
    const { InProcessEvaluator, poolEvaluator } = await import("../../evolution/evaluator.ts");
    let evaluator;
    let close = async () => {};
    if (a.threads === 1) evaluator = new InProcessEvaluator();
    else {
      const { EvalPool } = await import("../../pool/pool.ts");
      const pool = new EvalPool(a.threads ? { threads: a.threads } : {});
      evaluator = poolEvaluator(pool);
      close = () => pool.close();
    }
    const log = (m: string) => process.stderr.write(`${m}\n`);
    let replacementConfig: unknown;
    if (a.replacementConfig) {
      const { readConfigFile } = await import("../../campaign/config.ts");
      replacementConfig = readConfigFile(a.replacementConfig);
    }
    try {
      const r = await runRetrain({
        library: a.library,
        data: a.data,
        load: () => loadData(a.data, { ...(a.universe ? { universe: a.universe } : {}), strict: a.strict, onWarning: (m) => log(`warning: ${m}`) }),
        ...(a.window !== undefined ? { window: a.window } : {}),
        ...(a.start ? { start: a.start } : {}),
        ...(a.end ? { end: a.end } : {}),
        thresholds: {
          ...(a.retireBelow !== undefined ? { retireRatio: a.retireBelow } : {}),
          ...(a.watchBelow !== undefined ? { watchRatio: a.watchBelow } : {}),
          ...(a.flipT !== undefined ? { flipT: a.flipT } : {}),
          ...(a.maxCorr !== undefined ? { maxCorrelation: a.maxCorr } : {}),
          ...(a.minDays !== undefined ? { minDays: a.minDays } : {}),
        },
        refit: { kind: a.model, trainDays: a.trainDays, topk: a.topk, nDrop: a.nDrop },
        force: a.force,
        mineReplacements: a.mineReplacements,
        ...(replacementConfig !== undefined ? { replacementConfig } : {}),
        ...(a.universe ? { universe: a.universe } : {}),
        seed: a.seed,
        ...(a.reportDir ? { reportDir: a.reportDir } : {}),
        noReport: !a.report,
        evaluator,
        log: a.json ? () => {} : log,
      });
      if (a.json) {
        process.stdout.write(
          JSON.stringify(
            { upToDate: r.upToDate, run: r.run.id, asOf: r.run.asOf, report: r.run.reportPath, summary: r.summary },
            (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v),
            1,
          ) + "\n",
        );
        return;
      }
      if (r.upToDate) {
        process.stdout.write(
          `up to date: retrain run #${r.run.id} (as of ${r.run.asOf}) already covered this data and window; nothing changed` +
            `${r.run.reportPath ? `\nreport: ${r.run.reportPath}` : ""}\n(--force re-runs)\n`,
        );
        return;
      }
      const s = r.summary!;
      const lines = [
        `retrain run #${s.run} as of ${s.asOf}: ${s.counts.evaluated} factors on ${s.window.start} .. ${s.window.end} (${s.window.days} dates)`,
        `  now ${s.counts.active} active, ${s.counts.watch} watch, ${s.counts.retired} retired by this run; ${s.counts.changed} changed status${s.counts.skipped ? `, ${s.counts.skipped} not evaluable` : ""}`,
      ];
      for (const f of s.factors) {
        if (f.before !== f.after) lines.push(`  #${f.id} ${f.name}: ${f.before} → ${f.after} — ${f.reason}`);
      }
      const oos = s.model.outOfSample;
      if (s.model.fit) {
        lines.push(
          `model: ${s.model.options.kind} on ${s.model.features.length} active factors, refitted on ${s.model.fit.start} .. ${s.model.fit.end}` +
            (oos ? `; on the window (out of sample) RankIC ${f4(oos.rankIc)}, RankICIR ${f4(oos.rankIcir)}, excess ARR ${f4(oos.excessWithCost?.arr)} with cost` : ""),
        );
      } else if (s.model.note) lines.push(`model: ${s.model.note}`);
      lines.push(`replacements: ${s.replacements.status} (${s.replacements.message})`);
      if (s.report) lines.push(`report: ${s.report}`, `summary: ${s.summaryFile}`);
      process.stdout.write(lines.join("\n") + "\n");
    } finally {
      await close();
    }
  },
};
