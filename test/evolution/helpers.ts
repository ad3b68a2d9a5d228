/** A tiny synthetic market and campaign for the controller tests, and a timing-free library dump. */
import type { Panel } from "../../factors/panel.ts";
import { parseDateRange } from "../../backtest/split.ts";
import { OfflineAgent } from "../../agents/offline/agent.ts";
import type { Agent } from "../../agents/roles.ts";
import { generateSyntheticMarket, type SyntheticMarket } from "../../src/data/index.ts";
import { runEvolution, type EvolutionEvent, type EvolutionResult } from "../../src/evolution/controller.ts";
import { InProcessEvaluator } from "../../src/evolution/evaluator.ts";
import { prepareMiningData, type MiningData } from "../../src/evolution/mining-data.ts";
import { CampaignRecorder } from "../../src/evolution/recorder.ts";
import { PAPER_SETTINGS, type EvolutionSettings } from "../../src/evolution/settings.ts";
import { FactorLibrary } from "../../src/library/index.ts";

export const TINY_RANGES = {
  train: parseDateRange("2015-01-01:2015-08-31"),
  valid: parseDateRange("2015-09-01:2015-12-31"),
  test: parseDateRange("2016-01-01:2016-12-31"),
};

let cached: SyntheticMarket | undefined;

/** 40 instruments × 320 days from 2015-01-05 (to 2016-03): train 2015-01..08, valid 2015-09..12, test 2016. */
export function tinyMarket(): SyntheticMarket {
  cached ??= generateSyntheticMarket({ seed: 11, instruments: 40, days: 320 });
  return cached;
}

export const TINY_SETTINGS: EvolutionSettings = {
  ...PAPER_SETTINGS,
  directions: 3,
  rounds: 3,
  factorsPerHypothesis: 2,
  mutationsPerRound: 3,
  crossoversPerRound: 2,
  concurrency: 2,
  gates: { ...PAPER_SETTINGS.gates, minIcDays: 10 },
};

export interface TinyRun {
  readonly library: FactorLibrary;
  readonly campaignId: string;
  readonly result: EvolutionResult;
  readonly data: MiningData;
}

export async function runTinyCampaign(
  panel: Panel,
  opts: {
    settings?: Partial<EvolutionSettings>;
    seed?: number;
    agent?: (sink: CampaignRecorder["sink"]) => Agent;
    /** Continue in this library (the campaign is created only if it is not there yet). */
    library?: FactorLibrary;
    signal?: AbortSignal;
    onEvent?: (e: EvolutionEvent) => void;
  } = {},
): Promise<TinyRun> {
  const evaluator = new InProcessEvaluator();
  const data = await prepareMiningData(panel, { train: TINY_RANGES.train, valid: TINY_RANGES.valid }, evaluator);
  const library = opts.library ?? FactorLibrary.openMemory({ now: () => "2020-01-01T00:00:00.000Z" });
  const seed = opts.seed ?? 5;
  const campaign = library.getCampaign("tiny") ?? library.createCampaign({ id: "tiny", name: "tiny", seed, dataFingerprint: data.fingerprint });
  const recorder = new CampaignRecorder(library, campaign.id);
  const agent = opts.agent ? opts.agent(recorder.sink) : new OfflineAgent({ seed, sink: recorder.sink });
  const result = await runEvolution({
    recorder,
    campaignId: campaign.id,
    seed,
    agent,
    data,
    evaluator,
    settings: { ...TINY_SETTINGS, ...opts.settings },
    now: () => "2020-01-01T00:00:00.000Z",
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
  });
  return { library, campaignId: campaign.id, result, data };
}

function stripTimes(row: Record<string, unknown>, drop: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (k.endsWith("_at") || drop.includes(k)) continue;
    // Trajectory bodies (and the checkpoints that carry them) hold their wall-clock creation time.
    out[k] = (k === "body" || k === "state") && typeof v === "string" ? JSON.parse(v, (key, x: unknown) => (key === "createdAt" ? undefined : x)) : v;
  }
  return out;
}

/**
 * Everything mining wrote, without what legitimately differs between runs (timestamps, row ids of
 * logs recorded in completion order, latencies): trajectories, factors, rejections, lineage, LLM
 * calls (by key), checkpoints (by round and step) and the evaluation cache.
 */
export function dumpLibrary(db: FactorLibrary["db"]): Record<string, unknown[]> {
  const all = (sql: string) => (db.prepare(sql).all() as Record<string, unknown>[]);
  return {
    trajectories: all("SELECT * FROM trajectories ORDER BY seq").map((r) => stripTimes(r)),
    factors: all("SELECT * FROM factors ORDER BY id").map((r) => stripTimes(r)),
    rejections: all("SELECT * FROM rejections ORDER BY id").map((r) => stripTimes(r)),
    lineage: all("SELECT * FROM lineage ORDER BY child_id, position"),
    llm_calls: all("SELECT * FROM llm_calls ORDER BY call_key").map((r) => stripTimes(r, ["id", "latency_ms"])),
    checkpoints: all("SELECT * FROM checkpoints ORDER BY round, step").map((r) => stripTimes(r, ["seq"])),
    eval_cache: all("SELECT * FROM eval_cache ORDER BY canonical, fingerprint").map((r) => stripTimes(r)),
  };
}
