/**
 * `quanta mine`: run (or resume) an evolutionary factor-mining campaign. With no arguments it runs
 * the embedded demo (synthetic market, offline proposer, a small campaign).
 */
import type { CommandModule } from "yargs";
import { z } from "zod";
import { QuantaError } from "../../../factors/errors.ts";
import { readArgs } from "../options.ts";

const Args = z.object({
  config: z.string().min(1).optional(),
  data: z.string().min(1).optional(),
  provider: z.enum(["offline", "openai", "langchain", "replay"]).optional(),
  model: z.string().min(1).optional(),
  "base-url": z.string().min(1).optional(),
  "replay-from": z.string().min(1).optional(),
  directions: z.number().int().min(1).optional(),
  rounds: z.number().int().min(1).optional(),
  "factors-per-hypothesis": z.number().int().min(1).max(3).optional(),
  "mining-train": z.string().min(1).optional(),
  "mining-valid": z.string().min(1).optional(),
  test: z.string().min(1).optional(),
  universe: z.string().min(1).optional(),
  benchmark: z.string().min(1).optional(),
  library: z.string().min(1).optional(),
  "run-dir": z.string().min(1).optional(),
  resume: z.boolean().default(false),
  campaign: z.string().min(1).optional(),
  name: z.string().min(1).optional(),
  seed: z.number().int().min(0).optional(),
  "budget-usd": z.number().positive().optional(),
  "llm-cache": z.boolean().optional(),
  concurrency: z.number().int().min(1).optional(),
  threads: z.number().int().min(1).optional(),
  "final-model": z.enum(["gbdt", "linear"]).optional(),
  json: z.boolean().default(false),
  quiet: z.boolean().default(false),
});
type MineArgs = z.infer<typeof Args>;

/** Flags as a partial config (undefined = not given). */
function flagOverrides(a: MineArgs): Record<string, unknown> {
  return {
    id: a.campaign,
    name: a.name,
    seed: a.seed,
    data: { source: a.data, universe: a.universe, benchmark: a.benchmark },
    ranges: { miningTrain: a["mining-train"], miningValid: a["mining-valid"], test: a.test },
    agent: { provider: a.provider, model: a.model, baseUrl: a["base-url"], budgetUsd: a["budget-usd"], replayFrom: a["replay-from"], llmCache: a["llm-cache"] },
    evolution: { directions: a.directions, rounds: a.rounds, factorsPerHypothesis: a["factors-per-hypothesis"], concurrency: a.concurrency },
    evaluation: { threads: a.threads },
    finalPool: { model: a["final-model"] },
    output: { library: a.library, runDir: a["run-dir"] },
  };
}

/** Drops undefined leaves and then-empty objects, so a flag not given never overrides anything. */
function prune(v: unknown): unknown {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const p = prune(x);
    if (p === undefined) continue;
    if (typeof p === "object" && p !== null && !Array.isArray(p) && Object.keys(p).length === 0) continue;
    out[k] = p;
  }
  return out;
}

/** Flags that change what is mined cannot change when resuming. */
const FIXED_ON_RESUME = ["config", "data", "directions", "rounds", "factors-per-hypothesis", "mining-train", "mining-valid", "test", "universe", "seed", "name"] as const;

export const mineCommand: CommandModule = {
  command: "mine",
  describe: "Mine alpha factors with an evolutionary LLM-agent campaign (no arguments: the built-in synthetic demo)",
  builder: (y) =>
    y
      .option("config", { type: "string", describe: "Campaign YAML (flags override its keys)" })
      .option("data", { type: "string", describe: "Market data: CSV/Parquet/qlib directory, or synthetic[:SEED] (default synthetic)" })
      .option("provider", { choices: ["offline", "openai", "langchain", "replay"], describe: "Agent provider (default offline: no network)" })
      .option("model", { type: "string", describe: "LLM model name" })
      .option("base-url", { type: "string", describe: "OpenAI-compatible endpoint base URL" })
      .option("replay-from", { type: "string", describe: "replay: the campaign whose LLM calls to replay (ID in this library, or FILE#ID)" })
      .option("directions", { type: "number", describe: "Planning directions = trajectories of round 0 (paper: 10)" })
      .option("rounds", { type: "number", describe: "Rounds including round 0 (paper: 11)" })
      .option("factors-per-hypothesis", { type: "number", describe: "Factors per hypothesis, 1-3 (paper: 3)" })
      .option("mining-train", { type: "string", describe: "Mining train range START:END (YYYY or YYYY-MM-DD)" })
      .option("mining-valid", { type: "string", describe: "Mining valid range (rewards are measured here)" })
      .option("test", { type: "string", describe: "Test range, read only by the final backtest" })
      .option("universe", { type: "string", describe: "Membership file instrument,start_date,end_date" })
      .option("benchmark", { type: "string", describe: "Benchmark index FILE[:INSTRUMENT] (default: equal-weight universe)" })
      .option("library", { type: "string", describe: "Factor library file (default <run-dir>/library.db)" })
      .option("run-dir", { type: "string", describe: "Run directory (default runs/<campaign id>)" })
      .option("resume", { type: "boolean", default: false, describe: "Continue an interrupted campaign (with --run-dir, or --library [--campaign ID])" })
      .option("campaign", { type: "string", describe: "Campaign id (a new campaign's id, or the one to resume)" })
      .option("name", { type: "string", describe: "Campaign name" })
      .option("seed", { type: "number", describe: "Campaign seed (default 42)" })
      .option("budget-usd", { type: "number", describe: "Stop cleanly once the LLM spend reaches this many dollars" })
      .option("llm-cache", {
        type: "boolean",
        describe: "Answer prompts seen before (same model, settings and seed) from the library's LLM reply cache (default on; --no-llm-cache always asks the model)",
      })
      .option("concurrency", { type: "number", describe: "Trajectories of a round running at once" })
      .option("threads", { type: "number", describe: "Evaluation worker threads (default 1: in the main thread)" })
      .option("final-model", { choices: ["gbdt", "linear"], describe: "Final combination model (default gbdt)" })
      .option("json", { type: "boolean", default: false, describe: "Print one JSON summary object on stdout" })
      .option("quiet", { type: "boolean", default: false, describe: "No progress on stderr" })
      .example("$0 mine", "the embedded demo: synthetic market, offline proposer")
      .example(
        "$0 mine --data ../shared/data/csi300_2010_2018.csv.gz --universe ../shared/data/csi300_membership_2010_2018.csv.gz --benchmark ../shared/data/index_cn_2010_2018.csv.gz:SH000300 --mining-train 2010:2014 --mining-valid 2015:2015 --test 2016:2018 --directions 10 --rounds 11",
        "a paper-size offline campaign on CSI 300",
      )
      .example("$0 mine --resume --run-dir runs/c-1a2b3c4d", "continue an interrupted campaign"),
  handler: async (argv) => {
    const a = readArgs(Args, argv);
    const { DEMO_CONFIG, deepMerge, parseCampaignConfig, readConfigFile } = await import("../../campaign/config.ts");
    const { runMine, campaignOfRunDir } = await import("../../campaign/run.ts");
    const { createProgress } = await import("../../campaign/progress.ts");
    const { formatSummary } = await import("../../campaign/summary.ts");

    const overrides = prune(flagOverrides(a)) as Record<string, unknown>;
    let request: Parameters<typeof runMine>[0];
    if (a.resume) {
      const fixed = FIXED_ON_RESUME.filter((k) => a[k] !== undefined);
      if (fixed.length > 0) throw new QuantaError(`--resume continues a campaign as it was configured: drop --${fixed.join(", --")}`);
      let library = a.library;
      let campaignId = a.campaign;
      if (a["run-dir"]) {
        const r = campaignOfRunDir(a["run-dir"]);
        library ??= r.library;
        campaignId ??= r.id;
      }
      if (!library) throw new QuantaError("--resume needs --run-dir DIR or --library FILE (and optionally --campaign ID)");
      const resumeOverrides = prune({
        agent: { provider: a.provider, model: a.model, baseUrl: a["base-url"], budgetUsd: a["budget-usd"], replayFrom: a["replay-from"], llmCache: a["llm-cache"] },
        evolution: { concurrency: a.concurrency },
        evaluation: { threads: a.threads },
        finalPool: { model: a["final-model"] },
      });
      request = {
        config: parseCampaignConfig({}),
        resume: {
          library,
          ...(campaignId ? { campaignId } : {}),
          overrides: (c) => parseCampaignConfig(deepMerge(c, resumeOverrides)),
        },
      };
    } else {
      // No config: the embedded demo on synthetic data; on real data the defaults (the paper's
      // settings), because the demo's ranges and final-pool tuning belong to the synthetic market.
      const source = (overrides["data"] as { source?: string } | undefined)?.source;
      const synthetic = source === undefined || /^synthetic(:|$)/i.test(source.trim());
      const base: unknown = a.config ? readConfigFile(a.config) : synthetic ? DEMO_CONFIG : {};
      request = { config: parseCampaignConfig(deepMerge(base, overrides), a.config ? `config ${a.config}` : "campaign configuration") };
    }

    const progress = createProgress({ quiet: a.quiet });
    const abort = new AbortController();
    let interrupts = 0;
    const onSigint = () => {
      interrupts++;
      if (interrupts === 1) {
        progress.log("interrupt: stopping after cancelling the calls in flight; the campaign stays resumable (Ctrl-C again to quit now)");
        abort.abort();
      } else {
        process.exit(130);
      }
    };
    process.on("SIGINT", onSigint);
    try {
      const { summary } = await runMine({
        ...request,
        signal: abort.signal,
        onEvent: (e) => progress.onEvent(e),
        log: (l) => progress.log(l),
      });
      progress.stop();
      process.stdout.write(a.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
      if (abort.signal.aborted && summary.status !== "finished") process.exitCode = 130;
    } finally {
      progress.stop();
      process.off("SIGINT", onSigint);
    }
  },
};
