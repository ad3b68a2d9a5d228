/**
 * Offline analyst: reads the metrics of a trajectory and names the weakest
 * step — hypothesis (no signal anywhere), structure (gates fail, overfit, or
 * some constructions work and others do not) or parameters (signal present
 * but weak or noisy) — with a concrete window direction for the mutator.
 */
import type { AnalystInput, EvaluatedFactor } from "../roles.ts";
import type { AnalystOutput, Step } from "../schemas.ts";
import type { Rng } from "./rng.ts";

/** |RankIC| on the valid range, else overall RankIC, else IC; 0 when unknown. */
export function signalOf(f: EvaluatedFactor): number {
  const m = f.metrics;
  const v = m?.validRankIc ?? m?.rankIc ?? m?.ic;
  return typeof v === "number" && Number.isFinite(v) ? Math.abs(v) : 0;
}

const fmt = (v: number | null | undefined): string => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(4) : "n/a");

/** Below this |RankIC| a factor carries no usable signal. */
export const WEAK_SIGNAL = 0.01;

export function analyzeTrajectory(input: AnalystInput, rng: Rng): AnalystOutput {
  const fs = input.factors;
  const passed = fs.filter((f) => f.gate?.passed !== false);
  const failed = fs.filter((f) => f.gate?.passed === false);
  const scored = passed.map((f) => ({ f, s: signalOf(f) })).sort((a, b) => b.s - a.s);
  const best = scored[0];
  const obs: string[] = [];
  for (const { f, s } of scored) {
    const m = f.metrics;
    obs.push(`${f.name}: |RankIC| ${s.toFixed(4)}, RankICIR ${fmt(m?.rankIcir)}, train ${fmt(m?.trainRankIc)}, valid ${fmt(m?.validRankIc)}`);
  }
  for (const f of failed) obs.push(`${f.name}: rejected by a gate (${f.gate?.reason ?? "no reason given"})`);
  obs.push(`reward ${fmt(input.reward)}${input.parentReward !== undefined ? ` (parent ${fmt(input.parentReward)})` : ""}`);

  let step: Step;
  let why: string;
  const suggestions: string[] = [];
  if (!best) {
    step = failed.length > 0 ? "structure" : "hypothesis";
    why = failed.length > 0 ? "every factor was rejected by a gate, so the construction is at fault" : "no factor was evaluated";
    suggestions.push(failed.length > 0 ? "use simpler constructions with fewer operators and literals" : "state a hypothesis with a clearer observable pattern");
  } else if (best.s < WEAK_SIGNAL) {
    step = "hypothesis";
    why = `even the best factor (${best.f.name}) has |RankIC| ${best.s.toFixed(4)} < ${WEAK_SIGNAL}: the mechanism does not show in the data`;
    suggestions.push("revise the hypothesis: a different variant of the mechanism or different data (price vs volume)");
  } else {
    const m = best.f.metrics;
    const train = m?.trainRankIc;
    const valid = m?.validRankIc;
    const overfit =
      typeof train === "number" && typeof valid === "number" && Number.isFinite(train) && Number.isFinite(valid) &&
      (Math.sign(train) !== Math.sign(valid) || Math.abs(valid) < 0.4 * Math.abs(train));
    const median = scored[Math.floor(scored.length / 2)]?.s ?? best.s;
    const uneven = scored.length >= 2 && median < 0.4 * best.s;
    if (overfit) {
      step = "structure";
      why = `${best.f.name} holds up poorly out of sample (train ${fmt(train)}, valid ${fmt(valid)}): the construction overfits`;
      suggestions.push("swap an operator for a more robust one (medians, ranks) or condition on a regime");
    } else if (uneven) {
      step = "structure";
      why = `${best.f.name} works (|RankIC| ${best.s.toFixed(4)}) but the other constructions do not (median ${median.toFixed(4)})`;
      suggestions.push(`reuse the construction of ${best.f.name}; change the operators or fields of the weak factors`);
    } else {
      step = "parameters";
      why = `the signal is there (best |RankIC| ${best.s.toFixed(4)}) but weak or noisy: tune the windows`;
    }
    const icir = m?.rankIcir;
    const noisy = typeof icir === "number" && Number.isFinite(icir) && Math.abs(icir) < 0.15;
    const decays = typeof train === "number" && typeof valid === "number" && Math.abs(valid) < Math.abs(train);
    if (noisy) suggestions.push("lengthen the windows to smooth a noisy signal");
    else if (decays) suggestions.push("shorten the windows so the factor reacts faster");
    else suggestions.push(rng.chance(0.5) ? "lengthen the windows" : "shorten the windows");
  }
  return {
    weakestStep: step,
    feedback: `${why}.`,
    observations: obs.join("; "),
    suggestions,
  };
}
