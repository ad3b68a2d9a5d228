/**
 * The evolutionary controller (DESIGN §6): plan N directions; round 0 runs one trajectory per
 * direction (or, in a campaign seeded from library trajectories, mutations and crossovers of them:
 * seeded-round.ts); then mutation and crossover rounds alternate. Slots of a round run concurrently
 * (bounded), each with its own seeds and the zoo as it was when the round started; each finished
 * slot is checkpointed at once; at the round's end acceptances are applied in slot order and the
 * round's trajectories are committed with a `round-end` checkpoint in one transaction. So the
 * library does not depend on timing, and a killed campaign resumes where it stopped.
 */
import { QuantaError } from "../../factors/errors.ts";
import { BudgetExceededError } from "../../agents/errors.ts";
import { parseExpr } from "../../factors/parser.ts";
import type { Agent } from "../../agents/roles.ts";
import type { Direction } from "../../agents/schemas.ts";
import type { FactorLibrary } from "../library/index.ts";
import type { SlotContext } from "./context.ts";
import { CorrelationStore } from "./correlation.ts";
import { CampaignStopped, firstLine, isAgentFailure, isStop } from "./errors.ts";
import type { FactorEvaluator } from "./evaluator.ts";
import { correlationGate, redundancyGate, validScore } from "./gates.ts";
import type { MiningData } from "./mining-data.ts";
import type { CampaignRecorder } from "./recorder.ts";
import { SeededRandom } from "./seeds.ts";
import { mutationParents, parentSetKey, selectParents, type ParentCandidate, type SelectionStrategy } from "./selection.ts";
import { AgentSession } from "./session.ts";
import { phaseOfRound, type EvolutionSettings, type RoundPhase } from "./settings.ts";
import { planSeededRound, prepareSeeds, seedDirections } from "./seeded-round.ts";
import { loadState, PLAN_STEP, planState, ROUND_END_STEP, roundEndState, slotState, slotStep } from "./state.ts";
import { runSlot, type SlotOutcome, type SlotPlan, type TrajectoryNode } from "./trajectory.ts";
import { TrajectorySchema, acceptedFactors, type FactorCandidate } from "./types.ts";
import { ValueCache, metricsOf } from "./values.ts";
import { FactorZoo, alpha158 } from "./zoo.ts";

export type EvolutionEvent =
  | { readonly type: "plan"; readonly directions: readonly Direction[] }
  | {
      readonly type: "round-start";
      readonly round: number;
      /** Rounds of the campaign in all. */
      readonly rounds: number;
      readonly phase: RoundPhase;
      readonly slots: number;
      readonly resumed: number;
    }
  | {
      readonly type: "slot-done";
      readonly round: number;
      readonly slot: number;
      readonly reward?: number;
      readonly passed?: number;
      readonly failed?: string;
    }
  | {
      readonly type: "round-end";
      readonly round: number;
      readonly trajectories: number;
      readonly accepted: number;
      readonly bestReward: number;
      readonly zooAccepted: number;
    };

export interface RunEvolutionOptions {
  readonly recorder: CampaignRecorder;
  readonly campaignId: string;
  readonly seed: number;
  readonly agent: Agent;
  readonly data: MiningData;
  readonly evaluator: FactorEvaluator;
  readonly settings: EvolutionSettings;
  /** Aborting stops the campaign cleanly (in-flight agent calls are cancelled); it stays resumable. */
  readonly signal?: AbortSignal;
  readonly onEvent?: (e: EvolutionEvent) => void;
  /** Clock for trajectory timestamps (tests pin it). */
  readonly now?: () => string;
  /** Memory for cached factor values on the mining panel. */
  readonly valueCacheBytes?: number;
}

export interface EvolutionResult {
  readonly status: "finished" | "interrupted";
  /** Why an interrupted campaign stopped. */
  readonly stopReason?: string;
  readonly stopKind?: "interrupted" | "budget";
  readonly roundsCompleted: number;
  readonly nodes: readonly TrajectoryNode[];
  readonly zoo: FactorZoo;
  readonly values: ValueCache;
}

// ---------------------------------------------------------------------------------------------
// Zoo

async function buildZoo(
  library: FactorLibrary,
  campaignId: string,
  data: MiningData,
  values: ValueCache,
  settings: EvolutionSettings,
  nodes: readonly TrajectoryNode[],
  seeds: readonly TrajectoryNode[],
): Promise<FactorZoo> {
  const zoo = new FactorZoo(new CorrelationStore(data.panel, data.valid.window()));
  if (settings.alpha158Zoo) zoo.addReference(alpha158());
  // Factors other campaigns put in this library are part of the zoo too (structure only).
  const others = library.listFactors({ status: "active", sort: "id", order: "asc" }).filter((f) => f.campaignId !== campaignId);
  zoo.addReference(others.map((f) => ({ name: `library:${f.name}#${f.id}`, expression: f.expression, dialect: f.dialect })));
  // A seeded campaign mines around its seeds' surviving factors: its finds must differ from them in
  // values too (correlation gate), or a window tweak of a survivor would pass as a new factor.
  const survivors = seeds.flatMap((n) => acceptedFactors(n.trajectory).map((c) => ({ c, tag: n.trajectory.id })));
  const survivorValues = await values.getMany(survivors.map((x) => x.c.canonical));
  survivors.forEach(({ c, tag }, i) =>
    zoo.addSurvivor({ name: `seed:${c.name}@${tag}`, canonical: c.canonical, expr: parseExpr(c.expression, "quanta"), values: survivorValues[i]!, score: validScore(c.metrics) }),
  );
  // This campaign's accepted factors, in commit order, with their values (in small batches).
  const accepted = nodes.flatMap((n) => acceptedFactors(n.trajectory).map((c) => ({ c, tag: tagOf(n) })));
  for (let k = 0; k < accepted.length; k += 16) {
    const chunk = accepted.slice(k, k + 16);
    const vals = await values.getMany(chunk.map((x) => x.c.canonical));
    chunk.forEach(({ c, tag }, i) =>
      zoo.accept({ name: `${c.name}@${tag}`, canonical: c.canonical, expr: parseExpr(c.expression, "quanta"), values: vals[i]!, score: validScore(c.metrics) }),
    );
  }
  return zoo;
}

function tagOf(n: TrajectoryNode): string {
  return `r${n.trajectory.round}`;
}

/** Accepted expressions, best |valid RankIC| first, for the constructor's avoid list. */
function avoidList(nodes: readonly TrajectoryNode[], n: number): string[] {
  const all = nodes.flatMap((x) => acceptedFactors(x.trajectory));
  const score = (c: (typeof all)[number]) => {
    const v = c.metrics["valid"]?.rankIc;
    return typeof v === "number" && Number.isFinite(v) ? Math.abs(v) : -1;
  };
  return all
    .map((c, i) => ({ c, i }))
    .sort((a, b) => score(b.c) - score(a.c) || a.i - b.i)
    .slice(0, n)
    .map((x) => x.c.canonical);
}

// ---------------------------------------------------------------------------------------------
// Planning rounds

function uniqueDirections(ds: readonly Direction[], n: number): Direction[] {
  const seen = new Set<string>();
  const out: Direction[] = [];
  for (const d of ds) {
    let id = d.id.trim() || "direction";
    for (let k = 2; seen.has(id); k++) id = `${d.id}-${k}`;
    seen.add(id);
    out.push({ ...d, id });
    if (out.length >= n) break;
  }
  return out;
}

const STRATEGY_CYCLE: readonly SelectionStrategy[] = ["best", "weighted", "top_random"];

export function planRound(
  round: number,
  directions: readonly Direction[],
  nodes: readonly TrajectoryNode[],
  settings: EvolutionSettings,
  seed: number,
): SlotPlan[] {
  const phase = phaseOfRound(round);
  if (phase === "original") return directions.map((direction, slot) => ({ phase, round, slot, direction }));
  if (phase === "mutation") {
    const withReward = nodes.map((n) => ({ id: n.trajectory.id, reward: n.trajectory.reward, n }));
    const previous = withReward.filter((x) => x.n.trajectory.round === round - 1);
    const older = withReward.filter((x) => x.n.trajectory.round < round - 1);
    return mutationParents(previous, older, settings.mutationsPerRound).map((p, slot) => ({
      phase,
      round,
      slot,
      parent: p.n,
      mode: SeededRandom.of(seed, "mutation-mode", round, slot).chance(settings.orthogonalRate) ? "orthogonal" : "targeted",
    }));
  }
  const scored = nodes.filter((n) => Number.isFinite(n.trajectory.reward));
  const fertile = scored.filter((n) => acceptedFactors(n.trajectory).length > 0);
  const pool = fertile.length >= settings.crossoverParents ? fertile : scored;
  if (pool.length < settings.crossoverParents) return [];
  const byId = new Map(pool.map((n) => [n.trajectory.id, n]));
  const candidates: ParentCandidate[] = pool.map((n) => ({
    id: n.trajectory.id,
    reward: n.trajectory.reward,
    directions: n.directionIds,
    phase: n.trajectory.phase,
  }));
  const used = new Set<string>();
  const plans: SlotPlan[] = [];
  for (let slot = 0; slot < settings.crossoversPerRound; slot++) {
    const strategy = settings.parentSelection === "mixed" ? STRATEGY_CYCLE[slot % STRATEGY_CYCLE.length]! : settings.parentSelection;
    const chosen = selectParents(candidates, settings.crossoverParents, strategy, SeededRandom.of(seed, "parents", round, slot), {
      topPercent: settings.topPercent,
      diversityBonus: settings.diversityBonus,
      used,
    });
    if (chosen.length < 2) break;
    used.add(parentSetKey(chosen.map((c) => c.id)));
    plans.push({ phase, round, slot, parents: chosen.map((c) => byId.get(c.id)!), strategy });
  }
  return plans;
}

// ---------------------------------------------------------------------------------------------
// Round end: acceptance in slot order

async function acceptRound(
  nodes: readonly TrajectoryNode[],
  zoo: FactorZoo,
  values: ValueCache,
  settings: EvolutionSettings,
): Promise<TrajectoryNode[]> {
  const out: TrajectoryNode[] = [];
  for (const n of nodes) {
    const factors: FactorCandidate[] = [];
    for (const c of n.trajectory.factors) {
      if (c.status !== "accepted") {
        factors.push(c);
        continue;
      }
      const expr = parseExpr(c.expression, "quanta");
      let gate = redundancyGate(expr, c.canonical, zoo, settings.gates);
      let vals: Float64Array | undefined;
      if (gate.passed) {
        vals = await values.get(c.canonical);
        gate = correlationGate(c.canonical, vals, c.metrics, zoo, settings.gates);
      }
      if (!gate.passed || !vals) {
        const similar = gate.details["similarTo"];
        factors.push({
          ...c,
          status: "redundant",
          gates: [...c.gates, { ...gate, message: `${gate.message} (accepted earlier in the same round)` }],
          rejection: {
            gate: gate.gate,
            reason: `${gate.message} (accepted earlier in the same round)`,
            ...(typeof similar === "string" && similar !== "" ? { similarTo: similar } : {}),
          },
        });
        continue;
      }
      zoo.accept({ name: `${c.name}@${tagOf(n)}`, canonical: c.canonical, expr, values: vals, score: validScore(c.metrics) });
      factors.push(c);
    }
    out.push({ ...n, trajectory: TrajectorySchema.parse({ ...n.trajectory, factors }) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Running slots

/** Runs `work` over the plans with at most `concurrency` at once. Stops starting new ones after a failure. */
async function runBounded(plans: readonly SlotPlan[], concurrency: number, work: (p: SlotPlan) => Promise<void>, abort: AbortController): Promise<unknown[]> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (errors.length === 0 && !abort.signal.aborted && next < plans.length) {
      const plan = plans[next++]!;
      try {
        await work(plan);
      } catch (err) {
        errors.push(err);
        abort.abort(err); // cancel the agent calls of the other slots in flight
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, plans.length)) }, worker));
  return errors;
}

/** The stop an error list means, judged by the first error (the others are its consequences); undefined for a bug. */
function stopOf(errors: readonly unknown[], external: AbortSignal | undefined): { kind: "interrupted" | "budget"; reason: string } | undefined {
  const first = errors[0];
  if (first instanceof BudgetExceededError) return { kind: "budget", reason: firstLine(first) };
  if (first instanceof CampaignStopped) return { kind: first.reason, reason: first.message };
  if (isStop(first) || (first === undefined && external?.aborted)) return { kind: "interrupted", reason: "interrupted (Ctrl-C or abort)" };
  if (first === undefined) return { kind: "interrupted", reason: "interrupted" };
  return undefined;
}

export async function runEvolution(o: RunEvolutionOptions): Promise<EvolutionResult> {
  const { recorder, campaignId, data, settings, seed, agent } = o;
  const library = recorder.library;
  const now = o.now ?? (() => new Date().toISOString());
  const internal = new AbortController();
  const forward = () => internal.abort(o.signal?.reason);
  if (o.signal?.aborted) internal.abort(o.signal.reason);
  o.signal?.addEventListener("abort", forward, { once: true });
  const emit = (e: EvolutionEvent) => o.onEvent?.(e);

  try {
    const state = loadState(library, campaignId);
    const nodes: TrajectoryNode[] = [...state.nodes];
    const values = new ValueCache(o.evaluator, data, o.valueCacheBytes);
    const metrics = (canonical: string, v: Float64Array) =>
      metricsOf(library, data, canonical, v, (m) => recorder.write((lib) => lib.cachePut(canonical, data.fingerprint, m)));
    // A seeded campaign scores its seeds before the zoo is built: their surviving factors join it.
    const seeding = !state.directions && settings.seedTrajectories !== undefined && settings.seedTrajectories.length > 0;
    const seeds = seeding
      ? await prepareSeeds(library, settings.seedTrajectories!, campaignId, { data, values, metrics, ridgeLambda: settings.ridgeLambda })
      : state.seeds;
    const zoo = await buildZoo(library, campaignId, data, values, settings, nodes, seeds);
    const result = (extra: Partial<EvolutionResult> & Pick<EvolutionResult, "status" | "roundsCompleted">): EvolutionResult => ({
      nodes,
      zoo,
      values,
      ...extra,
    });
    const interrupted = (rounds: number, stop = stopOf([], o.signal)!) =>
      result({ status: "interrupted", roundsCompleted: rounds, stopReason: stop.reason, stopKind: stop.kind });

    let directions = state.directions;
    if (seeding) {
      // Round 0 derives from library trajectories: nothing to plan; the scored seeds are kept for a resume.
      if (internal.signal.aborted) return interrupted(0);
      const planned = (directions = seedDirections(seeds));
      recorder.write((lib) => lib.appendCheckpoint(campaignId, { round: 0, step: PLAN_STEP, state: planState(planned, seeds) }));
    }
    if (!directions) {
      if (internal.signal.aborted) return interrupted(0);
      const session = new AgentSession(agent, { campaignSeed: seed, key: "r0/plan", round: 0, trajectoryId: null, signal: internal.signal });
      try {
        const out = await session.call("planner", (a, opts) => a.plan({ n: settings.directions, fields: data.fields }, opts));
        directions = uniqueDirections(out.directions, settings.directions);
      } catch (err) {
        if (isStop(err)) return interrupted(0, stopOf([err], o.signal)!);
        if (isAgentFailure(err)) throw new QuantaError(`planning failed: ${firstLine(err)}`);
        throw err;
      }
      const planned = directions;
      recorder.write((lib) => lib.appendCheckpoint(campaignId, { round: 0, step: PLAN_STEP, state: planState(planned, []) }));
    }
    emit({ type: "plan", directions });

    for (let round = state.completedRounds; round < settings.rounds; round++) {
      if (internal.signal.aborted) return interrupted(round);
      const plans = round === 0 && seeds.length > 0 ? planSeededRound(seeds, settings, seed) : planRound(round, directions, nodes, settings, seed);
      const outcomes = new Map<number, SlotOutcome>(round === state.completedRounds ? state.pending : []);
      emit({ type: "round-start", round, rounds: settings.rounds, phase: phaseOfRound(round), slots: plans.length, resumed: plans.filter((p) => outcomes.has(p.slot)).length });
      const ctx: SlotContext = {
        data,
        settings,
        zoo,
        values,
        metrics,
        agent,
        campaignId,
        campaignSeed: seed,
        signal: internal.signal,
        now,
        avoid: avoidList(nodes, settings.avoidListSize),
      };
      const todo = plans.filter((p) => !outcomes.has(p.slot));
      const errors = await runBounded(
        todo,
        settings.concurrency,
        async (plan) => {
          const outcome = await runSlot(ctx, plan);
          recorder.write((lib) => lib.appendCheckpoint(campaignId, { round, step: slotStep(plan.slot), state: slotState(outcome) }));
          outcomes.set(plan.slot, outcome);
          emit(
            outcome.kind === "done"
              ? {
                  type: "slot-done",
                  round,
                  slot: plan.slot,
                  reward: outcome.node.trajectory.reward,
                  passed: acceptedFactors(outcome.node.trajectory).length,
                }
              : { type: "slot-done", round, slot: plan.slot, failed: outcome.reason },
          );
        },
        internal,
      );
      if (errors.length > 0 || internal.signal.aborted) {
        const stop = stopOf(errors, o.signal);
        if (stop) return interrupted(round, stop);
        throw errors[0];
      }

      const finished = plans.flatMap((p) => {
        const out = outcomes.get(p.slot);
        return out?.kind === "done" ? [out.node] : [];
      });
      const finals = await acceptRound(finished, zoo, values, settings);
      recorder.write((lib) =>
        lib.atomically(() => {
          for (const n of finals) lib.recordTrajectory(n.trajectory);
          lib.appendCheckpoint(campaignId, { round, step: ROUND_END_STEP, state: roundEndState(finals) });
        }),
      );
      nodes.push(...finals);
      const rewards = finals.map((n) => n.trajectory.reward).filter(Number.isFinite);
      emit({
        type: "round-end",
        round,
        trajectories: finals.length,
        accepted: finals.reduce((s, n) => s + acceptedFactors(n.trajectory).length, 0),
        bestReward: rewards.length > 0 ? Math.max(...rewards) : Number.NaN,
        zooAccepted: zoo.acceptedCount,
      });
    }
    return result({ status: "finished", roundsCompleted: settings.rounds });
  } finally {
    o.signal?.removeEventListener("abort", forward);
  }
}
