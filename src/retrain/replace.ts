/**
 * The "mine replacements" step of retraining: a short mining campaign run into the same library
 * to replace the factors this run retired. It mines with the campaign runner (src/campaign,
 * `runMine`) on ranges cut from the retrain's own dates — mining-train = the `trainDays` dates
 * before the window, mining-valid = the window up to its last labelled date, and the window's
 * last two dates (whose label is not realised yet) as the formally required, never-read test
 * range — so it rewards factors that work on the newest data. The survivors are active factors
 * of the library, so the controller's zoo holds them: replacements must differ from them
 * (redundancy and correlation gates). The campaign's own final stage is skipped (retraining refits
 * the combination itself at its next run).
 *
 * The campaign is seeded by the survivors (`evolution.seedTrajectories`, src/evolution/seeded-round.ts):
 * its round 0 holds mutations of the trajectories that produced surviving factors and crossovers
 * between them, instead of freshly planned directions, so the search starts around what still
 * works; the seeded trajectories' parents are the survivors' trajectories (lineage across
 * campaigns). Survivors without a stored trajectory (imported factors) cannot seed; with none,
 * the campaign plans its directions from scratch and the result says so.
 *
 * The defaults are a short offline campaign; `config` (a campaign config fragment, e.g. from
 * `--replacement-config FILE`) overrides any of it, such as an LLM provider.
 */
import { LABEL_HORIZON } from "../../backtest/label.ts";
import type { Panel } from "../../factors/panel.ts";
import type { FactorLibrary, StoredFactor } from "../library/index.ts";
import type { RetrainWindow } from "./window.ts";

export interface ReplacementRequest {
  readonly library: FactorLibrary;
  readonly libraryPath: string;
  /** The data source string as given (`--data`), its membership file, and the loaded panel. */
  readonly dataSource: string;
  readonly universe?: string;
  readonly panel: Panel;
  /** Factors still active after this run (the zoo replacements must differ from). */
  readonly survivors: readonly StoredFactor[];
  readonly retired: readonly StoredFactor[];
  /** The newest window; mining validates on it and reads nothing after its last labelled date. */
  readonly window: RetrainWindow;
  /** Dates before the window to mine-train on. */
  readonly trainDays: number;
  /** How many factors to aim for (= the number retired). */
  readonly target: number;
  readonly seed: number;
  /** The retrain run this campaign belongs to (its id and name mention it). */
  readonly retrainRunId: number;
  /** Where the campaign's run directory goes. */
  readonly runDir: string;
  /** Campaign config fragment merged over the defaults. */
  readonly config?: unknown;
  readonly log?: (line: string) => void;
}

export interface ReplacementResult {
  readonly status: "done" | "not-needed" | "unavailable" | "failed";
  readonly message: string;
  readonly campaignId?: string;
  /** Library ids of the factors the campaign accepted. */
  readonly accepted?: readonly number[];
  /** Of those, the ones retraining kept active as replacements (the rest it retires). */
  readonly kept?: readonly number[];
  /** Survivor trajectories the campaign's round 0 descends from (empty: planned from scratch). */
  readonly seededFrom?: readonly string[];
}

/** At most this many survivor trajectories seed a campaign (each is re-scored before round 0). */
export const MAX_SEEDS = 8;

/**
 * The trajectories that produced surviving factors, strongest first (by the best |RankIC| of their
 * surviving factors on the window, else on mining-valid), at most `max`. Imported factors have none.
 */
export function survivorTrajectories(survivors: readonly StoredFactor[], max = MAX_SEEDS): string[] {
  const strength = new Map<string, number>();
  for (const f of survivors) {
    if (f.trajectoryId === null) continue;
    const r = Math.abs(f.metrics["recent"]?.rankIc ?? f.metrics["valid"]?.rankIc ?? Number.NaN);
    const s = Number.isFinite(r) ? r : 0;
    strength.set(f.trajectoryId, Math.max(strength.get(f.trajectoryId) ?? -1, s));
  }
  return [...strength]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, max)
    .map(([id]) => id);
}

export type ReplacementMiner = (req: ReplacementRequest) => Promise<ReplacementResult>;

/** Mining-train / mining-valid / test ranges cut from the retrain's dates, or why there are none. */
export function replacementRanges(
  dates: readonly string[],
  window: RetrainWindow,
  trainDays: number,
): { miningTrain: string; miningValid: string; test: string } | string {
  const { from, to } = window.range;
  const validTo = to - LABEL_HORIZON;
  const trainTo = from - 1;
  const trainFrom = Math.max(0, trainTo - trainDays + 1);
  if (validTo - from + 1 < 20) return `the window has ${Math.max(0, validTo - from + 1)} labelled dates; mining needs at least 20`;
  if (trainTo - trainFrom + 1 < 60) return `only ${Math.max(0, trainTo - trainFrom + 1)} dates before the window; mining needs at least 60 to train on`;
  return {
    miningTrain: `${dates[trainFrom]}:${dates[trainTo]}`,
    miningValid: `${dates[from]}:${dates[validTo]}`,
    test: `${dates[validTo + 1]}:${dates[to]}`,
  };
}

/** The default miner: a short campaign with the campaign runner. */
export const campaignReplacementMiner: ReplacementMiner = async (req) => {
  const ranges = replacementRanges(req.panel.dates, req.window, req.trainDays);
  if (typeof ranges === "string") return { status: "failed", message: ranges };
  const { runMine } = await import("../campaign/run.ts");
  const { deepMerge, parseCampaignConfig } = await import("../campaign/config.ts");
  const id = `retrain${req.retrainRunId}`;
  const seeds = survivorTrajectories(req.survivors);
  if (seeds.length > 0) req.log?.(`replacements: seeding round 0 from ${seeds.length} survivor trajectories (${seeds.join(", ")})`);
  else req.log?.("replacements: no survivor has a stored trajectory (imported factors?): round 0 is planned from scratch");
  const base = {
    id,
    name: `replacements for retrain run #${req.retrainRunId} (${req.retired.map((f) => f.name).join(", ")})`,
    seed: req.seed,
    data: { source: req.dataSource, ...(req.universe ? { universe: req.universe } : {}) },
    ranges,
    agent: { provider: "offline" },
    evolution: {
      directions: Math.max(2, Math.min(6, 2 * req.target)),
      rounds: 3,
      factorsPerHypothesis: 2,
      crossoversPerRound: 2,
      concurrency: 2,
      ...(seeds.length > 0 ? { seedTrajectories: seeds } : {}),
    },
    finalPool: { model: "linear" },
    output: { runDir: req.runDir, library: req.libraryPath },
  };
  const config = parseCampaignConfig(deepMerge(base, req.config ?? {}), "replacement campaign config");
  const r = await runMine({ config, miningOnly: true, ...(req.log ? { log: req.log } : {}) });
  const campaignId = r.summary.campaign;
  // Mining finished; only the campaign's own final stage was skipped (retraining refits instead).
  if (r.summary.status === "finished") req.library.finishCampaign(campaignId, { status: "finished", summary: JSON.parse(JSON.stringify(r.summary)) as unknown });
  const accepted = req.library.listFactors({ campaign: campaignId, status: "active", sort: "id", order: "asc" }).map((f) => f.id);
  const seededFrom = roundZeroParents(req.library, campaignId);
  const configured = config.evolution.seedTrajectories ?? [];
  const seeding =
    seededFrom.length > 0
      ? `round 0 seeded from ${seededFrom.length} survivor trajectories (${seededFrom.join(", ")})`
      : configured.length > 0
        ? `seeded from ${configured.length} survivor trajectories, but no round-0 trajectory finished`
        : seeds.length > 0
          ? "not seeded (the replacement config turned seeding off)"
          : "not seeded: no survivor has a stored trajectory (imported factors), round 0 planned from scratch";
  return {
    status: "done",
    message: `campaign ${campaignId}: ${seeding}; ${r.summary.trajectories} trajectories, ${accepted.length} factors accepted`,
    campaignId,
    accepted,
    seededFrom,
  };
};

/** The other campaigns' trajectories that round 0 of a campaign descends from, in slot order. */
function roundZeroParents(library: FactorLibrary, campaignId: string): string[] {
  const parents = library.listTrajectories({ campaign: campaignId, round: 0 }).flatMap((t) => t.parents as readonly string[]);
  return [...new Set(parents)].filter((p) => library.getTrajectory(p)?.campaignId !== campaignId);
}
