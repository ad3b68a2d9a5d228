/**
 * What a slot (one trajectory being built) reads: the mining data, the settings, the zoo as it was
 * at the start of the round, value and metric caches, the agent, and the seeds and abort signal.
 */
import type { Agent } from "../../agents/roles.ts";
import type { MiningData } from "./mining-data.ts";
import type { EvolutionSettings } from "./settings.ts";
import type { SplitMetrics } from "./types.ts";
import type { ValueCache } from "./values.ts";
import type { FactorZoo } from "./zoo.ts";

export interface SlotContext {
  readonly data: MiningData;
  readonly settings: EvolutionSettings;
  /** Not changed while a round runs: acceptances are applied at the round's end. */
  readonly zoo: FactorZoo;
  readonly values: ValueCache;
  /** Per-factor metrics (evaluation cache first). */
  metrics(canonical: string, values: Float64Array): SplitMetrics;
  readonly agent: Agent;
  readonly campaignId: string;
  readonly campaignSeed: number;
  readonly signal: AbortSignal;
  readonly now: () => string;
  /** Accepted expressions (canonical, best first) the constructor is asked not to repeat. */
  readonly avoid: readonly string[];
}
