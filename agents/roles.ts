/**
 * The agent role API the controller calls. The LLM-backed agent and the
 * offline proposer both implement `Agent`, so a campaign does not know which
 * one it runs on.
 */
import type { UsageLedger } from "./accounting.ts";
import type {
  AnalystOutput,
  ConstructorOutput,
  CrossoverOutput,
  Direction,
  FactorSpec,
  Hypothesis,
  HypothesisOutput,
  JudgeOutput,
  MutatorOutput,
  PlannerOutput,
  RepairerOutput,
} from "./schemas.ts";

/** Fields every dataset has ($return is derived from $close). `$vwap`, `$amount`, `$factor` are optional. */
export const DEFAULT_FIELDS: readonly string[] = ["$open", "$high", "$low", "$close", "$volume", "$return"];

export interface FactorMetrics {
  readonly ic?: number | null;
  readonly rankIc?: number | null;
  readonly icir?: number | null;
  readonly rankIcir?: number | null;
  /** RankIC on the mining-train range, to spot overfitting. */
  readonly trainRankIc?: number | null;
  /** RankIC on the mining-valid range. */
  readonly validRankIc?: number | null;
  readonly turnover?: number | null;
}

export interface GateResult {
  readonly passed: boolean;
  readonly reason?: string;
}

export interface EvaluatedFactor extends FactorSpec {
  readonly metrics?: FactorMetrics;
  readonly gate?: GateResult;
}

export interface PlannerInput {
  readonly n: number;
  readonly fields?: readonly string[];
  /** Titles or ids of directions already explored, to steer away from. */
  readonly avoid?: readonly string[];
  readonly notes?: string;
}

export interface HypothesisInput {
  readonly direction: Direction;
  readonly fields?: readonly string[];
  /** Earlier hypotheses and their feedback in this line of search. */
  readonly history?: readonly string[];
}

export interface ConstructorInput {
  readonly hypothesis: Hypothesis;
  /** Factors wanted (2–3). */
  readonly n: number;
  readonly fields?: readonly string[];
  /** Expressions already in the library, not to be repeated. */
  readonly avoid?: readonly string[];
}

export interface JudgeInput {
  readonly hypothesis: Hypothesis;
  readonly factor: FactorSpec;
  readonly fields?: readonly string[];
}

export type RepairKind = "parse" | "lookahead" | "field" | "complexity" | "redundancy" | "consistency" | "other";

export interface RepairInput {
  readonly factor: FactorSpec;
  /** The parser's or the gate's message. */
  readonly error: string;
  readonly kind?: RepairKind;
  readonly hypothesis?: Hypothesis;
  readonly fields?: readonly string[];
  /** 1 for the first repair of this factor. */
  readonly attempt?: number;
}

export interface AnalystInput {
  readonly hypothesis: Hypothesis;
  readonly factors: readonly EvaluatedFactor[];
  /** The trajectory's reward (RankIC of the combined model on mining-valid). */
  readonly reward: number | null;
  readonly parentReward?: number | null;
}

export type MutationMode = "targeted" | "orthogonal";

export interface MutatorInput {
  readonly direction?: Direction;
  readonly hypothesis: Hypothesis;
  readonly factors: readonly EvaluatedFactor[];
  readonly feedback: AnalystOutput;
  /** targeted (default): revise the blamed step; orthogonal: a new hypothesis orthogonal to the parent. */
  readonly mode?: MutationMode;
  readonly fields?: readonly string[];
}

export interface CrossoverParent {
  readonly direction?: Direction;
  readonly hypothesis: Hypothesis;
  readonly factors: readonly EvaluatedFactor[];
  readonly reward: number | null;
  readonly feedback?: AnalystOutput;
}

export interface CrossoverInput {
  readonly parents: readonly CrossoverParent[];
  readonly fields?: readonly string[];
}

export interface RoleInputs {
  planner: PlannerInput;
  hypothesis: HypothesisInput;
  constructor: ConstructorInput;
  judge: JudgeInput;
  repairer: RepairInput;
  analyst: AnalystInput;
  mutator: MutatorInput;
  crossover: CrossoverInput;
}

export interface CallOptions {
  /** Per-call seed: the offline proposer's randomness, the endpoint's `seed`, part of the replay key. */
  readonly seed?: number;
  readonly signal?: AbortSignal;
}

export interface Agent {
  /** `openai | langchain | offline | replay`. */
  readonly provider: string;
  readonly model: string;
  readonly ledger: UsageLedger;
  plan(input: PlannerInput, opts?: CallOptions): Promise<PlannerOutput>;
  hypothesize(input: HypothesisInput, opts?: CallOptions): Promise<HypothesisOutput>;
  construct(input: ConstructorInput, opts?: CallOptions): Promise<ConstructorOutput>;
  judge(input: JudgeInput, opts?: CallOptions): Promise<JudgeOutput>;
  repair(input: RepairInput, opts?: CallOptions): Promise<RepairerOutput>;
  analyze(input: AnalystInput, opts?: CallOptions): Promise<AnalystOutput>;
  mutate(input: MutatorInput, opts?: CallOptions): Promise<MutatorOutput>;
  crossover(input: CrossoverInput, opts?: CallOptions): Promise<CrossoverOutput>;
}
