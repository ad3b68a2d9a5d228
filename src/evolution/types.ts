/**
 * The trajectory data model: one mining run (direction → hypothesis → factor specs → expressions →
 * gates → metrics → feedback) stored with every step explicit, so mutation can keep a prefix and
 * regenerate from the blamed step, crossover can reuse segments, and the library can store and
 * replay it. Each type is the output of a zod schema; the schemas validate what the controller
 * produces and what the library reads back.
 *
 * Invalid states are unrepresentable where it is cheap:
 *  - `phase` decides the shape of `parents` (original: none, mutation: exactly one, crossover: ≥ 2)
 *    and of the phase-specific `origin`;
 *  - a candidate's `status` decides whether it carries metrics (accepted) or a rejection (rejected,
 *    redundant);
 *  - metric numbers are finite or NaN (NaN = "not computable", e.g. no valid day); ±Infinity is
 *    refused. In JSON, NaN is written as `null` (see `toJson`) and read back as NaN.
 */
import { z } from "zod";
import type { Dialect } from "../../factors/ast.ts";

// ---------------------------------------------------------------------------------------------
// Numbers that survive JSON: finite or NaN in memory, finite or null on disk.

/** A finite number or NaN; `null` (how JSON spells NaN here) reads back as NaN. */
export const MetricNumberSchema = z
  .union([z.number(), z.nan(), z.null()])
  .transform((v): number => (v === null ? Number.NaN : v));

/** JSON.stringify that writes non-finite numbers as null (JSON has no NaN), so they read back as NaN. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "number" && !Number.isFinite(v) ? null : v,
  );
}

// ---------------------------------------------------------------------------------------------
// Enumerations

export const DialectSchema = z.enum(["quanta", "qlib"]) satisfies z.ZodType<Dialect>;

export const PhaseSchema = z.enum(["original", "mutation", "crossover"]);
export type Phase = z.infer<typeof PhaseSchema>;

/**
 * The regenerable steps of a trajectory, in order. Mutation keeps everything before the blamed
 * step and regenerates it and what follows (paper semantics).
 */
export const TRAJECTORY_STEPS = ["hypothesis", "specification", "expression", "parameters"] as const;
export const TrajectoryStepSchema = z.enum(TRAJECTORY_STEPS);
export type TrajectoryStep = z.infer<typeof TrajectoryStepSchema>;

/** The gates a candidate passes through before (and right after) evaluation. */
export const GATE_NAMES = [
  "parse", // the grammar
  "lookahead", // negative shifts outside a label
  "fields", // every $field exists in the data
  "consistency", // judge: hypothesis ↔ description ↔ expression
  "complexity", // symbol length, base fields, free-argument ratio, node count
  "redundancy", // largest common subtree against the zoo
  "correlation", // rank correlation with accepted factors
  "duplicate", // the same canonical expression was already accepted
  "evaluation", // the evaluator failed or produced no usable value
] as const;
export const GateNameSchema = z.enum(GATE_NAMES);
export type GateName = z.infer<typeof GateNameSchema>;

/** Split names are config keys (train, valid, test, or a retrain window such as `recent`). */
export const SplitNameSchema = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, "split name: letters, digits, _ or -");

// ---------------------------------------------------------------------------------------------
// Metrics and gate results

/**
 * Metrics of one factor (or one model) on one date range. The four IC numbers are required;
 * anything else numeric (nDays, coverage, arr, ir, mdd, turnover, …) may ride along.
 */
export const FactorMetricsSchema = z
  .object({
    ic: MetricNumberSchema,
    icir: MetricNumberSchema,
    rankIc: MetricNumberSchema,
    rankIcir: MetricNumberSchema,
  })
  .catchall(MetricNumberSchema);
export type FactorMetrics = z.output<typeof FactorMetricsSchema>;

/** Metrics keyed by split name. */
export const SplitMetricsSchema = z.record(SplitNameSchema, FactorMetricsSchema);
export type SplitMetrics = z.output<typeof SplitMetricsSchema>;

/** JSON-able detail values (gate measurements, limits). */
const DetailValueSchema = z.union([z.string(), z.boolean(), MetricNumberSchema]);

export const GateResultSchema = z.object({
  gate: GateNameSchema,
  passed: z.boolean(),
  /** Why it failed (or a note when it passed, e.g. the judge's comment). */
  message: z.string().default(""),
  /** Measurements, e.g. `{ symbolLength: 212, limit: 250 }`. */
  details: z.record(z.string(), DetailValueSchema).default({}),
});
export type GateResult = z.output<typeof GateResultSchema>;

/** One repair attempt: a gate failed, the repairer rewrote the expression. */
export const RepairSchema = z.object({
  attempt: z.number().int().min(1),
  gate: GateNameSchema,
  error: z.string(),
  before: z.string(),
  after: z.string(),
});
export type Repair = z.output<typeof RepairSchema>;

export const RejectionSchema = z.object({
  gate: GateNameSchema,
  reason: z.string().min(1),
  /** For redundant candidates: the canonical expression or name of the factor it duplicates. */
  similarTo: z.string().optional(),
});
export type Rejection = z.output<typeof RejectionSchema>;

// ---------------------------------------------------------------------------------------------
// Factor candidates

const CandidateBase = {
  name: z.string().min(1),
  description: z.string().default(""),
  /** The formulation (LaTeX or prose) the constructor gave. */
  formulation: z.string().default(""),
  /** The expression as finally evaluated (after repairs), in `dialect`. */
  expression: z.string(),
  dialect: DialectSchema.default("quanta"),
  gates: z.array(GateResultSchema).default([]),
  repairs: z.array(RepairSchema).default([]),
};

export const AcceptedCandidateSchema = z.object({
  ...CandidateBase,
  status: z.literal("accepted"),
  /** The canonical printed expression (cache and duplicate key). */
  canonical: z.string().min(1),
  metrics: SplitMetricsSchema.refine((m) => Object.keys(m).length > 0, "an accepted factor has metrics"),
});

export const RejectedCandidateSchema = z.object({
  ...CandidateBase,
  status: z.literal("rejected"),
  canonical: z.string().min(1).optional(),
  /** Present when the candidate got as far as evaluation. */
  metrics: SplitMetricsSchema.default({}),
  rejection: RejectionSchema,
});

export const RedundantCandidateSchema = z.object({
  ...CandidateBase,
  status: z.literal("redundant"),
  canonical: z.string().min(1),
  metrics: SplitMetricsSchema.default({}),
  rejection: RejectionSchema,
});

export const FactorCandidateSchema = z.discriminatedUnion("status", [
  AcceptedCandidateSchema,
  RejectedCandidateSchema,
  RedundantCandidateSchema,
]);
export type FactorCandidate = z.output<typeof FactorCandidateSchema>;
export type AcceptedCandidate = z.output<typeof AcceptedCandidateSchema>;
export type RejectedCandidate = z.output<typeof RejectedCandidateSchema>;
export type RedundantCandidate = z.output<typeof RedundantCandidateSchema>;
export type CandidateStatus = FactorCandidate["status"];

// ---------------------------------------------------------------------------------------------
// Hypothesis and feedback

export const HypothesisSchema = z.object({
  statement: z.string().min(1),
  rationale: z.string().default(""),
});
export type Hypothesis = z.output<typeof HypothesisSchema>;

/** The analyst's feedback: what went wrong, and which step is most to blame. */
export const FeedbackSchema = z.object({
  blamedStep: TrajectoryStepSchema,
  text: z.string(),
});
export type Feedback = z.output<typeof FeedbackSchema>;

// ---------------------------------------------------------------------------------------------
// Trajectories

const TrajectoryBase = {
  id: z.string().min(1),
  campaignId: z.string().min(1),
  round: z.number().int().min(0),
  direction: z.string(),
  hypothesis: HypothesisSchema,
  factors: z.array(FactorCandidateSchema),
  /** RankIC on mining-valid of the base set + this trajectory's factors; NaN when not computable. */
  reward: MetricNumberSchema,
  feedback: FeedbackSchema.nullable().default(null),
  createdAt: z.iso.datetime({ offset: true }),
};

export const OriginalTrajectorySchema = z.object({
  ...TrajectoryBase,
  phase: z.literal("original"),
  parents: z.tuple([]),
});

export const MutationTrajectorySchema = z.object({
  ...TrajectoryBase,
  phase: z.literal("mutation"),
  parents: z.tuple([z.string().min(1)]),
  origin: z.object({
    /** `targeted`: regenerate from the blamed step; `orthogonal`: a new hypothesis orthogonal to the parent. */
    mode: z.enum(["targeted", "orthogonal"]),
    /** The first regenerated step (everything before it was kept from the parent). */
    fromStep: TrajectoryStepSchema,
    /** A seeded round-0 trajectory: its parent is another campaign's trajectory (see seeded-round.ts). */
    seeded: z.literal(true).optional(),
  }),
});

export const CrossoverTrajectorySchema = z.object({
  ...TrajectoryBase,
  phase: z.literal("crossover"),
  parents: z.tuple([z.string().min(1), z.string().min(1)], z.string().min(1)),
  origin: z.object({
    strategy: z.enum(["best", "weighted", "top_random"]),
    /** A seeded round-0 trajectory: its parents are other campaigns' trajectories. */
    seeded: z.literal(true).optional(),
  }),
});

export const TrajectorySchema = z
  .discriminatedUnion("phase", [OriginalTrajectorySchema, MutationTrajectorySchema, CrossoverTrajectorySchema])
  .superRefine((t, ctx) => {
    // Round 0 holds original trajectories, or — in a campaign seeded from earlier ones — mutations
    // and crossovers of other campaigns' trajectories, marked `origin.seeded` (the library checks
    // that a parent from the same campaign always comes from an earlier round).
    const seeded = t.phase !== "original" && t.origin.seeded === true;
    if (t.round === 0 && t.phase !== "original" && !seeded) {
      ctx.addIssue({ code: "custom", path: ["phase"], message: "round 0 holds only original trajectories (and seeded ones)" });
    }
    if (seeded && t.round !== 0) {
      ctx.addIssue({ code: "custom", path: ["origin", "seeded"], message: "only round 0 trajectories are seeded" });
    }
    if ((t.parents as readonly string[]).includes(t.id)) {
      ctx.addIssue({ code: "custom", path: ["parents"], message: "a trajectory cannot be its own parent" });
    }
    if (new Set(t.parents).size !== t.parents.length) {
      ctx.addIssue({ code: "custom", path: ["parents"], message: "duplicate parent" });
    }
  });

export type Trajectory = z.output<typeof TrajectorySchema>;
/** What a caller may pass in (defaults not yet applied; NaN or null metric numbers). */
export type TrajectoryInput = z.input<typeof TrajectorySchema>;
export type OriginalTrajectory = z.output<typeof OriginalTrajectorySchema>;
export type MutationTrajectory = z.output<typeof MutationTrajectorySchema>;
export type CrossoverTrajectory = z.output<typeof CrossoverTrajectorySchema>;

/** The accepted candidates of a trajectory, narrowed. */
export function acceptedFactors(t: Pick<Trajectory, "factors">): AcceptedCandidate[] {
  return t.factors.filter((f): f is AcceptedCandidate => f.status === "accepted");
}
