/**
 * Building one trajectory (a "slot" of a round): the hypothesis and factor specs come from the
 * planner direction (original), from a parent with the blamed step regenerated (mutation), or
 * from recombined parents (crossover); then every factor goes through the gates, the reward is
 * computed and the analyst writes the feedback the next mutation will act on.
 *
 * Mutation keeps the prefix before the blamed step: when the analyst blames the expression
 * structure or the parameters, the parent's hypothesis is kept verbatim whatever the mutator
 * returns; only a blamed hypothesis (or an orthogonal mutation) replaces it.
 */
import { z } from "zod";
import type { EvaluatedFactor } from "../../agents/roles.ts";
import {
  AnalystOutputSchema,
  HypothesisSchema as AgentHypothesisSchema,
  type AnalystOutput,
  type Direction,
  type FactorSpec,
  type Hypothesis as AgentHypothesis,
  type Step,
} from "../../agents/schemas.ts";
import { processCandidate, type CandidateOutcome } from "./candidate.ts";
import type { SlotContext } from "./context.ts";
import { firstLine, isAgentFailure, throwIfStopped } from "./errors.ts";
import { rewardOf } from "./scoring.ts";
import type { SelectionStrategy } from "./selection.ts";
import { AgentSession } from "./session.ts";
import { TrajectorySchema, type FactorCandidate, type Feedback, type Trajectory, type TrajectoryInput, type TrajectoryStep } from "./types.ts";

/** A trajectory with what the library does not store but mutation and crossover need. */
export interface TrajectoryNode {
  readonly trajectory: Trajectory;
  /** The agent's full hypothesis (mechanism, fields, horizon) — the stored one keeps statement and rationale. */
  readonly hypothesis: AgentHypothesis;
  readonly analysis: AnalystOutput | null;
  /** Planning directions in its ancestry (one for original and mutation, the union for crossover). */
  readonly directionIds: readonly string[];
}

export const NodeExtrasSchema = z.object({
  hypothesis: AgentHypothesisSchema,
  analysis: AnalystOutputSchema.nullable(),
  directionIds: z.array(z.string()).min(1),
});
export type NodeExtras = z.infer<typeof NodeExtrasSchema>;

export function extrasOf(n: TrajectoryNode): NodeExtras {
  return { hypothesis: n.hypothesis, analysis: n.analysis, directionIds: [...n.directionIds] };
}

export type SlotPlan =
  | { readonly phase: "original"; readonly round: number; readonly slot: number; readonly direction: Direction }
  | {
      readonly phase: "mutation";
      readonly round: number;
      readonly slot: number;
      readonly parent: TrajectoryNode;
      readonly mode: "targeted" | "orthogonal";
    }
  | {
      readonly phase: "crossover";
      readonly round: number;
      readonly slot: number;
      readonly parents: readonly TrajectoryNode[];
      readonly strategy: SelectionStrategy;
    };

export type SlotOutcome =
  | { readonly kind: "done"; readonly node: TrajectoryNode }
  | { readonly kind: "failed"; readonly reason: string };

export function trajectoryId(campaignId: string, round: number, slot: number): string {
  return `${campaignId}/r${round}-s${slot}`;
}

const STEP_OF: Record<Step, TrajectoryStep> = { hypothesis: "hypothesis", structure: "expression", parameters: "parameters" };

function num(v: number | undefined): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** A candidate as the agents see it: valid-range metrics plus train RankIC, and whether it passed. */
export function evaluatedFactor(c: FactorCandidate): EvaluatedFactor {
  const v = c.metrics["valid"];
  const t = c.metrics["train"];
  return {
    name: c.name,
    description: c.description || c.name,
    formulation: c.formulation || c.expression,
    expression: c.expression,
    metrics: {
      ic: num(v?.ic),
      icir: num(v?.icir),
      rankIc: num(v?.rankIc),
      rankIcir: num(v?.rankIcir),
      trainRankIc: num(t?.rankIc),
      validRankIc: num(v?.rankIc),
    },
    gate: c.status === "accepted" ? { passed: true } : { passed: false, reason: c.rejection.reason },
  };
}

/** Feedback to use when a parent has none (its analyst call failed). */
function fallbackAnalysis(reward: number): AnalystOutput {
  const weak = !Number.isFinite(reward);
  return {
    weakestStep: weak ? "hypothesis" : "parameters",
    feedback: weak ? "no factor of this trajectory could be scored" : "no analysis was available; tune the windows",
    observations: `reward ${Number.isFinite(reward) ? reward.toFixed(4) : "n/a"}`,
    suggestions: [weak ? "state a hypothesis with a clearer observable pattern" : "try other windows"],
  };
}

function feedbackOf(a: AnalystOutput | null): Feedback | null {
  if (!a) return null;
  const text = [a.feedback, a.suggestions.length ? `Suggestions: ${a.suggestions.join("; ")}` : ""].filter(Boolean).join(" ");
  return { blamedStep: STEP_OF[a.weakestStep], text };
}

interface Proposal {
  readonly hypothesis: AgentHypothesis;
  readonly specs: readonly FactorSpec[];
  readonly directionIds: readonly string[];
  readonly parents: readonly TrajectoryNode[];
  readonly origin?: Record<string, unknown>;
}

/**
 * Hints that spread the extra proposals of a parameters mutation over both directions (the
 * analyst's own suggestion tends to push every proposal the same way).
 */
const WINDOW_HINTS = ["shorten the windows (try shorter look-backs than now)", "lengthen the windows (try longer look-backs than now)"];

function feedbackFor(a: AnalystOutput, variant: number): AnalystOutput {
  if (variant === 0 || a.weakestStep !== "parameters") return a;
  return { ...a, suggestions: [WINDOW_HINTS[(variant - 1) % WINDOW_HINTS.length]!] };
}

async function propose(ctx: SlotContext, session: AgentSession, plan: SlotPlan, variant = 0): Promise<Proposal> {
  const { data, settings } = ctx;
  const k = settings.factorsPerHypothesis;
  switch (plan.phase) {
    case "original": {
      const hypothesis = await session.call("hypothesis", (a, o) => a.hypothesize({ direction: plan.direction, fields: data.fields, history: [] }, o));
      const built = await session.call("constructor", (a, o) =>
        a.construct({ hypothesis, n: k, fields: data.fields, avoid: ctx.avoid }, o),
      );
      return { hypothesis, specs: built.factors, directionIds: [plan.direction.id], parents: [] };
    }
    case "mutation": {
      const p = plan.parent;
      const feedback = feedbackFor(p.analysis ?? fallbackAnalysis(p.trajectory.reward), variant);
      const out = await session.call("mutator", (a, o) =>
        a.mutate(
          {
            hypothesis: p.hypothesis,
            factors: p.trajectory.factors.map(evaluatedFactor),
            feedback,
            mode: plan.mode,
            fields: data.fields,
          },
          o,
        ),
      );
      const blamed: Step = plan.mode === "orthogonal" ? "hypothesis" : feedback.weakestStep;
      // The prefix before the blamed step is kept: only a blamed hypothesis may change.
      const hypothesis = blamed === "hypothesis" ? out.hypothesis : p.hypothesis;
      return {
        hypothesis,
        specs: out.factors,
        directionIds: p.directionIds,
        parents: [p],
        origin: { mode: plan.mode, fromStep: STEP_OF[blamed] },
      };
    }
    case "crossover": {
      const out = await session.call("crossover", (a, o) =>
        a.crossover(
          {
            parents: plan.parents.map((p) => ({
              hypothesis: p.hypothesis,
              factors: p.trajectory.factors.map(evaluatedFactor),
              reward: num(p.trajectory.reward),
              ...(p.analysis ? { feedback: p.analysis } : {}),
            })),
            fields: data.fields,
          },
          o,
        ),
      );
      const directionIds = [...new Set(plan.parents.flatMap((p) => p.directionIds))].sort();
      return { hypothesis: out.hypothesis, specs: out.factors, directionIds, parents: plan.parents, origin: { strategy: plan.strategy } };
    }
  }
}

/**
 * Lets timers and signal handlers run. Offline agent calls resolve as microtasks and evaluation is
 * synchronous, so without this a whole campaign could run without the event loop ever turning —
 * and Ctrl-C would only be seen at the end.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Builds one trajectory. Agent failures end the slot (`failed`); stops (abort, budget) and bugs propagate. */
export async function runSlot(ctx: SlotContext, plan: SlotPlan): Promise<SlotOutcome> {
  const id = trajectoryId(ctx.campaignId, plan.round, plan.slot);
  const session = new AgentSession(ctx.agent, {
    campaignSeed: ctx.campaignSeed,
    key: `r${plan.round}/s${plan.slot}`,
    round: plan.round,
    trajectoryId: id,
    signal: ctx.signal,
  });
  // A targeted mutation may try several proposals and keep the best (a (1+λ) step on the blamed
  // part); everything else makes one. Later proposals that fail are skipped, a failed first one
  // fails the slot.
  const tries = plan.phase === "mutation" && plan.mode === "targeted" ? Math.max(1, ctx.settings.mutationCandidates) : 1;
  let best: { proposal: Proposal; factors: FactorCandidate[]; reward: number } | undefined;
  for (let k = 0; k < tries; k++) {
    await yieldToEventLoop();
    throwIfStopped(ctx.signal);
    let proposal: Proposal;
    try {
      proposal = await propose(ctx, session, plan, k);
    } catch (err) {
      if (!isAgentFailure(err)) throw err;
      if (k === 0) return { kind: "failed", reason: `${plan.phase}: ${firstLine(err)}` };
      break;
    }
    const outcomes: CandidateOutcome[] = [];
    const passed: string[] = [];
    for (const spec of proposal.specs.slice(0, ctx.settings.factorsPerHypothesis)) {
      await yieldToEventLoop();
      throwIfStopped(ctx.signal);
      const o = await processCandidate(ctx, session, proposal.hypothesis, spec, passed);
      outcomes.push(o);
      if (o.candidate.status === "accepted") passed.push(o.candidate.canonical);
    }
    const values = outcomes.flatMap((o) => (o.candidate.status === "accepted" && o.values ? [o.values] : []));
    const reward = values.length > 0 ? rewardOf(ctx.data, values, ctx.settings.ridgeLambda) : Number.NaN;
    if (!best || reward > best.reward || (Number.isNaN(best.reward) && !Number.isNaN(reward))) {
      best = { proposal, factors: outcomes.map((o) => o.candidate), reward };
    }
  }
  const { proposal, factors, reward } = best!;

  const parentRewards = proposal.parents.map((p) => p.trajectory.reward).filter(Number.isFinite);
  let analysis: AnalystOutput | null = null;
  try {
    analysis = await session.call("analyst", (a, o) =>
      a.analyze(
        {
          hypothesis: proposal.hypothesis,
          factors: factors.map(evaluatedFactor),
          reward: num(reward),
          ...(parentRewards.length > 0 ? { parentReward: Math.max(...parentRewards) } : {}),
        },
        o,
      ),
    );
  } catch (err) {
    // The trajectory stands without feedback; a mutation of it falls back to a default.
    if (!isAgentFailure(err)) throw err;
  }

  const common = {
    id,
    campaignId: ctx.campaignId,
    round: plan.round,
    direction: proposal.directionIds.join("+"),
    hypothesis: { statement: proposal.hypothesis.hypothesis, rationale: proposal.hypothesis.rationale },
    factors,
    reward,
    feedback: feedbackOf(analysis),
    createdAt: ctx.now(),
  };
  // A mutation or crossover in round 0 descends from another campaign's trajectory (a seeded campaign).
  const seeded = plan.round === 0 ? { seeded: true as const } : {};
  const input: TrajectoryInput =
    plan.phase === "original"
      ? { ...common, phase: "original", parents: [] }
      : plan.phase === "mutation"
        ? {
            ...common,
            phase: "mutation",
            parents: [plan.parent.trajectory.id],
            origin: { ...(proposal.origin as { mode: "targeted" | "orthogonal"; fromStep: TrajectoryStep }), ...seeded },
          }
        : {
            ...common,
            phase: "crossover",
            parents: plan.parents.map((p) => p.trajectory.id) as [string, string, ...string[]],
            origin: { strategy: plan.strategy, ...seeded },
          };
  return {
    kind: "done",
    node: { trajectory: TrajectorySchema.parse(input), hypothesis: proposal.hypothesis, analysis, directionIds: proposal.directionIds },
  };
}
