/**
 * Library factors evaluated on a panel. Each factor is parsed in its own dialect (a library may
 * hold both), checked against the panel's fields, and evaluated in one batch per dialect so shared
 * sub-expressions are computed once. A factor that cannot be evaluated on this data (it names a
 * field the data lacks, or its stored expression no longer parses) is returned as skipped with the
 * reason, never silently dropped.
 */
import type { Dialect, Expr } from "../../factors/ast.ts";
import { QuantaError } from "../../factors/errors.ts";
import { availableFields } from "../../factors/evaluate.ts";
import { fieldsOf } from "../../factors/fields.ts";
import type { Panel } from "../../factors/panel.ts";
import { parseExpr } from "../../factors/parser.ts";
import { printExpr } from "../../factors/printer.ts";
import { InProcessEvaluator, type FactorEvaluator } from "../evolution/evaluator.ts";
import type { StoredFactor } from "../library/index.ts";

/** What evaluation needs of a factor (a StoredFactor, or an import candidate numbered by position). */
export type EvaluableFactor = Pick<StoredFactor, "id" | "name" | "expression" | "dialect">;

export interface EvaluatedFactor<F extends EvaluableFactor = StoredFactor> {
  readonly factor: F;
  /** Canonical printed expression in the factor's dialect. */
  readonly canonical: string;
  /** Instrument-major values on the panel. */
  readonly values: Float64Array;
}

export interface SkippedFactor<F extends EvaluableFactor = StoredFactor> {
  readonly factor: F;
  readonly reason: string;
}

export interface EvaluatedSet<F extends EvaluableFactor = StoredFactor> {
  /** In the order of the input factors (minus the skipped ones). */
  readonly evaluated: EvaluatedFactor<F>[];
  readonly skipped: SkippedFactor<F>[];
}

/** Parse a stored factor in its dialect; a parse error names the factor. */
export function parseStoredFactor(f: EvaluableFactor): Expr {
  try {
    return parseExpr(f.expression, f.dialect);
  } catch (err) {
    if (err instanceof QuantaError) throw new QuantaError(`factor ${f.id} (${f.name}): ${err.message}`);
    throw err;
  }
}

export async function evaluateStoredFactors<F extends EvaluableFactor>(
  panel: Panel,
  factors: readonly F[],
  evaluator: FactorEvaluator = new InProcessEvaluator(),
): Promise<EvaluatedSet<F>> {
  const have = new Set(availableFields(panel));
  const skipped: SkippedFactor<F>[] = [];
  const ready: { factor: F; canonical: string; order: number }[] = [];
  factors.forEach((factor, order) => {
    let expr: Expr;
    try {
      expr = parseStoredFactor(factor);
    } catch (err) {
      if (!(err instanceof QuantaError)) throw err;
      skipped.push({ factor, reason: `does not parse: ${err.message.split("\n")[0]}` });
      return;
    }
    const missing = [...fieldsOf(expr)].filter((f) => !have.has(f)).sort();
    if (missing.length > 0) {
      skipped.push({ factor, reason: `needs ${missing.map((f) => `$${f}`).join(", ")}, which the data lacks` });
      return;
    }
    ready.push({ factor, canonical: printExpr(expr), order });
  });
  const out = new Array<EvaluatedFactor<F> | undefined>(factors.length);
  for (const dialect of ["quanta", "qlib"] as const satisfies readonly Dialect[]) {
    const group = ready.filter((r) => r.factor.dialect === dialect);
    if (group.length === 0) continue;
    const values = await evaluator.evaluate(
      panel,
      group.map((g) => g.canonical),
      dialect,
    );
    group.forEach((g, k) => (out[g.order] = { factor: g.factor, canonical: g.canonical, values: values[k]! }));
  }
  return { evaluated: out.filter((x): x is EvaluatedFactor<F> => x !== undefined), skipped };
}
