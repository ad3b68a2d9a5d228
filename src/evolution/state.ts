/**
 * The controller's resume log, read back from the library. Checkpoints of a campaign:
 *  - round 0 `plan`: the planner's directions;
 *  - round r `slot:<i>`: slot i of round r finished (its provisional trajectory with the extras
 *    mutation needs, or why it failed) — written the moment the slot finishes;
 *  - round r `round-end`: the round's acceptances were applied and its trajectories committed
 *    (in the same transaction), with their extras.
 * Resuming = reload committed rounds and the finished slots of the first unfinished round, and
 * recompute only the slots that are missing.
 */
import { z } from "zod";
import { QuantaError } from "../../factors/errors.ts";
import { DirectionSchema, type Direction } from "../../agents/schemas.ts";
import type { FactorLibrary } from "../library/index.ts";
import { NodeExtrasSchema, extrasOf, type NodeExtras, type SlotOutcome, type TrajectoryNode } from "./trajectory.ts";
import { TrajectorySchema, type Trajectory } from "./types.ts";

export const PLAN_STEP = "plan";
export const ROUND_END_STEP = "round-end";
export const slotStep = (slot: number): string => `slot:${slot}`;

const NodeStateSchema = z.object({ trajectory: TrajectorySchema, extras: NodeExtrasSchema });
/** A seeded campaign's plan also holds its seeds as they were scored when it started (resume replans round 0 from them). */
const PlanStateSchema = z.object({ directions: z.array(DirectionSchema).min(1), seeds: z.array(NodeStateSchema).optional() });
const SlotStateSchema = z.union([NodeStateSchema, z.object({ failed: z.string() })]);
const RoundEndStateSchema = z.object({ extras: z.record(z.string(), NodeExtrasSchema) });

export interface CampaignState {
  readonly directions: Direction[] | undefined;
  /** Seed trajectories of round 0 (empty for a campaign planned from directions). */
  readonly seeds: TrajectoryNode[];
  /** Committed trajectories, in commit order (round, then slot). */
  readonly nodes: TrajectoryNode[];
  /** Rounds whose end was committed: the next round to run is this number. */
  readonly completedRounds: number;
  /** Finished slots of round `completedRounds`, by slot. */
  readonly pending: Map<number, SlotOutcome>;
}

function parseState<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new QuantaError(`library: corrupt checkpoint ${what}: ${z.prettifyError(r.error)}`);
  return r.data;
}

export function slotState(o: SlotOutcome): unknown {
  return o.kind === "failed" ? { failed: o.reason } : { trajectory: o.node.trajectory, extras: extrasOf(o.node) };
}

export function planState(directions: readonly Direction[], seeds: readonly TrajectoryNode[]): unknown {
  return { directions, ...(seeds.length > 0 ? { seeds: seeds.map((n) => ({ trajectory: n.trajectory, extras: extrasOf(n) })) } : {}) };
}

export function roundEndState(nodes: readonly TrajectoryNode[]): unknown {
  return { extras: Object.fromEntries(nodes.map((n) => [n.trajectory.id, extrasOf(n)])) };
}

/** Extras for a trajectory whose extras were lost (should not happen; keeps resume working). */
function fallbackExtras(t: Trajectory): NodeExtras {
  return {
    hypothesis: { hypothesis: t.hypothesis.statement, rationale: t.hypothesis.rationale || t.hypothesis.statement, mechanism: t.direction || "unknown", fields: ["$close"], horizonDays: 10 },
    analysis: null,
    directionIds: (t.direction || "unknown").split("+"),
  };
}

export function loadState(library: FactorLibrary, campaignId: string): CampaignState {
  const checkpoints = library.checkpoints(campaignId);
  let directions: Direction[] | undefined;
  let seeds: TrajectoryNode[] = [];
  const extras = new Map<string, NodeExtras>();
  let completedRounds = 0;
  for (const c of checkpoints) {
    if (c.step === PLAN_STEP) {
      const plan = parseState(PlanStateSchema, c.state, "plan");
      directions = plan.directions;
      seeds = (plan.seeds ?? []).map((x) => nodeOf(x.trajectory, x.extras));
    }
    if (c.step === ROUND_END_STEP) {
      const s = parseState(RoundEndStateSchema, c.state, `round-end of round ${c.round}`);
      for (const [id, e] of Object.entries(s.extras)) extras.set(id, e);
      completedRounds = Math.max(completedRounds, c.round + 1);
    }
  }
  const nodes = library.listTrajectories({ campaign: campaignId }).map((t): TrajectoryNode => {
    return nodeOf(t, extras.get(t.id) ?? fallbackExtras(t));
  });
  const pending = new Map<number, SlotOutcome>();
  for (const c of checkpoints) {
    if (c.round !== completedRounds || !c.step.startsWith("slot:")) continue;
    const slot = Number(c.step.slice(5));
    const s = parseState(SlotStateSchema, c.state, `${c.step} of round ${c.round}`);
    pending.set(
      slot,
      "failed" in s ? { kind: "failed", reason: s.failed } : { kind: "done", node: nodeOf(s.trajectory, s.extras) },
    );
  }
  return { directions, seeds, nodes, completedRounds, pending };
}

function nodeOf(trajectory: Trajectory, e: NodeExtras): TrajectoryNode {
  return { trajectory, hypothesis: e.hypothesis, analysis: e.analysis, directionIds: e.directionIds };
}
