/** Sample role inputs shared by the agent tests. */
import type { AnalystOutput, Direction, EvaluatedFactor, Hypothesis, RoleInputs } from "../../agents/index.ts";
import type { Role } from "../../agents/index.ts";

export const direction: Direction = {
  id: "reversal-short",
  title: "Price reversal, short horizon",
  mechanism: "reversal",
  horizon: "short",
  data: "price",
  rationale: "overreaction reverts",
};

export const hypothesis: Hypothesis = {
  hypothesis: "Stocks with the largest gains over the past 5 trading days underperform next.",
  rationale: "liquidity provision; overreaction reverts",
  mechanism: "reversal:overreaction",
  fields: ["$close", "$return"],
  horizonDays: 5,
};

export const hypothesis2: Hypothesis = {
  hypothesis: "Price moves over the past 10 days that volume does not confirm tend to reverse.",
  rationale: "thin participation fades",
  mechanism: "divergence:confirmation",
  fields: ["$close", "$volume"],
  horizonDays: 10,
};

export const factors: EvaluatedFactor[] = [
  { name: "rev_chg_5", description: "negative 5-day change", formulation: "-ret5", expression: "-TS_PCTCHANGE($close,5)", metrics: { rankIc: 0.031, rankIcir: 0.25, trainRankIc: 0.034, validRankIc: 0.031 } },
  { name: "rev_ma_5", description: "gap to 5-day mean", formulation: "-(c/ma-1)", expression: "-($close/TS_MEAN($close,5)-1)", metrics: { rankIc: 0.024, rankIcir: 0.2, trainRankIc: 0.025, validRankIc: 0.024 } },
  { name: "rev_z_5", description: "z-score", formulation: "-z", expression: "-TS_ZSCORE($close,5)", metrics: { rankIc: 0.02, rankIcir: 0.18, trainRankIc: 0.022, validRankIc: 0.02 } },
];

export const factors2: EvaluatedFactor[] = [
  { name: "div_corr_10", description: "corr of ranks", formulation: "-corr", expression: "-TS_CORR(RANK($close),RANK($volume),10)", metrics: { rankIc: 0.028 } },
  { name: "div_plog_10", description: "corr with log volume", formulation: "-corr", expression: "-TS_CORR($close,LOG($volume+1),10)", metrics: { rankIc: 0.015 } },
];

export const feedback: AnalystOutput = {
  weakestStep: "parameters",
  feedback: "the signal is there but noisy",
  observations: "rev_chg_5: 0.031",
  suggestions: ["lengthen the windows to smooth a noisy signal"],
};

export const SAMPLE_INPUTS: { [R in Role]: RoleInputs[R] } = {
  planner: { n: 4 },
  hypothesis: { direction },
  constructor: { hypothesis, n: 3 },
  judge: { hypothesis, factor: factors[0] as EvaluatedFactor },
  repairer: { factor: { name: "bad", description: "d", formulation: "f", expression: "TS_MEAN($close, 5" }, error: "expected ')' at col 17" },
  analyst: { hypothesis, factors, reward: 0.03 },
  mutator: { direction, hypothesis, factors, feedback },
  crossover: {
    parents: [
      { hypothesis, factors, reward: 0.04 },
      { hypothesis: hypothesis2, factors: factors2, reward: 0.03 },
    ],
  },
};

export const ROLE_METHODS = {
  planner: "plan",
  hypothesis: "hypothesize",
  constructor: "construct",
  judge: "judge",
  repairer: "repair",
  analyst: "analyze",
  mutator: "mutate",
  crossover: "crossover",
} as const;
