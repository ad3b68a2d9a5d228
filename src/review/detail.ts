/**
 * Everything the library knows about one factor, for `quanta library show`: its record (hypothesis,
 * description, expression, metrics per range, gate results, repairs), the trajectory that produced
 * it (direction, feedback, parents) and its audit trail (status changes, metric updates).
 */
import { QuantaError } from "../../factors/errors.ts";
import type { Expr } from "../../factors/ast.ts";
import { parseExpr } from "../../factors/parser.ts";
import { lookupOp } from "../../factors/registry.ts";
import { printExpr } from "../../factors/printer.ts";
import { QLIB_CAVEATS, qlibBlocker, toQlibForm, type QlibForm } from "../../factors/translate.ts";
import type { Feedback, Phase } from "../evolution/types.ts";
import type { FactorEvent, FactorLibrary, StoredFactor } from "../library/index.ts";
import { parseStoredFactor } from "./values.ts";

export interface TrajectorySummary {
  readonly id: string;
  readonly round: number;
  readonly phase: Phase;
  readonly direction: string;
  readonly hypothesis: string;
  readonly rationale: string;
  readonly reward: number;
  readonly feedback: Feedback | null;
}

export interface FactorDetail {
  readonly factor: StoredFactor;
  /** The expression in the qlib dialect (see qlibTranslation). */
  readonly qlib: QlibTranslation;
  readonly trajectory: TrajectorySummary | null;
  readonly parents: TrajectorySummary[];
  readonly events: FactorEvent[];
}

function summary(t: {
  id: string;
  round: number;
  phase: Phase;
  direction: string;
  hypothesis: { statement: string; rationale: string };
  reward: number;
  feedback: Feedback | null;
}): TrajectorySummary {
  return {
    id: t.id,
    round: t.round,
    phase: t.phase,
    direction: t.direction,
    hypothesis: t.hypothesis.statement,
    rationale: t.hypothesis.rationale,
    reward: t.reward,
    feedback: t.feedback,
  };
}

export interface QlibTranslation {
  /** The qlib-dialect text, or null when there is none. */
  readonly expression: string | null;
  /** True when the qlib expression computes exactly the factor's values. */
  readonly exact: boolean;
  /** What differs when not exact (or why there is no translation). */
  readonly note: string | null;
}

/** Cross-sectional operators that are monotone per date: dropping one at the root keeps every RankIC. */
const MONOTONE_CROSS = new Set(["RANK", "ZSCORE"]);

/** `$return` is derived in quanta; qlib has no such field, so it is spelled out. */
function spellOutReturn(e: Expr): Expr {
  switch (e.kind) {
    case "field":
      return e.name === "return" ? parseExpr("$close/Ref($close,1)-1", "qlib") : e;
    case "num":
      return e;
    case "call":
      return { ...e, args: e.args.map(spellOutReturn) };
    case "unary":
      return { ...e, arg: spellOutReturn(e.arg) };
    case "binary":
      return { ...e, left: spellOutReturn(e.left), right: spellOutReturn(e.right) };
    case "cond":
      return { ...e, cond: spellOutReturn(e.cond), then: spellOutReturn(e.then), else: spellOutReturn(e.else) };
  }
}

/**
 * The factor in the qlib dialect, for use in qlib: an exact translation when one exists; else,
 * for a factor whose root is a per-date RANK or ZSCORE of a translatable expression, that
 * expression (the same RankIC every day; in qlib, CSRankNorm / CSZScoreNorm does the per-date
 * part); else none. `$return` is written as `$close/Ref($close,1)-1`.
 */
export function qlibTranslation(f: Pick<StoredFactor, "id" | "name" | "expression" | "dialect">): QlibTranslation {
  let e: Expr;
  try {
    e = parseStoredFactor(f);
  } catch (err) {
    if (err instanceof QuantaError) return { expression: null, exact: false, note: "the stored expression does not parse" };
    throw err;
  }
  if (f.dialect === "qlib") return { expression: printExpr(spellOutReturn(e)), exact: true, note: null };
  const whole = toQlibForm(e);
  if (whole) return formTranslation(whole, []);
  if (e.kind === "call" && MONOTONE_CROSS.has(e.op) && e.args.length === 1) {
    const inner = toQlibForm(e.args[0]!);
    if (inner) {
      const dropped = `the outer ${e.op} is dropped: qlib has no cross-sectional operators, and a per-date ${e.op === "RANK" ? "rank" : "z-score"} keeps every daily RankIC; apply qlib's ${e.op === "RANK" ? "CSRankNorm" : "CSZScoreNorm"} processor`;
      return formTranslation(inner, [dropped]);
    }
  }
  const blocker = qlibBlocker(e);
  return { expression: null, exact: false, note: `no qlib translation: qlib has no form of ${blocker ?? "an operator"} here${blocker && lookupOp("quanta", blocker)?.category === "cs" ? " (a cross-sectional operator; qlib's are processors applied to whole features)" : ""}` };
}

function formTranslation(form: QlibForm, notes: readonly string[]): QlibTranslation {
  const all = [...notes, ...form.caveats.map((c) => QLIB_CAVEATS[c])];
  return {
    expression: printExpr(spellOutReturn(form.expr)),
    exact: all.length === 0,
    note: all.length === 0 ? null : form.caveats.length > 0 ? `approximate: ${all.join("; ")}` : all.join("; "),
  };
}

/** The qlib-dialect text of a factor (see qlibTranslation), or null. */
export function qlibExpression(f: Pick<StoredFactor, "id" | "name" | "expression" | "dialect">): string | null {
  return qlibTranslation(f).expression;
}

export function factorDetail(lib: FactorLibrary, id: number): FactorDetail {
  const factor = lib.getFactor(id);
  if (!factor) throw new QuantaError(`no factor ${id} in library ${lib.path}`);
  const t = factor.trajectoryId ? lib.getTrajectory(factor.trajectoryId) : undefined;
  const parents = (t?.parents ?? []).flatMap((p) => {
    const pt = lib.getTrajectory(p);
    return pt ? [summary(pt)] : [];
  });
  return {
    factor,
    qlib: qlibTranslation(factor),
    trajectory: t ? summary(t) : null,
    parents,
    events: lib.factorEvents(id),
  };
}
