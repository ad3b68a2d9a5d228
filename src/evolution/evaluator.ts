/**
 * Where factor values come from. The controller only needs "these expressions on this panel";
 * evaluating in this thread (the default, cheapest on small panels) and the Piscina pool
 * (src/pool) both fit behind `FactorEvaluator`.
 */
import type { Dialect } from "../../factors/ast.ts";
import { evaluateFactors } from "../../factors/evaluate.ts";
import type { Panel } from "../../factors/panel.ts";
import { parseExpr } from "../../factors/parser.ts";

export interface FactorEvaluator {
  /** One instrument-major array per expression, in order. Expressions are already validated. */
  evaluate(panel: Panel, expressions: readonly string[], dialect: Dialect): Promise<Float64Array[]>;
  close?(): Promise<void>;
}

/** Evaluates in the calling thread (shared sub-expressions are computed once per batch). */
export class InProcessEvaluator implements FactorEvaluator {
  async evaluate(panel: Panel, expressions: readonly string[], dialect: Dialect): Promise<Float64Array[]> {
    return evaluateFactors(
      panel,
      expressions.map((e) => parseExpr(e, dialect)),
      dialect,
    );
  }
}

/** The shape of src/pool's EvalPool that the controller uses. */
export interface PoolLike {
  evaluate(panel: Panel, expressions: readonly string[], dialect: Dialect): Promise<{ values: Float64Array[] }>;
  close(): Promise<void>;
}

/** Adapts the worker pool to `FactorEvaluator`. */
export function poolEvaluator(pool: PoolLike): FactorEvaluator {
  return {
    evaluate: async (panel, expressions, dialect) => (await pool.evaluate(panel, expressions, dialect)).values,
    close: () => pool.close(),
  };
}
