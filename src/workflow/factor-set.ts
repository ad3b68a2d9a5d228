/**
 * A factor set ready to evaluate: every expression parsed (errors name the file, line and factor)
 * and checked against the panel's fields. An expression that needs a field the data lacks is
 * skipped with a warning naming the field (the reference's behaviour, so Alpha158's VWAP0 does not
 * stop a run on data without $vwap), or is an error with `strict`.
 */
import type { Dialect, Expr } from "../../factors/ast.ts";
import { FieldError, ParseError, QuantaError } from "../../factors/errors.ts";
import { parseExpr } from "../../factors/parser.ts";
import { printExpr } from "../../factors/printer.ts";
import { availableFields } from "../../factors/evaluate.ts";
import { fieldsOf } from "../../factors/fields.ts";
import type { Panel } from "../../factors/panel.ts";
import type { NamedExpression } from "../io/exprs-file.ts";

export interface PreparedFactor {
  readonly name: string;
  readonly source: string;
  readonly expr: Expr;
  /** Canonical printed form (what the evaluator and caches key on). */
  readonly canonical: string;
}

export interface SkippedFactor {
  readonly name: string;
  readonly reason: string;
}

export interface PreparedFactorSet {
  readonly factors: PreparedFactor[];
  readonly skipped: SkippedFactor[];
}

export function prepareFactorSet(
  items: readonly NamedExpression[],
  dialect: Dialect,
  panel: Panel,
  opts: { readonly strict?: boolean; readonly source?: string } = {},
): PreparedFactorSet {
  const have = new Set(availableFields(panel));
  const factors: PreparedFactor[] = [];
  const skipped: SkippedFactor[] = [];
  for (const item of items) {
    let expr: Expr;
    try {
      expr = parseExpr(item.expression, dialect);
    } catch (err) {
      if (err instanceof QuantaError) {
        // `file:line:col` points into the TSV (editor-clickable); the message's own `col N` and caret
        // point into the expression.
        const col = err instanceof ParseError && item.column !== undefined ? `:${item.column + err.pos}` : "";
        throw new QuantaError(`${opts.source ?? "expressions"}:${item.line}${col}: factor ${item.name}: ${err.message}`);
      }
      throw err;
    }
    const missing = [...fieldsOf(expr)].filter((f) => !have.has(f)).sort();
    if (missing.length > 0) {
      const reason = `needs ${missing.map((f) => `$${f}`).join(", ")}, which the data lacks (available: ${[...have].sort().map((f) => `$${f}`).join(", ")})`;
      if (opts.strict) throw new FieldError(`${opts.source ?? "expressions"}:${item.line}: factor ${item.name}: ${reason}`);
      skipped.push({ name: item.name, reason });
      continue;
    }
    factors.push({ name: item.name, source: item.expression, expr, canonical: printExpr(expr) });
  }
  if (factors.length === 0) throw new QuantaError("no factor left to evaluate (all need fields the data lacks)");
  return { factors, skipped };
}
