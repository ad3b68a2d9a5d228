/**
 * The gates a candidate factor passes, each a small function returning a GateResult whose message
 * is written for the repairer (what is wrong and what the limit is). Order (DESIGN §6, the
 * controller runs them): parse → lookahead → fields → consistency (the judge, async, in
 * candidate.ts) → complexity → redundancy (duplicate, then largest common subtree) → evaluation →
 * correlation.
 */
import type { Expr } from "../../factors/ast.ts";
import { checkComplexity } from "../../factors/complexity.ts";
import { fieldsOf } from "../../factors/fields.ts";
import { parseExpr } from "../../factors/parser.ts";
import type { FactorMetrics, GateName, GateResult, SplitMetrics } from "./types.ts";
import type { GateSettings } from "./settings.ts";
import type { FactorZoo } from "./zoo.ts";

export function pass(gate: GateName, message = "", details: GateResult["details"] = {}): GateResult {
  return { gate, passed: true, message, details };
}

export function fail(gate: GateName, message: string, details: GateResult["details"] = {}): GateResult {
  return { gate, passed: false, message, details };
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "error";
}

/** The parse and look-ahead gates: a tree, or the failing gate (look-ahead = parses only when future shifts are allowed). */
export function parseGates(text: string): { expr: Expr; results: GateResult[] } | { expr?: undefined; results: GateResult[] } {
  try {
    const expr = parseExpr(text, "quanta");
    return { expr, results: [pass("parse"), pass("lookahead")] };
  } catch (err) {
    let future = false;
    try {
      parseExpr(text, "quanta", { allowFuture: true });
      future = true;
    } catch {
      // not a look-ahead problem: a plain parse error
    }
    const message = (err instanceof Error ? err.message : String(err)).replace(/\n\s*/g, " | ");
    if (future) return { results: [pass("parse"), fail("lookahead", `look-ahead: ${message}`)] };
    return { results: [fail("parse", `the expression does not parse: ${message}`)] };
  }
}

/** Every `$field` must exist in the data (`available` with `$`). */
export function fieldsGate(expr: Expr, available: readonly string[]): GateResult {
  const have = new Set(available);
  const missing = [...fieldsOf(expr)].map((f) => `$${f}`).filter((f) => !have.has(f));
  if (missing.length === 0) return pass("fields");
  return fail("fields", `unknown field${missing.length > 1 ? "s" : ""} ${missing.join(", ")}: the data has ${available.join(", ")}`);
}

export function complexityGate(expr: Expr, limits: GateSettings): GateResult {
  const c = checkComplexity(expr, {
    maxSymbolLength: limits.maxSymbolLength,
    maxBaseFields: limits.maxBaseFields,
    maxFreeArgRatio: limits.maxFreeArgRatio,
  });
  const details = {
    symbolLength: c.complexity.symbolLength,
    baseFields: c.complexity.baseFields,
    freeArgRatio: Number(c.complexity.freeArgRatio.toFixed(4)),
    nodeCount: c.complexity.nodeCount,
  };
  return c.ok ? pass("complexity", "", details) : fail("complexity", `too complex: ${c.reasons.join("; ")}`, details);
}

/** Duplicate of an accepted factor, or a subtree larger than the limit shared with a zoo factor. */
export function redundancyGate(expr: Expr, canonical: string, zoo: FactorZoo, limits: GateSettings): GateResult {
  const dup = zoo.duplicateOf(canonical);
  if (dup !== undefined) return fail("duplicate", `the same expression was already accepted as ${dup}`, { similarTo: dup });
  const o = zoo.overlap(expr);
  const details = { commonSubtree: o.size, limit: limits.maxCommonSubtree, similarTo: o.with };
  if (o.size <= limits.maxCommonSubtree) return pass("redundancy", "", details);
  return fail(
    "redundancy",
    `redundant with ${o.with}: they share the subtree ${o.subtree} (${o.size} nodes, limit ${limits.maxCommonSubtree}); ` +
      "build the factor from a different construction",
    details,
  );
}

function days(m: FactorMetrics | undefined): number {
  const d = m?.["rankDays"];
  return typeof d === "number" && Number.isFinite(d) ? d : 0;
}

/** The factor must have a RankIC on enough days of both mining ranges (NaN or constant values do not). */
export function evaluationGate(metrics: SplitMetrics, limits: GateSettings): GateResult {
  const train = days(metrics["train"]);
  const valid = days(metrics["valid"]);
  const details = { trainDays: train, validDays: valid, minDays: limits.minIcDays };
  if (train >= limits.minIcDays && valid >= limits.minIcDays) return pass("evaluation", "", details);
  return fail(
    "evaluation",
    `the factor has a usable cross-section on only ${train} mining-train and ${valid} mining-valid days (need ${limits.minIcDays}): ` +
      "it is constant or NaN almost everywhere; check divisions, windows and conditions",
    details,
  );
}

/** |RankIC| on mining-valid (0 when unknown): the score correlated factors are compared by. */
export function validScore(metrics: SplitMetrics): number {
  const v = metrics["valid"]?.rankIc;
  return typeof v === "number" && Number.isFinite(v) ? Math.abs(v) : 0;
}

/**
 * The value-correlation gate: |mean daily rank correlation| with every accepted factor below the
 * limit — unless the candidate is a clear improvement (its |valid RankIC| at least
 * (1 + improvementMargin) × that of every accepted factor it is that correlated with): a better
 * variant of an accepted factor is new information, and the final pool keeps the best of a
 * correlated group anyway. improvementMargin 0 turns the exception off.
 */
export function correlationGate(
  canonical: string,
  values: Float64Array,
  metrics: SplitMetrics,
  zoo: FactorZoo,
  limits: GateSettings,
): GateResult {
  const { hits, most } = zoo.correlatedWith(canonical, values, limits.maxCorrelation);
  const corr = Number.isFinite(most.corr) ? Number(most.corr.toFixed(4)) : Number.NaN;
  const details = { corr, limit: limits.maxCorrelation, similarTo: most.name };
  if (hits.length === 0) return pass("correlation", "", details);
  const score = validScore(metrics);
  const best = Math.max(...hits.map((h) => h.score));
  if (limits.improvementMargin > 0 && score > 0 && score >= (1 + limits.improvementMargin) * best) {
    return pass(
      "correlation",
      `correlated with ${most.name} (${corr.toFixed(2)}) but improves on it: valid |RankIC| ${score.toFixed(4)} vs ${best.toFixed(4)}`,
      { ...details, improvement: true },
    );
  }
  return fail(
    "correlation",
    `its values move with ${most.name} (mean daily rank correlation ${corr.toFixed(2)}, limit ${limits.maxCorrelation}) ` +
      `and it is not clearly better (valid |RankIC| ${score.toFixed(4)} vs ${best.toFixed(4)}): it adds no new information; change what the factor measures`,
    details,
  );
}

export function evaluationError(err: unknown): GateResult {
  return fail("evaluation", `evaluation failed: ${firstLine(err)}`);
}
