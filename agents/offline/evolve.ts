/**
 * Offline mutation and crossover. Mutation changes exactly the blamed step
 * and keeps the prefix: parameters → windows only; structure → one operator,
 * field or regime edit per factor with the hypothesis kept verbatim;
 * hypothesis → another variant of the mechanism (or, orthogonal, another
 * mechanism) with factors rebuilt from it. Crossover recombines segments of
 * two parents: each parent's construction (its mechanism's templates) at the
 * other parent's horizon, and subtree grafts between their best factors.
 */
import type { Expr } from "../../factors/ast.ts";
import { parseExpr } from "../../factors/parser.ts";
import { LlmReplyError } from "../errors.ts";
import type { CrossoverInput, EvaluatedFactor, MutatorInput } from "../roles.ts";
import type { CrossoverOutput, FactorSpec, Hypothesis, MutatorOutput } from "../schemas.ts";
import { bucketOf, HORIZON_WINDOWS, MECHANISMS, windowsFor, type Mechanism } from "./catalogue.ts";
import { signalOf } from "./analyst.ts";
import { acceptable, addRegime, crossover, remapWindows, swapField, swapOperator, type Edit } from "./operators.ts";
import { availableFields, buildFactors, hypothesisFor, mechanismOf } from "./propose.ts";
import type { Rng } from "./rng.ts";

function parseOrUndefined(text: string): Expr | undefined {
  try {
    return parseExpr(text, "quanta");
  } catch {
    return undefined;
  }
}

/** The window direction the analyst asked for, if any. */
function windowBias(input: MutatorInput): "longer" | "shorter" | "any" {
  const text = `${input.feedback.feedback} ${input.feedback.suggestions.join(" ")}`.toLowerCase();
  if (/lengthen|longer/.test(text)) return "longer";
  if (/shorten|shorter/.test(text)) return "shorter";
  return "any";
}

function baseName(name: string): string {
  return name.replace(/(_(w\d+|s\d+|\d+))+$/, "") || name;
}

function mutateParameters(input: MutatorInput, rng: Rng): { factors: FactorSpec[]; changes: string[] } {
  const bias = windowBias(input);
  const factors: FactorSpec[] = [];
  const changes: string[] = [];
  for (const f of input.factors) {
    const e = parseOrUndefined(f.expression);
    const w = e ? remapWindows(e, rng, bias) : undefined;
    if (!w) {
      factors.push({ name: f.name, description: f.description, formulation: f.formulation, expression: f.expression });
      changes.push(`${f.name}: no window to change`);
      continue;
    }
    const text = acceptable(w.expr) as string;
    const map = [...w.mapping].map(([a, b]) => `${a}→${b}`).join(", ");
    const main = Math.max(...w.mapping.values());
    factors.push({ name: `${baseName(f.name)}_w${main}`, description: `${f.description} (windows ${map})`, formulation: f.formulation, expression: text });
    changes.push(`${f.name}: windows ${map}`);
  }
  return { factors, changes };
}

function mutateStructure(input: MutatorInput, rng: Rng): { factors: FactorSpec[]; changes: string[] } {
  const available = availableFields(input.fields);
  const win = windowsFor(input.hypothesis.horizonDays);
  const factors: FactorSpec[] = [];
  const changes: string[] = [];
  // The best factor's construction carried the reward: edit the weaker ones first, the best one last.
  const best = [...input.factors].sort((a, b) => signalOf(b) - signalOf(a))[0];
  for (const f of input.factors) {
    const e = parseOrUndefined(f.expression);
    let edit: Edit | undefined;
    if (e) {
      const ops = [
        () => swapOperator(e, rng),
        () => swapField(e, rng, available),
        () => addRegime(e, rng, win, available),
      ];
      const order = rng.weighted([0.45, 0.3, 0.25]);
      for (let k = 0; k < ops.length && !edit; k++) edit = (ops[(order + k) % ops.length] as () => Edit | undefined)();
    }
    if (!edit) {
      factors.push({ name: f.name, description: f.description, formulation: f.formulation, expression: f.expression });
      changes.push(`${f.name}: no structural edit possible`);
      continue;
    }
    const text = acceptable(edit.expr) as string;
    const tag = f === best ? "" : " (weak factor)";
    factors.push({ name: `${baseName(f.name)}_s${factors.length + 1}`, description: `${f.description}; ${edit.what}`, formulation: f.formulation, expression: text });
    changes.push(`${f.name}${tag}: ${edit.what}`);
  }
  return { factors, changes };
}

function newHypothesis(input: MutatorInput, rng: Rng, orthogonal: boolean): Hypothesis {
  const available = availableFields(input.fields);
  const { mechanism, variant } = mechanismOf(input.hypothesis.mechanism || input.hypothesis.hypothesis);
  const bucket = input.direction?.horizon ?? bucketOf(input.hypothesis.horizonDays);
  let m: Mechanism = mechanism;
  let candidates = mechanism.variants.filter((v) => v !== variant);
  if (orthogonal || candidates.length === 0) {
    const others = MECHANISMS.filter((x) => x !== mechanism);
    const differentData = others.filter((x) => x.data !== mechanism.data);
    m = rng.pick(differentData.length > 0 && orthogonal ? differentData : others);
    candidates = [...m.variants];
  }
  const v = rng.pick(candidates);
  const days = orthogonal ? rng.pick([...HORIZON_WINDOWS.short, ...HORIZON_WINDOWS.long]) : rng.pick(HORIZON_WINDOWS[bucket]);
  return hypothesisFor(m, v, days, available);
}

export function mutateTrajectory(input: MutatorInput, rng: Rng): MutatorOutput {
  const orthogonal = input.mode === "orthogonal";
  const step = orthogonal ? "hypothesis" : input.feedback.weakestStep;
  if (step !== "hypothesis" && input.factors.length === 0) {
    // nothing to edit (every parent factor was rejected): rebuild factors, keeping the hypothesis
    const factors = buildFactors(input.hypothesis, 3, availableFields(input.fields), rng);
    return { blamedStep: step, hypothesis: { ...input.hypothesis, fields: [...input.hypothesis.fields] }, factors, changes: "the parent had no factors left: rebuilt them from the kept hypothesis" };
  }
  if (step === "hypothesis") {
    const h = newHypothesis(input, rng, orthogonal);
    const n = Math.max(2, Math.min(3, input.factors.length || 3));
    const factors = buildFactors(h, n, availableFields(input.fields), rng, input.factors.map((f) => f.expression));
    return {
      blamedStep: "hypothesis",
      hypothesis: h,
      factors,
      changes: `${orthogonal ? "orthogonal" : "revised"} hypothesis (${input.hypothesis.mechanism} → ${h.mechanism}, ${h.horizonDays} days); factors rebuilt from it`,
    };
  }
  const { factors, changes } = step === "parameters" ? mutateParameters(input, rng) : mutateStructure(input, rng);
  return { blamedStep: step, hypothesis: { ...input.hypothesis, fields: [...input.hypothesis.fields] }, factors, changes: changes.join("; ") };
}

// ---- crossover -------------------------------------------------------------------------------

function rankedFactors(fs: readonly EvaluatedFactor[]): EvaluatedFactor[] {
  return fs.filter((f) => f.gate?.passed !== false && parseOrUndefined(f.expression)).sort((a, b) => signalOf(b) - signalOf(a));
}

export function crossTrajectories(input: CrossoverInput, rng: Rng): CrossoverOutput {
  const parents = [...input.parents]
    .map((p, i) => ({ p, i, reward: typeof p.reward === "number" && Number.isFinite(p.reward) ? p.reward : -Infinity }))
    .sort((a, b) => b.reward - a.reward || a.i - b.i);
  const usable = parents.filter((x) => rankedFactors(x.p.factors).length > 0);
  if (usable.length < 2) throw new LlmReplyError("crossover", "crossover needs two parents with parseable factors", "", 1);
  const a = usable[0] as (typeof usable)[number];
  const b = usable[1] as (typeof usable)[number];
  const fa = rankedFactors(a.p.factors);
  const fb = rankedFactors(b.p.factors);
  const n = Math.max(2, Math.min(3, Math.max(fa.length, fb.length)));
  const available = availableFields(input.fields);
  const factors: FactorSpec[] = [];
  const inherited: string[] = [];
  const seen = new Set<string>([...a.p.factors, ...b.p.factors].map((f) => f.expression));
  const push = (f: FactorSpec, from: string): void => {
    seen.add(f.expression);
    factors.push(factors.some((o) => o.name === f.name) ? { ...f, name: `${f.name}_${factors.length + 1}` } : f);
    inherited.push(from);
  };
  // Segment recombination: a parent's mechanism (its construction templates) at the other parent's
  // horizon. The children are whole constructions, not hybrids, so they carry the parents' economic
  // content to horizons not tried with it yet — breadth a combination model can use.
  const transfer = (from: (typeof usable)[number], to: (typeof usable)[number]): void => {
    const h = from.p.hypothesis;
    const days = to.p.hypothesis.horizonDays;
    if (!(days > 0)) return;
    const [f] = buildFactors({ mechanism: h.mechanism, hypothesis: h.hypothesis, horizonDays: days }, 1, available, rng, [...seen]);
    if (!f || seen.has(f.expression)) return;
    push(
      { ...f, description: `crossover: ${f.description}, the construction of parent ${from.i + 1} at the ${days}-day horizon of parent ${to.i + 1}` },
      `${h.mechanism} from parent ${from.i + 1} at the horizon of parent ${to.i + 1}`,
    );
  };
  transfer(a, b);
  // Subtree crossover of the parents' best factors: grafts carrying material of both.
  for (let k = 0; factors.length < n - (n > 2 ? 1 : 0) && k < n * 3; k++) {
    const x = fa[k % fa.length] as EvaluatedFactor;
    const y = fb[(k + Math.floor(k / fb.length)) % fb.length] as EvaluatedFactor;
    // alternate which parent provides the frame
    const [donor, recipient, dp, rp] = k % 2 === 0 ? [x, y, a.i, b.i] : [y, x, b.i, a.i];
    const child = crossover(parseExpr(donor.expression, "quanta"), parseExpr(recipient.expression, "quanta"), rng);
    if (!child) continue;
    const text = acceptable(child.expr);
    if (!text || seen.has(text)) continue;
    push(
      {
        name: `x_${baseName(recipient.name)}_${baseName(donor.name)}`.slice(0, 60).replace(/_+$/, ""),
        description: `crossover: ${child.what}`,
        formulation: `combines ${recipient.name} (parent ${rp + 1}) with ${donor.name} (parent ${dp + 1})`,
        expression: text,
      },
      `${recipient.name} from parent ${rp + 1} + ${donor.name} from parent ${dp + 1}`,
    );
  }
  if (factors.length < n) transfer(b, a);
  if (factors.length === 0) throw new LlmReplyError("crossover", "no valid child expression could be formed from these parents", "", 1);
  const ha = a.p.hypothesis;
  const hb = b.p.hypothesis;
  const fields = [...new Set([...ha.fields, ...hb.fields])].slice(0, 6);
  const hypothesis: Hypothesis = {
    hypothesis: `${ha.hypothesis} Combined with: ${hb.hypothesis}`,
    rationale: `${ha.rationale} Together with: ${hb.rationale}`,
    mechanism: `${ha.mechanism} x ${hb.mechanism}`,
    fields,
    horizonDays: ha.horizonDays,
  };
  return {
    hypothesis,
    factors,
    rationale:
      `keeps the hypothesis and best constructions of parent ${a.i + 1} (reward ${Number.isFinite(a.reward) ? a.reward.toFixed(4) : "n/a"}), ` +
      `carries each parent's construction to the other's horizon and grafts building blocks of parent ${b.i + 1} into parent ${a.i + 1}'s factors`,
    inherited,
  };
}
