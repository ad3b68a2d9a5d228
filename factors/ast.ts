/**
 * The canonical AST shared by both dialects (quanta and qlib). Node shapes are
 * the same in both; operator names stay those of the dialect that was parsed
 * (`TS_MEAN` vs `Mean`), because the two dialects give some operators
 * different semantics (qlib's 1-based IdxMax, NaN-compares-false, …).
 * `pos` is the 0-based character offset in the source text (errors show it 1-based).
 */
export type Dialect = "quanta" | "qlib";

export type BinaryOp =
  | "+" | "-" | "*" | "/"
  | ">" | "<" | ">=" | "<=" | "==" | "!="
  | "&&" | "||";

export type UnaryOp = "-" | "!";

export interface NumNode { readonly kind: "num"; readonly value: number; readonly isInt: boolean; readonly pos: number }
export interface FieldNode { readonly kind: "field"; readonly name: string; readonly pos: number }
export interface CallNode { readonly kind: "call"; readonly op: string; readonly args: readonly Expr[]; readonly pos: number }
export interface UnaryNode { readonly kind: "unary"; readonly op: UnaryOp; readonly arg: Expr; readonly pos: number }
export interface BinaryNode { readonly kind: "binary"; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr; readonly pos: number }
export interface CondNode { readonly kind: "cond"; readonly cond: Expr; readonly then: Expr; readonly else: Expr; readonly pos: number }

export type Expr = NumNode | FieldNode | CallNode | UnaryNode | BinaryNode | CondNode;

/** Children in evaluation order. */
export function children(e: Expr): readonly Expr[] {
  switch (e.kind) {
    case "num":
    case "field":
      return [];
    case "call":
      return e.args;
    case "unary":
      return [e.arg];
    case "binary":
      return [e.left, e.right];
    case "cond":
      return [e.cond, e.then, e.else];
  }
}
