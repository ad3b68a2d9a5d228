/**
 * The structured output of every agent role (DESIGN §5–6), as zod schemas.
 * Replies are validated against these; the JSON Schema sent to endpoints that
 * support structured output is generated from them, so the two never drift.
 * Expressions are plain strings here: they are parsed later, only by parseExpr.
 */
import { z } from "zod";
import type { Role } from "./types.ts";

export const HORIZONS = ["short", "long"] as const;
export const DATA_KINDS = ["price", "volume", "price-volume"] as const;
export const STEPS = ["hypothesis", "structure", "parameters"] as const;
export type Step = (typeof STEPS)[number];

const FIELD_RE = /^\$[a-z_][a-z0-9_]*$/;
const NAME_RE = /^[A-Za-z][A-Za-z0-9_]*$/;

export const FieldNameSchema = z.string().regex(FIELD_RE, "a field is written like $close");

export const DirectionSchema = z.object({
  id: z.string().min(1).describe("short slug, e.g. reversal-short"),
  title: z.string().min(1),
  mechanism: z.string().min(1).describe("the economic mechanism: momentum, reversal, volatility, liquidity, …"),
  horizon: z.enum(HORIZONS),
  data: z.enum(DATA_KINDS),
  rationale: z.string().min(1),
});
export type Direction = z.infer<typeof DirectionSchema>;

export const PlannerOutputSchema = z.object({
  directions: z.array(DirectionSchema).min(1),
});
export type PlannerOutput = z.infer<typeof PlannerOutputSchema>;

export const HypothesisSchema = z.object({
  hypothesis: z.string().min(1).describe("one falsifiable statement about returns"),
  rationale: z.string().min(1).describe("why it should hold (the mechanism)"),
  mechanism: z.string().min(1),
  fields: z.array(FieldNameSchema).min(1).describe("the data fields the hypothesis is about"),
  horizonDays: z.number().int().min(1).max(250).describe("the look-back horizon in trading days"),
});
export type Hypothesis = z.infer<typeof HypothesisSchema>;
export const HypothesisOutputSchema = HypothesisSchema;
export type HypothesisOutput = Hypothesis;

export const FactorSpecSchema = z.object({
  name: z.string().regex(NAME_RE, "a name is letters, digits and _ (starting with a letter)"),
  description: z.string().min(1),
  formulation: z.string().min(1).describe("the formula in words or LaTeX"),
  expression: z.string().min(1).describe("the factor in the quanta expression language"),
});
export type FactorSpec = z.infer<typeof FactorSpecSchema>;

export const ConstructorOutputSchema = z.object({
  factors: z.array(FactorSpecSchema).min(1).max(3),
});
export type ConstructorOutput = z.infer<typeof ConstructorOutputSchema>;

export const JudgeOutputSchema = z.object({
  verdict: z.enum(["consistent", "inconsistent"]),
  severity: z.enum(["none", "minor", "major"]),
  reason: z.string().min(1),
  correctedExpression: z.string().min(1).nullable().describe("a fixed expression when inconsistent, else null"),
});
export type JudgeOutput = z.infer<typeof JudgeOutputSchema>;

export const RepairerOutputSchema = z.object({
  expression: z.string().min(1),
  explanation: z.string().min(1),
});
export type RepairerOutput = z.infer<typeof RepairerOutputSchema>;

export const AnalystOutputSchema = z.object({
  weakestStep: z.enum(STEPS).describe("the step most responsible for the low reward"),
  feedback: z.string().min(1),
  observations: z.string().min(1),
  suggestions: z.array(z.string().min(1)).min(1),
});
export type AnalystOutput = z.infer<typeof AnalystOutputSchema>;

export const MutatorOutputSchema = z.object({
  blamedStep: z.enum(STEPS),
  hypothesis: HypothesisSchema.describe("unchanged unless the hypothesis is the blamed step"),
  factors: z.array(FactorSpecSchema).min(1).max(3),
  changes: z.string().min(1).describe("what was changed and why"),
});
export type MutatorOutput = z.infer<typeof MutatorOutputSchema>;

export const CrossoverOutputSchema = z.object({
  hypothesis: HypothesisSchema,
  factors: z.array(FactorSpecSchema).min(1).max(3),
  rationale: z.string().min(1),
  inherited: z.array(z.string().min(1)).min(1).describe("which part came from which parent"),
});
export type CrossoverOutput = z.infer<typeof CrossoverOutputSchema>;

export const ROLE_SCHEMAS = {
  planner: PlannerOutputSchema,
  hypothesis: HypothesisOutputSchema,
  constructor: ConstructorOutputSchema,
  judge: JudgeOutputSchema,
  repairer: RepairerOutputSchema,
  analyst: AnalystOutputSchema,
  mutator: MutatorOutputSchema,
  crossover: CrossoverOutputSchema,
} as const satisfies Record<Role, z.ZodType>;

export interface RoleOutputs {
  planner: PlannerOutput;
  hypothesis: HypothesisOutput;
  constructor: ConstructorOutput;
  judge: JudgeOutput;
  repairer: RepairerOutput;
  analyst: AnalystOutput;
  mutator: MutatorOutput;
  crossover: CrossoverOutput;
}

const jsonSchemaCache = new Map<Role, Record<string, unknown>>();

/** JSON Schema of a role's reply (draft 2020-12, no $schema key so it can be embedded in prompts and requests). */
export function roleJsonSchema(role: Role): Record<string, unknown> {
  let s = jsonSchemaCache.get(role);
  if (!s) {
    const { $schema: _drop, ...rest } = z.toJSONSchema(ROLE_SCHEMAS[role]) as Record<string, unknown>;
    s = rest;
    jsonSchemaCache.set(role, s);
  }
  return s;
}

/** A zod error as short lines `path: message`, for the repair turn. */
export function formatZodError(err: z.ZodError): string {
  return err.issues
    .slice(0, 8)
    .map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`)
    .join("; ");
}
