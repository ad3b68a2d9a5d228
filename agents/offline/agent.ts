/**
 * The `offline` provider: a deterministic, seeded proposer that plays every
 * agent role without a network — typed genetic programming over the factor
 * grammar with a catalogue of mechanism templates. Every answer is a pure
 * function of (agent seed, role, input, call seed), so concurrent calls and
 * re-runs give identical results. Calls are accounted and logged like LLM
 * calls (zero tokens; the prompt hash of the prompt an LLM would have got),
 * so a replay of the log through the LLM agent reproduces them exactly.
 */
import { UsageLedger } from "../accounting.ts";
import { LlmAbortError, LlmError, LlmReplyError } from "../errors.ts";
import { canonicalJson, promptHash } from "../hash.ts";
import { renderPrompt } from "../prompts/index.ts";
import type { CallOptions, RoleInputs } from "../roles.ts";
import { RoleAgent } from "../role-agent.ts";
import { formatZodError, ROLE_SCHEMAS, type RoleOutputs } from "../schemas.ts";
import type { CallSink, Role } from "../types.ts";
import { analyzeTrajectory } from "./analyst.ts";
import { crossTrajectories, mutateTrajectory } from "./evolve.ts";
import { judgeConsistency } from "./judge.ts";
import { constructFactors, generateHypothesis, planDirections } from "./propose.ts";
import { repairExpression } from "./repair.ts";
import { hash32, Rng } from "./rng.ts";

export interface OfflineAgentOptions {
  /** Campaign seed (default 0). */
  readonly seed?: number;
  readonly ledger?: UsageLedger;
  /** Receives one record per call, in the LLM call-log shape. */
  readonly sink?: CallSink;
}

export const OFFLINE_MODEL = "offline-gp";

const SOLVERS: { [R in Role]: (input: RoleInputs[R], rng: Rng) => RoleOutputs[R] } = {
  planner: planDirections,
  hypothesis: generateHypothesis,
  constructor: constructFactors,
  judge: judgeConsistency,
  repairer: repairExpression,
  analyst: analyzeTrajectory,
  mutator: mutateTrajectory,
  crossover: crossTrajectories,
};

export class OfflineAgent extends RoleAgent {
  readonly provider = "offline";
  readonly model = OFFLINE_MODEL;
  readonly ledger: UsageLedger;
  private readonly seed: number;
  /** The seed logged for calls without their own (null when none was configured, as the LLM agent does). */
  private readonly logSeed: number | null;
  private readonly sink: CallSink | undefined;

  constructor(opts: OfflineAgentOptions = {}) {
    super();
    this.seed = opts.seed ?? 0;
    this.logSeed = opts.seed ?? null;
    this.ledger = opts.ledger ?? new UsageLedger();
    this.sink = opts.sink;
  }

  /** The role's answer; same seed and input → same answer. */
  async run<R extends Role>(role: R, input: RoleInputs[R], call: CallOptions = {}): Promise<RoleOutputs[R]> {
    if (call.signal?.aborted) throw new LlmAbortError();
    this.ledger.checkBudget();
    const started = performance.now();
    const rng = new Rng(hash32(canonicalJson(input), hash32(`${role}|${this.seed}|${call.seed ?? this.seed}`)));
    const solve = SOLVERS[role] as (input: RoleInputs[R], rng: Rng) => RoleOutputs[R];
    // Our answers are validated like any model's, and an answer we cannot give (odd input, or a
    // bug) fails the way an unusable reply does, so the controller drops the candidate and goes on.
    let raw: RoleOutputs[R];
    try {
      raw = solve(input, rng);
    } catch (e) {
      if (e instanceof LlmError) throw e;
      throw new LlmReplyError(role, `offline proposer failed: ${e instanceof Error ? e.message : String(e)}`, "", 1);
    }
    const checked = ROLE_SCHEMAS[role].safeParse(raw);
    if (!checked.success) throw new LlmReplyError(role, `offline answer off-schema: ${formatZodError(checked.error)}`, JSON.stringify(raw).slice(0, 500), 1);
    const output = checked.data as RoleOutputs[R];
    const latencyMs = Math.round(performance.now() - started);
    const rec = {
      role,
      model: this.model,
      provider: this.provider,
      tokensIn: 0,
      tokensOut: 0,
      latencyMs,
      promptHash: this.sink ? promptHash(renderPrompt(role, input)) : "",
      seed: call.seed ?? this.logSeed,
      reply: JSON.stringify(output),
      attempt: 1,
    };
    const costUsd = this.ledger.record(rec);
    this.sink?.({ ...rec, costUsd });
    return output;
  }
}
