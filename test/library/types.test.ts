import { describe, expect, it } from "vitest";
import { TrajectorySchema, FactorCandidateSchema, toJson, acceptedFactors } from "../../src/evolution/types.ts";
import { accepted, crossover, mutation, original, rejected } from "./fixtures.ts";

describe("trajectory data model", () => {
  it("accepts the three phases with their parent shapes", () => {
    expect(TrajectorySchema.safeParse(original("a", "c", [accepted("f", 0.05)])).success).toBe(true);
    expect(TrajectorySchema.safeParse(mutation("b", "c", 1, "a", [])).success).toBe(true);
    expect(TrajectorySchema.safeParse(crossover("x", "c", 2, ["a", "b"], [])).success).toBe(true);
  });

  it("rejects parent lists that do not fit the phase", () => {
    expect(TrajectorySchema.safeParse({ ...original("a", "c", []), parents: ["p"] }).success).toBe(false);
    expect(TrajectorySchema.safeParse({ ...mutation("b", "c", 1, "a", []), parents: [] }).success).toBe(false);
    expect(TrajectorySchema.safeParse({ ...mutation("b", "c", 1, "a", []), parents: ["a", "z"] }).success).toBe(false);
    expect(TrajectorySchema.safeParse({ ...crossover("x", "c", 2, ["a", "b"], []), parents: ["a"] }).success).toBe(false);
    expect(TrajectorySchema.safeParse(crossover("x", "c", 2, ["a", "a"], [])).success).toBe(false);
    expect(TrajectorySchema.safeParse(mutation("b", "c", 1, "b", [])).success).toBe(false);
  });

  it("keeps round 0 for original trajectories and requires the mutation origin", () => {
    expect(TrajectorySchema.safeParse(mutation("b", "c", 0, "a", [])).success).toBe(false);
    const { origin: _o, ...noOrigin } = mutation("b", "c", 1, "a", []) as Record<string, unknown>;
    expect(TrajectorySchema.safeParse(noOrigin).success).toBe(false);
  });

  it("ties candidate fields to the status", () => {
    const acc = accepted("f", 0.05);
    expect(FactorCandidateSchema.safeParse({ ...acc, metrics: {} }).success).toBe(false);
    expect(FactorCandidateSchema.safeParse({ ...acc, canonical: undefined }).success).toBe(false);
    const { rejection: _r, ...noReason } = rejected("g") as Record<string, unknown>;
    expect(FactorCandidateSchema.safeParse(noReason).success).toBe(false);
    expect(FactorCandidateSchema.safeParse({ ...acc, status: "pending" }).success).toBe(false);
  });

  it("allows NaN metrics, refuses infinities, and round-trips NaN through JSON", () => {
    const t = original("a", "c", [accepted("f", Number.NaN)], Number.NaN);
    const parsed = TrajectorySchema.parse(t);
    expect(Number.isNaN(parsed.reward)).toBe(true);
    const back = TrajectorySchema.parse(JSON.parse(toJson(parsed)));
    expect(Number.isNaN(back.reward)).toBe(true);
    expect(Number.isNaN(acceptedFactors(back)[0]!.metrics.valid!.rankIc)).toBe(true);
    expect(TrajectorySchema.safeParse({ ...t, reward: Number.POSITIVE_INFINITY }).success).toBe(false);
  });

  it("fills defaults for optional text fields", () => {
    const t = TrajectorySchema.parse({
      ...original("a", "c", []),
      feedback: undefined,
      hypothesis: { statement: "h" },
    });
    expect(t.feedback).toBeNull();
    expect(t.hypothesis.rationale).toBe("");
  });
});
