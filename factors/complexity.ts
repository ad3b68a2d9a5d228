/**
 * Complexity of a factor expression (QuantaAlpha paper, Eq. 4) and the gate
 * built on it (DESIGN.md §3): symbol length SL = characters of the canonical
 * printed expression, number of distinct base fields, free-argument ratio =
 * numeric literals / AST nodes (a unary minus is a node of its own).
 */
import type { Expr } from "./ast.ts";
import { children } from "./ast.ts";
import { fieldsOf } from "./fields.ts";
import { printExpr } from "./printer.ts";

export interface Complexity {
  /** Characters of printExpr(e). */
  readonly symbolLength: number;
  /** Distinct fields ($close, $volume …). */
  readonly baseFields: number;
  /** Numeric literals (windows, constants …); `-5` is one literal under a unary-minus node. */
  readonly freeArgs: number;
  /** All AST nodes, unary minus included. */
  readonly nodeCount: number;
  /** freeArgs / nodeCount. */
  readonly freeArgRatio: number;
}

export interface ComplexityLimits {
  readonly maxSymbolLength: number;
  readonly maxBaseFields: number;
  /** The ratio must be strictly below this. */
  readonly maxFreeArgRatio: number;
}

export const DEFAULT_COMPLEXITY_LIMITS: ComplexityLimits = Object.freeze({
  maxSymbolLength: 250,
  maxBaseFields: 6,
  maxFreeArgRatio: 0.5,
});

export interface ComplexityCheck {
  readonly ok: boolean;
  /** One sentence per broken limit, for the repairer prompt; empty when ok. */
  readonly reasons: string[];
  readonly complexity: Complexity;
}

export function complexityOf(e: Expr): Complexity {
  let nodeCount = 0;
  let freeArgs = 0;
  const stack: Expr[] = [e];
  while (stack.length > 0) {
    const n = stack.pop() as Expr;
    nodeCount++;
    if (n.kind === "num") freeArgs++;
    else stack.push(...children(n));
  }
  return {
    symbolLength: printExpr(e).length,
    baseFields: fieldsOf(e).size,
    freeArgs,
    nodeCount,
    freeArgRatio: freeArgs / nodeCount,
  };
}

export function checkComplexity(e: Expr, limits: ComplexityLimits = DEFAULT_COMPLEXITY_LIMITS): ComplexityCheck {
  const c = complexityOf(e);
  const reasons: string[] = [];
  if (c.symbolLength > limits.maxSymbolLength) {
    reasons.push(`expression is ${c.symbolLength} characters long (limit ${limits.maxSymbolLength}): simplify it`);
  }
  if (c.baseFields > limits.maxBaseFields) {
    reasons.push(`expression uses ${c.baseFields} distinct fields (limit ${limits.maxBaseFields})`);
  }
  if (!(c.freeArgRatio < limits.maxFreeArgRatio)) {
    reasons.push(
      `${c.freeArgs} of ${c.nodeCount} nodes are numeric literals (ratio ${c.freeArgRatio.toFixed(2)}, ` +
        `must be below ${limits.maxFreeArgRatio}): too many tuned constants`,
    );
  }
  return { ok: reasons.length === 0, reasons, complexity: c };
}
