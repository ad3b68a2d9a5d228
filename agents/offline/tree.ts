/**
 * Tree tools for the offline proposer: building nodes, addressing subtrees by
 * path, replacing them immutably, and telling expression slots from literal
 * parameter slots (windows, lags) using the operator registry.
 */
import type { BinaryOp, Expr } from "../../factors/ast.ts";
import { children } from "../../factors/ast.ts";
import { parseExpr } from "../../factors/parser.ts";
import { printExpr, structuralKey } from "../../factors/printer.ts";
import { lookupOp, type ParamKind } from "../../factors/registry.ts";

// ---- builders (positions are irrelevant for generated trees) -------------------------------

export const num = (value: number, isInt = Number.isInteger(value)): Expr => ({ kind: "num", value, isInt, pos: 0 });
/** A field by its name without `$` (`close`), or with it (`$close`). */
export const field = (name: string): Expr => ({ kind: "field", name: name.replace(/^\$/, ""), pos: 0 });
export const call = (op: string, ...args: Expr[]): Expr => ({ kind: "call", op, args, pos: 0 });
export const neg = (arg: Expr): Expr => ({ kind: "unary", op: "-", arg, pos: 0 });
export const not = (arg: Expr): Expr => ({ kind: "unary", op: "!", arg, pos: 0 });
export const bin = (op: BinaryOp, left: Expr, right: Expr): Expr => ({ kind: "binary", op, left, right, pos: 0 });
export const cond = (c: Expr, then: Expr, otherwise: Expr): Expr => ({ kind: "cond", cond: c, then, else: otherwise, pos: 0 });

export const add = (a: Expr, b: Expr): Expr => bin("+", a, b);
export const sub = (a: Expr, b: Expr): Expr => bin("-", a, b);
export const mul = (a: Expr, b: Expr): Expr => bin("*", a, b);
export const div = (a: Expr, b: Expr): Expr => bin("/", a, b);

// ---- paths -----------------------------------------------------------------------------------

export type Path = readonly number[];

export interface Slot {
  readonly path: Path;
  readonly node: Expr;
  /** Kind of literal the parent requires here (window, lag …); undefined for an expression slot. */
  readonly param?: ParamKind;
  /** The parent call's operator, if the parent is a call. */
  readonly parentOp?: string;
  readonly depth: number;
}

/** Every node in pre-order with its path and what its parent expects there (quanta dialect). */
export function slots(e: Expr): Slot[] {
  const out: Slot[] = [];
  const visit = (n: Expr, path: number[], param: ParamKind | undefined, parentOp: string | undefined): void => {
    out.push({ path: [...path], node: n, depth: path.length, ...(param ? { param } : {}), ...(parentOp ? { parentOp } : {}) });
    const spec = n.kind === "call" ? lookupOp("quanta", n.op) : undefined;
    children(n).forEach((c, i) => {
      path.push(i);
      visit(c, path, spec?.params[i], n.kind === "call" ? n.op : undefined);
      path.pop();
    });
  };
  visit(e, [], undefined, undefined);
  return out;
}

export function getAt(e: Expr, path: Path): Expr {
  let cur = e;
  for (const i of path) {
    const c = children(cur)[i];
    if (!c) throw new Error(`getAt: no child ${i}`);
    cur = c;
  }
  return cur;
}

/** A copy of `e` with the subtree at `path` replaced by `repl`. */
export function replaceAt(e: Expr, path: Path, repl: Expr): Expr {
  if (path.length === 0) return repl;
  const [i, ...rest] = path as [number, ...number[]];
  const kids = children(e).slice();
  const child = kids[i];
  if (!child) throw new Error(`replaceAt: no child ${i}`);
  kids[i] = replaceAt(child, rest, repl);
  return withChildren(e, kids);
}

export function withChildren(e: Expr, kids: readonly Expr[]): Expr {
  switch (e.kind) {
    case "num":
    case "field":
      return e;
    case "call":
      return { ...e, args: kids };
    case "unary":
      return { ...e, arg: kids[0] as Expr };
    case "binary":
      return { ...e, left: kids[0] as Expr, right: kids[1] as Expr };
    case "cond":
      return { ...e, cond: kids[0] as Expr, then: kids[1] as Expr, else: kids[2] as Expr };
  }
}

/** Applies `f` bottom-up to every node. */
export function mapTree(e: Expr, f: (n: Expr) => Expr): Expr {
  const kids = children(e);
  const rebuilt = kids.length ? withChildren(e, kids.map((c) => mapTree(c, f))) : e;
  return f(rebuilt);
}

export function size(e: Expr): number {
  let n = 1;
  for (const c of children(e)) n += size(c);
  return n;
}

/** Expression slots that may be replaced by another expression (not literal params, not SEQUENCE or its slot). */
export function expressionSlots(e: Expr): Slot[] {
  return slots(e).filter(
    (s) =>
      s.param === undefined &&
      !(s.node.kind === "call" && s.node.op === "SEQUENCE") &&
      !((s.parentOp === "REGBETA" || s.parentOp === "REGRESI") && s.path[s.path.length - 1] === 1),
  );
}

/** Window-like literal slots (kinds win, lag, seqn). */
export function windowSlots(e: Expr): Slot[] {
  return slots(e).filter((s) => (s.param === "win" || s.param === "lag" || s.param === "seqn") && s.node.kind === "num");
}

/** Structural keys of all subtrees with at least `minSize` nodes. */
export function subtreeKeys(e: Expr, minSize = 2): Set<string> {
  const out = new Set<string>();
  for (const s of slots(e)) if (size(s.node) >= minSize) out.add(structuralKey(s.node));
  return out;
}

/** The tree with every numeric literal replaced by `#`: equal keys = same structure, windows aside. */
export function shapeKey(e: Expr): string {
  return structuralKey(mapTree(e, (n) => (n.kind === "num" ? { kind: "field", name: "#", pos: 0 } : n)));
}

/** Printed text if the tree parses back in the quanta dialect without look-ahead, else undefined. */
export function validText(e: Expr): string | undefined {
  try {
    const text = printExpr(e);
    parseExpr(text, "quanta");
    return text;
  } catch {
    return undefined;
  }
}
