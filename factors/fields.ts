/** Which data fields an expression reads. */
import type { Expr } from "./ast.ts";
import { children } from "./ast.ts";

/** Distinct field names used by `e`, without the `$` (e.g. `close`, `volume`). */
export function fieldsOf(e: Expr): Set<string> {
  const out = new Set<string>();
  const stack: Expr[] = [e];
  while (stack.length > 0) {
    const n = stack.pop() as Expr;
    if (n.kind === "field") out.add(n.name);
    else stack.push(...children(n));
  }
  return out;
}
