/**
 * The campaign configuration: a YAML file (or the embedded demo) validated by zod, with CLI flags
 * applied on top. Every error names the key (`evolution.rounds: …`). Unknown keys are errors too
 * — a config key that nothing reads is a bug the reference code had (DESIGN §8 / STYLE).
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { QuantaError } from "../../factors/errors.ts";
import { parseDateRange, type DateRange } from "../../backtest/split.ts";
import { PROVIDERS } from "../../agents/factory.ts";
import { PAPER_SETTINGS, DEFAULT_GATES, type EvolutionSettings } from "../evolution/settings.ts";

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);
const share = z.number().min(0).max(1);

/** "A:B" with YYYY or YYYY-MM-DD ends; kept as text, checked by parseDateRange. */
const RangeText = z.string().superRefine((s, ctx) => {
  try {
    parseDateRange(s);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message });
  }
});

const P = PAPER_SETTINGS;

/** Daily cross-sections are noisy: qlib's depth-8 trees with leaves of 1 row overfit a mined pool. */
export const GBDT_FINAL_PARAMS: Record<string, number> = { max_depth: 6, eta: 0.05, min_child_weight: 50 };
/** One boosted model's test metrics swing with its seed (row bags, feature draws): the final model averages several. */
export const GBDT_FINAL_SEEDS = 4;
const G = DEFAULT_GATES;

export const DataConfigSchema = z
  .object({
    /** Long CSV (.csv/.csv.gz), .parquet, a qlib directory, or synthetic[:SEED]. */
    source: z.string().min(1).default("synthetic"),
    /** Membership file instrument,start_date,end_date. */
    universe: z.string().min(1).optional(),
    /** Index file with an optional instrument: FILE[:INSTRUMENT]; default = equal-weight universe. */
    benchmark: z.string().min(1).optional(),
    /** Synthetic market size (when source is synthetic). */
    synthetic: z
      .object({
        instruments: int(10, 5000).optional(),
        days: int(300, 20000).optional(),
        startDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export const RangesConfigSchema = z
  .object({
    miningTrain: RangeText,
    miningValid: RangeText,
    test: RangeText,
  })
  .strict();

export const AgentSectionSchema = z
  .object({
    provider: z.enum(PROVIDERS).default("offline"),
    model: z.string().min(1).optional(),
    baseUrl: z.url().optional(),
    temperature: z.number().min(0).max(2).optional(),
    timeoutMs: int(1).default(120_000),
    maxRetries: int(0, 20).default(4),
    /** LLM calls in flight at once. */
    concurrency: int(1, 256).default(4),
    maxRepairTurns: int(0, 10).default(2),
    structured: z.enum(["json_schema", "json_object", "none"]).default("json_object"),
    stream: z.boolean().default(false),
    budgetUsd: z.number().positive().optional(),
    budgetTokens: int(1).optional(),
    prices: z.record(z.string(), z.object({ inputPerMTok: z.number().nonnegative(), outputPerMTok: z.number().nonnegative() }).strict()).optional(),
    /** `replay` answers from the LLM calls of this campaign: an id in the same library, or LIBRARY_FILE#CAMPAIGN_ID. */
    replayFrom: z.string().min(1).optional(),
    /** Serve a prompt seen before (same model, settings, messages and seed) from the library's reply cache (openai/langchain). */
    llmCache: z.boolean().default(true),
  })
  .strict();

export const EvolutionConfigSchema = z
  .object({
    directions: int(1, 100).default(P.directions),
    rounds: int(1, 200).default(P.rounds),
    factorsPerHypothesis: int(1, 3).default(P.factorsPerHypothesis),
    /** Default: the number of directions. */
    mutationsPerRound: int(1, 200).optional(),
    crossoversPerRound: int(0, 200).default(P.crossoversPerRound),
    crossoverParents: int(2, 5).default(P.crossoverParents),
    /** Proposals a targeted mutation tries, keeping the best by reward (1 = the paper's single revision). */
    mutationCandidates: int(1, 10).default(P.mutationCandidates),
    orthogonalRate: share.default(P.orthogonalRate),
    parentSelection: z.enum(["best", "weighted", "top_random", "mixed"]).default(P.parentSelection),
    topPercent: z.number().gt(0).max(1).default(P.topPercent),
    diversityBonus: z.number().min(0).default(P.diversityBonus),
    maxRepairs: int(0, 10).default(P.maxRepairs),
    /** Trajectories of a round running at once. */
    concurrency: int(1, 64).default(P.concurrency),
    ridgeLambda: z.number().min(0).default(P.ridgeLambda),
    avoidListSize: int(0, 1000).default(P.avoidListSize),
    alpha158Zoo: z.boolean().default(P.alpha158Zoo),
    /** Trajectory ids of the library whose mutations and crossovers make round 0 instead of planned directions (retraining's replacements). */
    seedTrajectories: z.array(z.string().min(1)).max(100).optional(),
  })
  .strict();

export const GatesConfigSchema = z
  .object({
    maxSymbolLength: int(1).default(G.maxSymbolLength),
    maxBaseFields: int(1).default(G.maxBaseFields),
    maxFreeArgRatio: z.number().gt(0).max(1).default(G.maxFreeArgRatio),
    maxCommonSubtree: int(1).default(G.maxCommonSubtree),
    maxCorrelation: z.number().gt(0).max(1).default(G.maxCorrelation),
    improvementMargin: z.number().min(0).default(G.improvementMargin),
    judge: z.boolean().default(G.judge),
    minIcDays: int(1).default(G.minIcDays),
  })
  .strict();

export const FinalPoolConfigSchema = z
  .object({
    /** |mean daily rank correlation| between admitted factors stays below this. */
    maxCorrelation: z.number().gt(0).max(1).default(0.7),
    /** At most this share of the mined factors enters the pool. */
    maxShare: z.number().gt(0).max(1).default(0.5),
    /** And at most this many (0 = no limit beyond maxShare). */
    maxSize: int(0).default(0),
    /**
     * Only factors whose mining-valid RankIC is significant enter: |RankICIR| × √days ≥ this
     * t-statistic (0 admits every accepted factor, the paper's rule).
     */
    minValidT: z.number().min(0).default(0),
    /**
     * `paper` (default): the whole correlation-filtered pool. `valid-gain`: of that pool, keep a
     * factor only if it raises the mining-valid RankIC of a ridge model over the factors kept
     * before it by at least `minGain` (forward selection) — better when mining-valid resembles
     * the test period (the synthetic demo), worse when it does not (CSI 300's 2015).
     */
    selection: z.enum(["valid-gain", "paper"]).default("paper"),
    minGain: z.number().min(-1).max(1).default(0.0005),
    /** How many of the correlation-filtered factors (best first) forward selection considers. */
    forwardCandidates: int(1, 500).default(30),
    /** The final combination model (gbdt as in the paper; linear is the fast fallback). */
    model: z.enum(["gbdt", "linear"]).default("gbdt"),
    gbdt: z
      .object({
        numBoostRound: int(1, 10000).default(1000),
        earlyStoppingRounds: int(1, 1000).default(50),
        /** Training rows above this are thinned by keeping every k-th date (0 = no limit). */
        maxTrainRows: int(0).default(0),
        /** XGBoost parameters over qlib's (backtest GBDT_DEFAULT_PARAMS); default: somewhat shallower trees and larger leaves. */
        params: z.record(z.string(), z.union([z.string(), z.number()])).default(GBDT_FINAL_PARAMS),
        /** Models fitted with consecutive seeds and averaged (less variance than one; 1 = a single model). */
        seeds: int(1, 32).default(GBDT_FINAL_SEEDS),
      })
      .strict()
      .default({ numBoostRound: 1000, earlyStoppingRounds: 50, maxTrainRows: 0, params: GBDT_FINAL_PARAMS, seeds: GBDT_FINAL_SEEDS }),
  })
  .strict();

export const BacktestConfigSchema = z
  .object({
    topk: int(1).default(50),
    nDrop: int(0).default(5),
    dealPrice: z.enum(["open", "close"]).default("close"),
    /** Trading days per year for ARR and IR. */
    annualization: int(1, 366).default(252),
  })
  .strict();

export const CampaignConfigSchema = z
  .object({
    /** Campaign id in the library (default: a fresh random one). */
    id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "letters, digits, _ . - (up to 64)")
      .optional(),
    name: z.string().min(1).default("campaign"),
    seed: int(0, 2 ** 31 - 1).default(42),
    data: DataConfigSchema.default({ source: "synthetic", synthetic: {} }),
    ranges: RangesConfigSchema.optional(),
    agent: AgentSectionSchema.default({
      provider: "offline",
      timeoutMs: 120_000,
      maxRetries: 4,
      concurrency: 4,
      maxRepairTurns: 2,
      structured: "json_object",
      stream: false,
      llmCache: true,
    }),
    evolution: EvolutionConfigSchema.default(EvolutionConfigSchema.parse({})),
    gates: GatesConfigSchema.default(GatesConfigSchema.parse({})),
    finalPool: FinalPoolConfigSchema.default(FinalPoolConfigSchema.parse({})),
    backtest: BacktestConfigSchema.default(BacktestConfigSchema.parse({})),
    evaluation: z
      .object({
        /** Evaluation worker threads; 1 evaluates in the main thread. */
        threads: int(1, 256).default(1),
      })
      .strict()
      .default({ threads: 1 }),
    output: z
      .object({
        /** Run directory (report, summary, resolved config); default runs/<campaign id>. */
        runDir: z.string().min(1).optional(),
        /** Library file; default <runDir>/library.db. */
        library: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!c.ranges && !/^synthetic(:|$)/i.test(c.data.source.trim())) {
      ctx.addIssue({
        code: "custom",
        path: ["ranges"],
        message: "give ranges.miningTrain, ranges.miningValid and ranges.test (or --mining-train/--mining-valid/--test) for real data",
      });
    }
  });

export type CampaignConfig = z.output<typeof CampaignConfigSchema>;
export type CampaignConfigInput = z.input<typeof CampaignConfigSchema>;

/** Mining-train / mining-valid / test on the default synthetic market (2015-01 .. 2020-10). */
export const SYNTHETIC_RANGES = { miningTrain: "2015-01-01:2017-12-31", miningValid: "2018-01-01:2018-12-31", test: "2019-01-01:2020-12-31" };

/**
 * The embedded demo (`quanta mine` with no arguments, `npm run demo`): the synthetic market, the
 * offline proposer and a small campaign that finishes in well under 3 minutes on 2 cores.
 */
export const DEMO_CONFIG: CampaignConfigInput = {
  name: "demo",
  seed: 42,
  data: { source: "synthetic" },
  ranges: SYNTHETIC_RANGES,
  agent: { provider: "offline" },
  // The paper's 10 directions (fewer leave whole mechanisms unexplored), 5 of its 11 rounds, and
  // 3 proposals per targeted mutation so the blamed step is tuned, not just perturbed.
  evolution: { directions: 10, rounds: 5, factorsPerHypothesis: 3, crossoversPerRound: 10, mutationCandidates: 3, concurrency: 2 },
  // A regularised gbdt (shallow trees, large leaves): on the synthetic market qlib's deep trees
  // overfit mining-train.
  finalPool: {
    model: "gbdt",
    selection: "valid-gain",
    gbdt: { numBoostRound: 500, earlyStoppingRounds: 50, maxTrainRows: 0, params: { max_depth: 3, eta: 0.05, min_child_weight: 200 } },
  },
};

export interface ResolvedRanges {
  readonly train: DateRange;
  readonly valid: DateRange;
  readonly test: DateRange;
}

export function rangesOf(c: CampaignConfig): ResolvedRanges {
  const r = c.ranges ?? SYNTHETIC_RANGES;
  return { train: parseDateRange(r.miningTrain), valid: parseDateRange(r.miningValid), test: parseDateRange(r.test) };
}

export function evolutionSettings(c: CampaignConfig): EvolutionSettings {
  const e = c.evolution;
  return {
    ...e,
    mutationsPerRound: e.mutationsPerRound ?? e.directions,
    gates: { ...c.gates },
  };
}

/** `a` with `b` merged in, recursively for plain objects (b wins; undefined in b is ignored). */
export function deepMerge(a: unknown, b: unknown): unknown {
  if (b === undefined) return a;
  if (!isPlain(a) || !isPlain(b)) return b;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = deepMerge(a[k], v);
  return out;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Validate a config object; the error lists each problem as `key.path: message`. */
export function parseCampaignConfig(input: unknown, where = "campaign config"): CampaignConfig {
  const r = CampaignConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const lines = r.error.issues.slice(0, 10).map((i) => `  ${i.path.length ? i.path.join(".") : "(top level)"}: ${i.message}`);
  throw new QuantaError(`invalid ${where}:\n${lines.join("\n")}`);
}

/** Read a YAML campaign file (not yet validated: flags are merged first). */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new QuantaError(`cannot read config ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new QuantaError(`config ${path} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (!isPlain(doc)) throw new QuantaError(`config ${path}: the top level must be a mapping of keys`);
  return doc;
}
