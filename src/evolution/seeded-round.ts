/**
 * A campaign seeded from trajectories already in the library (retraining's replacement campaign):
 * instead of one trajectory per planned direction, round 0 holds mutations of the seed
 * trajectories (targeted at the blamed step, or orthogonal) and crossovers between them, so mining
 * explores around what still works instead of starting cold. Later rounds evolve as usual.
 *
 * A seed is the stored trajectory as it stands today, re-scored on this campaign's mining data
 * (its stored metrics and reward were measured on another campaign's ranges, so they are not
 * comparable with its children's): its factors still in the library's pool (active or watch) carry
 * their metrics on this campaign's ranges and make its reward; those the library retired since are
 * shown to the agents as failed, with the library's reason (e.g. "decayed: …"), so a mutation knows
 * what stopped working. Candidates the old campaign rejected are left out. The controller stores
 * the scored seeds in the plan checkpoint, so a resumed campaign replans round 0 from the same ones.
 */
import { QuantaError } from "../../factors/errors.ts";
import type { Direction } from "../../agents/schemas.ts";
import type { FactorLibrary, StoredFactor } from "../library/index.ts";
import type { MiningData } from "./mining-data.ts";
import { rewardOf } from "./scoring.ts";
import { SeededRandom } from "./seeds.ts";
import { parentSetKey, selectParents, type ParentCandidate, type SelectionStrategy } from "./selection.ts";
import type { EvolutionSettings } from "./settings.ts";
import { loadState } from "./state.ts";
import type { SlotPlan, TrajectoryNode } from "./trajectory.ts";
import { TrajectorySchema, acceptedFactors, type FactorCandidate, type SplitMetrics } from "./types.ts";
import type { ValueCache } from "./values.ts";

/** What re-scoring a seed needs: this campaign's mining data, its value cache and metrics. */
export interface SeedScoring {
  readonly data: MiningData;
  readonly values: ValueCache;
  metrics(canonical: string, values: Float64Array): SplitMetrics;
  readonly ridgeLambda: number;
}

/** Library statuses whose factors are still part of the pool. */
const IN_POOL = new Set(["active", "watch"]);

/** The stored trajectories (with their agent extras) of the given ids, in the given order, duplicates dropped. */
export function loadSeedTrajectories(library: FactorLibrary, ids: readonly string[], campaignId: string): TrajectoryNode[] {
  const byCampaign = new Map<string, Map<string, TrajectoryNode>>();
  const out: TrajectoryNode[] = [];
  for (const id of [...new Set(ids)]) {
    const t = library.getTrajectory(id);
    if (!t) throw new QuantaError(`evolution.seedTrajectories: no trajectory ${id} in library ${library.path}`);
    if (t.campaignId === campaignId) throw new QuantaError(`evolution.seedTrajectories: ${id} belongs to this campaign; seeds come from other campaigns`);
    let nodes = byCampaign.get(t.campaignId);
    if (!nodes) {
      nodes = new Map(loadState(library, t.campaignId).nodes.map((n) => [n.trajectory.id, n]));
      byCampaign.set(t.campaignId, nodes);
    }
    out.push(nodes.get(id)!);
  }
  return out;
}

/** A stored trajectory as a seed of this campaign: factors with today's library status, metrics and reward on this campaign's data. */
export async function scoreSeed(stored: TrajectoryNode, rows: readonly StoredFactor[], s: SeedScoring): Promise<TrajectoryNode> {
  const factors: FactorCandidate[] = [];
  const live: Float64Array[] = [];
  for (const [idx, c] of stored.trajectory.factors.entries()) {
    if (c.status !== "accepted") continue;
    const row = rows.find((r) => r.trajectoryId === stored.trajectory.id && r.index === idx);
    if (!row) continue;
    let values: Float64Array;
    let metrics: SplitMetrics;
    try {
      values = await s.values.get(c.canonical);
      metrics = s.metrics(c.canonical, values);
    } catch (err) {
      // E.g. a field this data lacks: the agents see it failed, with why.
      factors.push({ ...c, status: "rejected", metrics: {}, rejection: { gate: "evaluation", reason: `cannot be evaluated on this campaign's data: ${(err as Error).message}` } });
      continue;
    }
    if (IN_POOL.has(row.status)) {
      factors.push({ ...c, metrics });
      live.push(values);
    } else {
      // Not a gate failure: the library took it out of the pool (retraining: decay or a sign flip).
      // "evaluation" is the closest gate name; the reason says what happened.
      factors.push({ ...c, status: "rejected", metrics, rejection: { gate: "evaluation", reason: `${row.status} in the library: ${row.statusReason ?? "no reason recorded"}` } });
    }
  }
  const reward = live.length > 0 ? rewardOf(s.data, live, s.ridgeLambda) : Number.NaN;
  return { ...stored, trajectory: TrajectorySchema.parse({ ...stored.trajectory, factors, reward }) };
}

/** Loads and re-scores the seeds of a campaign (see the module comment). */
export async function prepareSeeds(library: FactorLibrary, ids: readonly string[], campaignId: string, s: SeedScoring): Promise<TrajectoryNode[]> {
  const stored = loadSeedTrajectories(library, ids, campaignId);
  const rows = new Map<string, StoredFactor[]>();
  const out: TrajectoryNode[] = [];
  for (const n of stored) {
    const c = n.trajectory.campaignId;
    if (!rows.has(c)) rows.set(c, library.listFactors({ campaign: c, sort: "id", order: "asc" }));
    out.push(await scoreSeed(n, rows.get(c)!, s));
  }
  return out;
}

/** Stand-in planning directions of a seeded campaign (progress lines and the plan checkpoint): one per seed. */
export function seedDirections(seeds: readonly TrajectoryNode[]): Direction[] {
  return seeds.map((n) => ({
    id: `seed:${n.trajectory.id}`,
    title: `seeded from ${n.trajectory.id}`,
    mechanism: n.hypothesis.mechanism,
    horizon: n.hypothesis.horizonDays >= 15 ? "long" : "short",
    data: "price-volume",
    rationale: n.hypothesis.hypothesis,
  }));
}

const STRATEGY_CYCLE: readonly SelectionStrategy[] = ["best", "weighted", "top_random"];

const score = (n: TrajectoryNode) => (Number.isFinite(n.trajectory.reward) ? n.trajectory.reward : -Infinity);

/**
 * Round 0 of a seeded campaign, `settings.directions` slots: crossovers between distinct pairs of
 * seeds with passing factors (at most half the slots and `crossoversPerRound`, parents drawn as in
 * a crossover round), then the rest mutations of the seeds, best reward first — the first pass
 * targeted or orthogonal as in a mutation round, repeats of a seed orthogonal. Mutations take the
 * first slots. Deterministic in (seeds, settings, seed).
 */
export function planSeededRound(seeds: readonly TrajectoryNode[], settings: EvolutionSettings, seed: number): SlotPlan[] {
  if (seeds.length === 0) return [];
  const ranked = seeds.map((n, i) => ({ n, i })).sort((a, b) => score(b.n) - score(a.n) || a.i - b.i).map((x) => x.n);
  const slots = settings.directions;

  const fertile = ranked.filter((n) => Number.isFinite(n.trajectory.reward) && acceptedFactors(n.trajectory).length > 0);
  const byId = new Map(fertile.map((n) => [n.trajectory.id, n]));
  const candidates: ParentCandidate[] = fertile.map((n) => ({ id: n.trajectory.id, reward: n.trajectory.reward, directions: n.directionIds, phase: n.trajectory.phase }));
  const crossovers: { parents: TrajectoryNode[]; strategy: SelectionStrategy }[] = [];
  const used = new Set<string>();
  const maxCrossovers = candidates.length >= settings.crossoverParents ? Math.min(settings.crossoversPerRound, Math.floor(slots / 2)) : 0;
  for (let c = 0; c < maxCrossovers; c++) {
    let strategy = settings.parentSelection === "mixed" ? STRATEGY_CYCLE[c % STRATEGY_CYCLE.length]! : settings.parentSelection;
    const opts = { topPercent: settings.topPercent, diversityBonus: settings.diversityBonus, used };
    let chosen = selectParents(candidates, settings.crossoverParents, strategy, SeededRandom.of(seed, "seed-parents", c), opts);
    if (used.has(parentSetKey(chosen.map((x) => x.id)))) {
      // A drawing strategy kept hitting used sets: `best` takes the best unused one, if any is left.
      strategy = "best";
      chosen = selectParents(candidates, settings.crossoverParents, strategy, SeededRandom.of(seed, "seed-parents", c), opts);
    }
    const key = parentSetKey(chosen.map((x) => x.id));
    if (chosen.length < 2 || used.has(key)) break; // no new set: the slot goes to a mutation
    used.add(key);
    crossovers.push({ parents: chosen.map((x) => byId.get(x.id)!), strategy });
  }

  const nMutations = slots - crossovers.length;
  const plans: SlotPlan[] = [];
  for (let k = 0; k < nMutations; k++) {
    const repeat = k >= ranked.length;
    const orthogonal = repeat || SeededRandom.of(seed, "seed-mutation-mode", k).chance(settings.orthogonalRate);
    plans.push({ phase: "mutation", round: 0, slot: k, parent: ranked[k % ranked.length]!, mode: orthogonal ? "orthogonal" : "targeted" });
  }
  crossovers.forEach((x, c) => plans.push({ phase: "crossover", round: 0, slot: nMutations + c, parents: x.parents, strategy: x.strategy }));
  return plans;
}
