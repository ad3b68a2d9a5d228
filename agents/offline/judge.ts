/**
 * Offline consistency judge: structural checks of hypothesis ↔ expression —
 * does the expression parse, read the fields the hypothesis is about, and
 * look back over the horizon it names? Corrections rescale windows to the
 * horizon or rebuild the factor from the hypothesis's templates.
 */
import type { Expr } from "../../factors/ast.ts";
import { fieldsOf } from "../../factors/fields.ts";
import { parseExpr } from "../../factors/parser.ts";
import type { JudgeInput } from "../roles.ts";
import type { Hypothesis, JudgeOutput } from "../schemas.ts";
import { snapWindow } from "./catalogue.ts";
import { acceptable } from "./operators.ts";
import { availableFields, buildFactors } from "./propose.ts";
import type { Rng } from "./rng.ts";
import { replaceAt, windowSlots } from "./tree.ts";

/** `$return` is `$close` for consistency purposes. */
const norm = (f: string): string => (f === "$return" ? "$close" : f);

/** Horizon-bearing windows: window/lag literals, except one-day lags (a daily change is structure). */
export function horizonWindows(e: Expr): number[] {
  return windowSlots(e)
    .filter((s) => !(s.param === "lag" && s.node.kind === "num" && s.node.value <= 1))
    .map((s) => (s.node.kind === "num" ? s.node.value : 0));
}

export function horizonMatches(windows: readonly number[], h: number): boolean {
  if (windows.length === 0) return h <= 2;
  return windows.some((w) => w >= h / 4 && w <= h * 4);
}

/** Rescales all windows so the one nearest the horizon becomes the horizon. */
export function rescaleWindows(e: Expr, h: number): string | undefined {
  const ws = windowSlots(e).filter((s) => !(s.param === "lag" && s.node.kind === "num" && s.node.value <= 1));
  if (ws.length === 0) return undefined;
  const vals = ws.map((s) => (s.node.kind === "num" ? s.node.value : 1));
  const nearest = vals.reduce((a, b) => (Math.abs(Math.log(b / h)) < Math.abs(Math.log(a / h)) ? b : a));
  const factor = h / nearest;
  let out = e;
  for (const s of ws) {
    if (s.node.kind !== "num") continue;
    out = replaceAt(out, s.path, { ...s.node, value: Math.max(2, snapWindow(s.node.value * factor)), isInt: true });
  }
  return acceptable(out);
}

export function judgeConsistency(input: JudgeInput, rng: Rng): JudgeOutput {
  const { hypothesis: h, factor } = input;
  let e: Expr;
  try {
    e = parseExpr(factor.expression, "quanta");
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "parse error";
    return { verdict: "inconsistent", severity: "major", reason: `the expression does not parse: ${first}`, correctedExpression: rebuild(h, input, rng) };
  }
  const used = new Set([...fieldsOf(e)].map((f) => norm(`$${f}`)));
  const named = new Set(h.fields.map(norm));
  const overlap = [...named].filter((f) => used.has(f));
  if (overlap.length === 0) {
    return {
      verdict: "inconsistent",
      severity: "major",
      reason: `the expression reads ${[...used].join(", ") || "no field"} but the hypothesis is about ${[...named].join(", ")}`,
      correctedExpression: rebuild(h, input, rng),
    };
  }
  const windows = horizonWindows(e);
  if (!horizonMatches(windows, h.horizonDays)) {
    return {
      verdict: "inconsistent",
      severity: "minor",
      reason: `the hypothesis names a ${h.horizonDays}-day horizon but the expression's windows are ${windows.join(", ") || "absent"}`,
      correctedExpression: rescaleWindows(e, h.horizonDays) ?? rebuild(h, input, rng),
    };
  }
  const missing = [...named].filter((f) => !used.has(f));
  if (named.has("$volume") && !used.has("$volume")) {
    return { verdict: "consistent", severity: "minor", reason: "the hypothesis involves $volume but the expression does not read it", correctedExpression: null };
  }
  return {
    verdict: "consistent",
    severity: "none",
    reason:
      `the expression reads ${overlap.join(", ")} named by the hypothesis over windows ${windows.join(", ") || "none"} ` +
      `matching its ${h.horizonDays}-day horizon${missing.length ? ` (not using ${missing.join(", ")})` : ""}`,
    correctedExpression: null,
  };
}

function rebuild(h: Hypothesis, input: JudgeInput, rng: Rng): string | null {
  const f = buildFactors(h, 1, availableFields(input.fields), rng)[0];
  return f && f.expression !== input.factor.expression ? f.expression : null;
}
