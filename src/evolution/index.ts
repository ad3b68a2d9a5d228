/**
 * The evolutionary mining controller (DESIGN §6): trajectories, gates with bounded repair,
 * rewards, mutation and crossover rounds, the campaign zoo, resume checkpoints.
 */
export { runEvolution, planRound, type EvolutionEvent, type EvolutionResult, type RunEvolutionOptions } from "./controller.ts";
export { prepareMiningData, panelFieldNames, type MiningData, type MiningRanges } from "./mining-data.ts";
export { InProcessEvaluator, poolEvaluator, type FactorEvaluator, type PoolLike } from "./evaluator.ts";
export { CampaignRecorder, withCallScope } from "./recorder.ts";
export { BASE_FEATURES, type BaseFeature } from "./base-features.ts";
export {
  PAPER_SETTINGS,
  DEFAULT_GATES,
  phaseOfRound,
  slotsOfRound,
  type EvolutionSettings,
  type GateSettings,
  type ParentSelection,
  type RoundPhase,
} from "./settings.ts";
export { factorMetrics, rewardOf, summaryToMetrics } from "./scoring.ts";
export { CorrelationStore, type CorrelationHit, type RankProfile } from "./correlation.ts";
export { FactorZoo, alpha158, type ZooEntry, type AcceptedFactor } from "./zoo.ts";
export * as gates from "./gates.ts";
export { processCandidate, type CandidateOutcome } from "./candidate.ts";
export { runSlot, evaluatedFactor, trajectoryId, type SlotPlan, type SlotOutcome, type TrajectoryNode } from "./trajectory.ts";
export { selectParents, mutationParents, diversity, parentSetKey, type ParentCandidate, type SelectionStrategy } from "./selection.ts";
export { loadState, type CampaignState } from "./state.ts";
export { deriveSeed, SeededRandom } from "./seeds.ts";
export { CampaignStopped, isStop, isAgentFailure } from "./errors.ts";
export { ValueCache } from "./values.ts";
export * from "./types.ts";
