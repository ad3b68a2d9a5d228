/**
 * The controller's settings, with the paper's defaults (QuantaAlpha: 10 directions, 11 rounds,
 * 3 factors per hypothesis, crossover of 2 parents, 10 crossovers per round) and the gate limits
 * of DESIGN §3. The campaign config (src/campaign/config.ts) validates user input into this shape.
 */

/** How crossover parents are drawn: by reward (`best`), reward-weighted sampling, one of the top percent plus a random one, or cycling through the three. */
export type ParentSelection = "best" | "weighted" | "top_random" | "mixed";

export interface GateSettings {
  /** Symbol length limit (characters of the canonical printed expression). */
  readonly maxSymbolLength: number;
  /** Distinct base fields limit. */
  readonly maxBaseFields: number;
  /** Numeric literals / AST nodes must stay strictly below this. */
  readonly maxFreeArgRatio: number;
  /** Largest common subtree with any zoo factor, in AST nodes (inclusive limit). */
  readonly maxCommonSubtree: number;
  /** |mean daily rank correlation| with any accepted factor must stay strictly below this… */
  readonly maxCorrelation: number;
  /** …unless the candidate's |valid RankIC| beats each such factor's by this relative margin (0 = no exception). */
  readonly improvementMargin: number;
  /** Ask the consistency judge (hypothesis ↔ description ↔ expression). */
  readonly judge: boolean;
  /** Days with a defined RankIC needed on each mining range, else the factor is unusable. */
  readonly minIcDays: number;
}

export interface EvolutionSettings {
  /** Planning directions = trajectories of round 0. */
  readonly directions: number;
  /** Rounds including round 0; rounds 1, 3, … mutate, rounds 2, 4, … cross over. */
  readonly rounds: number;
  readonly factorsPerHypothesis: number;
  /** Trajectories of a mutation round (default: the number of directions). */
  readonly mutationsPerRound: number;
  readonly crossoversPerRound: number;
  readonly crossoverParents: number;
  /**
   * Proposals a targeted mutation tries (each gated, evaluated and rewarded); the best is kept.
   * 1 = the paper's single revision.
   */
  readonly mutationCandidates: number;
  /** Share of mutations that ask for a hypothesis orthogonal to the parent's instead of a targeted fix. */
  readonly orthogonalRate: number;
  readonly parentSelection: ParentSelection;
  /** `top_random`: the first parent comes from this top share of the pool by reward. */
  readonly topPercent: number;
  /** Added to a parent pair's score per differing direction / phase (reward units). */
  readonly diversityBonus: number;
  /** Repair attempts per factor after a gate fails; then it is rejected. */
  readonly maxRepairs: number;
  /** Trajectories of one round running at once. */
  readonly concurrency: number;
  /** Ridge penalty of the reward model. */
  readonly ridgeLambda: number;
  /** How many accepted expressions the constructor is told to avoid (best first). */
  readonly avoidListSize: number;
  /** Use Alpha158 as the initial redundancy zoo. */
  readonly alpha158Zoo: boolean;
  /**
   * Library trajectories (of other campaigns) that seed round 0: it then holds mutations and
   * crossovers of them instead of one trajectory per planned direction (see seeded-round.ts).
   */
  readonly seedTrajectories?: readonly string[];
  readonly gates: GateSettings;
}

export const DEFAULT_GATES: GateSettings = Object.freeze({
  maxSymbolLength: 250,
  maxBaseFields: 6,
  maxFreeArgRatio: 0.5,
  maxCommonSubtree: 8,
  maxCorrelation: 0.7,
  improvementMargin: 0.2,
  judge: true,
  minIcDays: 20,
});

export const PAPER_SETTINGS: EvolutionSettings = Object.freeze({
  directions: 10,
  rounds: 11,
  factorsPerHypothesis: 3,
  mutationsPerRound: 10,
  crossoversPerRound: 10,
  crossoverParents: 2,
  mutationCandidates: 1,
  orthogonalRate: 0.2,
  parentSelection: "mixed",
  topPercent: 0.3,
  diversityBonus: 0.005,
  maxRepairs: 2,
  concurrency: 2,
  ridgeLambda: 0.01,
  avoidListSize: 40,
  alpha158Zoo: true,
  gates: DEFAULT_GATES,
});

export type RoundPhase = "original" | "mutation" | "crossover";

/** Round 0 is original; then mutation and crossover alternate. */
export function phaseOfRound(round: number): RoundPhase {
  if (round === 0) return "original";
  return round % 2 === 1 ? "mutation" : "crossover";
}

/** Trajectories a round is planned to hold. */
export function slotsOfRound(s: Pick<EvolutionSettings, "directions" | "mutationsPerRound" | "crossoversPerRound">, round: number): number {
  const phase = phaseOfRound(round);
  return phase === "original" ? s.directions : phase === "mutation" ? s.mutationsPerRound : s.crossoversPerRound;
}
