/**
 * Parent selection (pure, seeded). Crossover parents are chosen by reward with a diversity bonus
 * across directions and phases, by one of three strategies (DESIGN §6):
 *  - `best`: the highest-scoring parent set not used yet this round (score = sum of rewards + bonus);
 *  - `weighted`: parents drawn with probability growing with reward (+ bonus);
 *  - `top_random`: one parent from the top share by reward, the others at random (diverse ones likelier).
 * Mutation parents are the previous round's trajectories, topped up with the best older ones.
 */
import type { SeededRandom } from "./seeds.ts";

export interface ParentCandidate {
  readonly id: string;
  /** Finite reward (callers filter out NaN). */
  readonly reward: number;
  /** Planning directions in this trajectory's ancestry. */
  readonly directions: readonly string[];
  readonly phase: string;
}

export type SelectionStrategy = "best" | "weighted" | "top_random";

export interface SelectionOptions {
  readonly topPercent: number;
  readonly diversityBonus: number;
  /** Parent sets (sorted ids joined by "|") already used this round; avoided when possible. */
  readonly used: ReadonlySet<string>;
}

export function parentSetKey(ids: readonly string[]): string {
  return [...ids].sort().join("|");
}

/** How different `c` is from the already chosen parents: 1 per disjoint direction set, 0.5 per partial, 0.5 per other phase. */
export function diversity(c: ParentCandidate, chosen: readonly ParentCandidate[]): number {
  let d = 0;
  for (const p of chosen) {
    const shared = c.directions.filter((x) => p.directions.includes(x)).length;
    if (shared === 0) d += 1;
    else if (shared < Math.max(c.directions.length, p.directions.length)) d += 0.5;
    if (c.phase !== p.phase) d += 0.5;
  }
  return d;
}

/** Pool sorted best first (ties: pool order). */
function byReward(pool: readonly ParentCandidate[]): ParentCandidate[] {
  return pool.map((c, i) => ({ c, i })).sort((a, b) => b.c.reward - a.c.reward || a.i - b.i).map((x) => x.c);
}

function selectBest(pool: readonly ParentCandidate[], k: number, opts: SelectionOptions): ParentCandidate[] {
  const ranked = byReward(pool);
  let bestPair: { set: ParentCandidate[]; score: number; used: boolean } | undefined;
  for (let a = 0; a < ranked.length; a++) {
    for (let b = a + 1; b < ranked.length; b++) {
      const pa = ranked[a]!;
      const pb = ranked[b]!;
      const score = pa.reward + pb.reward + opts.diversityBonus * diversity(pb, [pa]);
      const used = k === 2 && opts.used.has(parentSetKey([pa.id, pb.id]));
      // Prefer unused sets; among them the highest score (strictly greater keeps the earlier pair on ties).
      if (!bestPair || (bestPair.used && !used) || (bestPair.used === used && score > bestPair.score)) {
        bestPair = { set: [pa, pb], score, used };
      }
    }
  }
  const chosen = bestPair ? [...bestPair.set] : ranked.slice(0, Math.min(k, ranked.length));
  while (chosen.length < k) {
    let best: { c: ParentCandidate; score: number } | undefined;
    for (const c of ranked) {
      if (chosen.includes(c)) continue;
      const score = c.reward + opts.diversityBonus * diversity(c, chosen);
      if (!best || score > best.score) best = { c, score };
    }
    if (!best) break;
    chosen.push(best.c);
  }
  return chosen;
}

function drawOnce(pool: readonly ParentCandidate[], k: number, strategy: "weighted" | "top_random", rng: SeededRandom, opts: SelectionOptions): ParentCandidate[] {
  const ranked = byReward(pool);
  const chosen: ParentCandidate[] = [];
  const lo = ranked[ranked.length - 1]!.reward;
  const hi = ranked[0]!.reward;
  const spread = hi - lo > 0 ? hi - lo : 1e-3;
  if (strategy === "top_random") {
    const top = Math.max(1, Math.ceil(opts.topPercent * ranked.length));
    chosen.push(ranked[rng.int(top)]!);
  }
  while (chosen.length < k) {
    const rest = ranked.filter((c) => !chosen.includes(c));
    if (rest.length === 0) break;
    const weights = rest.map((c) => {
      const d = diversity(c, chosen);
      return strategy === "weighted" ? c.reward - lo + 0.1 * spread + opts.diversityBonus * d : 1 + d;
    });
    chosen.push(rest[rng.weighted(weights)]!);
  }
  return chosen;
}

/**
 * k parents from the pool (fewer only if the pool is smaller), by strategy. Drawing strategies
 * retry a few times to avoid a parent set already used this round.
 */
export function selectParents(
  pool: readonly ParentCandidate[],
  k: number,
  strategy: SelectionStrategy,
  rng: SeededRandom,
  opts: SelectionOptions,
): ParentCandidate[] {
  if (pool.length === 0 || k <= 0) return [];
  if (strategy === "best") return selectBest(pool, k, opts);
  let chosen = drawOnce(pool, k, strategy, rng, opts);
  for (let tries = 0; tries < 8 && opts.used.has(parentSetKey(chosen.map((c) => c.id))); tries++) {
    chosen = drawOnce(pool, k, strategy, rng, opts);
  }
  return chosen;
}

/**
 * Parents of a mutation round: the previous round's trajectories (slot order; the best `n` by
 * reward when there are more), topped up with the best older ones when there are fewer.
 */
export function mutationParents<T extends { readonly id: string; readonly reward: number }>(
  previous: readonly T[],
  older: readonly T[],
  n: number,
): T[] {
  const score = (r: number) => (Number.isFinite(r) ? r : -Infinity);
  const rank = (xs: readonly T[]) => xs.map((x, i) => ({ x, i })).sort((a, b) => score(b.x.reward) - score(a.x.reward) || a.i - b.i);
  let chosen: T[];
  if (previous.length >= n) {
    const keep = new Set(rank(previous).slice(0, n).map((e) => e.x));
    chosen = previous.filter((x) => keep.has(x));
  } else {
    chosen = [...previous];
    for (const { x } of rank(older)) {
      if (chosen.length >= n) break;
      if (Number.isFinite(x.reward)) chosen.push(x);
    }
  }
  return chosen;
}
