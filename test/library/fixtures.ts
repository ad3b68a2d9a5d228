/** Builders for valid trajectories, shared by the library tests and their child-process scripts. */
import type { FactorCandidate, TrajectoryInput } from "../../src/evolution/types.ts";

export function metrics(rankIc: number, extra: Partial<Record<string, number>> = {}) {
  return { ic: rankIc * 0.8, icir: rankIc * 5, rankIc, rankIcir: rankIc * 6, ...extra };
}

export function accepted(name: string, rankIc: number, expression = `RANK(DELTA($close, ${name.length}))`): FactorCandidate {
  return {
    status: "accepted",
    name,
    description: `${name} description`,
    formulation: `\\text{${name}}`,
    expression,
    dialect: "quanta",
    canonical: expression.replace(/\s+/g, ""),
    gates: [{ gate: "complexity", passed: true, message: "", details: { symbolLength: expression.length, limit: 250 } }],
    repairs: [],
    metrics: { train: metrics(rankIc * 1.1), valid: metrics(rankIc) },
  };
}

export function rejected(name: string, reason = "symbol length 300 > 250"): FactorCandidate {
  return {
    status: "rejected",
    name,
    description: "",
    formulation: "",
    expression: "TS_MEAN($close, 5) +",
    dialect: "quanta",
    gates: [{ gate: "parse", passed: false, message: reason, details: {} }],
    repairs: [{ attempt: 1, gate: "parse", error: "unexpected end", before: "TS_MEAN($close,5)+", after: "TS_MEAN($close, 5) +" }],
    metrics: {},
    rejection: { gate: "parse", reason },
  };
}

export function redundant(name: string, similarTo: string): FactorCandidate {
  return {
    status: "redundant",
    name,
    description: "",
    formulation: "",
    expression: "RANK($close)",
    dialect: "quanta",
    canonical: "RANK($close)",
    gates: [{ gate: "correlation", passed: false, message: "corr 0.93 >= 0.7", details: { corr: 0.93 } }],
    repairs: [],
    metrics: {},
    rejection: { gate: "correlation", reason: "corr 0.93 with an accepted factor", similarTo },
  };
}

export function original(id: string, campaignId: string, factors: FactorCandidate[], reward = 0.03): TrajectoryInput {
  return {
    id,
    campaignId,
    round: 0,
    phase: "original",
    parents: [],
    direction: "short-horizon reversal",
    hypothesis: { statement: `hypothesis of ${id}`, rationale: "overreaction" },
    factors,
    reward,
    feedback: { blamedStep: "parameters", text: "window too short" },
    createdAt: "2024-01-02T03:04:05.000Z",
  };
}

export function mutation(id: string, campaignId: string, round: number, parent: string, factors: FactorCandidate[], reward = 0.04): TrajectoryInput {
  return {
    id,
    campaignId,
    round,
    phase: "mutation",
    parents: [parent],
    origin: { mode: "targeted", fromStep: "parameters" },
    direction: "short-horizon reversal",
    hypothesis: { statement: `hypothesis of ${id}`, rationale: "" },
    factors,
    reward,
    feedback: null,
    createdAt: "2024-01-02T03:04:06.000Z",
  };
}

export function crossover(id: string, campaignId: string, round: number, parents: [string, string, ...string[]], factors: FactorCandidate[], reward = 0.05): TrajectoryInput {
  return {
    id,
    campaignId,
    round,
    phase: "crossover",
    parents,
    origin: { strategy: "weighted" },
    direction: "merged",
    hypothesis: { statement: `hypothesis of ${id}`, rationale: "" },
    factors,
    reward,
    feedback: null,
    createdAt: "2024-01-02T03:04:07.000Z",
  };
}
