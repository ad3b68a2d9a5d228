/**
 * Canonical printing. `printExpr` writes an expression with no spaces and the
 * fewest parentheses the grammar's precedence allows, e.g.
 * `RANK(TS_MEAN($close,20))/($high-$low+1e-12)`. It is the cache key of an
 * evaluation and the text whose length is the complexity SL. For trees made by
 * the parser, parseSyntax(printExpr(e)) equals e up to positions; integer
 * literals stay integers (`5`) and others keep a decimal point or an exponent
 * (`5.0`, `1e-8`), because qlib gives `5` and `5.0` different meanings.
 */
import type { BinaryOp, Expr } from "./ast.ts";

export interface PrintOptions {
  /** Spaces after commas and around binary operators (for people, not for keys). */
  readonly pretty?: boolean;
}

// Binding strength, loosest first (DESIGN.md §3).
const PREC_TERNARY = 1;
const PREC_UNARY = 7;
const PREC_ATOM = 8;
const BINARY_PREC: Readonly<Record<BinaryOp, number>> = {
  "||": 2,
  "&&": 3,
  ">": 4, "<": 4, ">=": 4, "<=": 4, "==": 4, "!=": 4,
  "+": 5, "-": 5,
  "*": 6, "/": 6,
};

export function printExpr(e: Expr, opts: PrintOptions = {}): string {
  return print(e, opts.pretty ?? false);
}

function precOf(e: Expr): number {
  switch (e.kind) {
    case "cond":
      return PREC_TERNARY;
    case "binary":
      return BINARY_PREC[e.op];
    case "unary":
      return PREC_UNARY;
    case "num":
      return e.value < 0 || Object.is(e.value, -0) ? PREC_UNARY : PREC_ATOM; // printed with a '-'
    default:
      return PREC_ATOM;
  }
}

function wrap(e: Expr, minPrec: number, pretty: boolean): string {
  const s = print(e, pretty);
  return precOf(e) < minPrec ? `(${s})` : s;
}

function print(e: Expr, pretty: boolean): string {
  switch (e.kind) {
    case "num":
      return formatNumber(e.value, e.isInt);
    case "field":
      return `$${e.name}`;
    case "call":
      return `${e.op}(${e.args.map((a) => print(a, pretty)).join(pretty ? ", " : ",")})`;
    case "unary":
      // The argument of a unary operator is itself a unary: anything looser needs parentheses.
      return e.op + wrap(e.arg, PREC_UNARY, pretty);
    case "binary": {
      const p = BINARY_PREC[e.op];
      // Left-associative: the left side may be at the same level, the right side must bind tighter.
      const left = wrap(e.left, p, pretty);
      const right = wrap(e.right, p + 1, pretty);
      return pretty ? `${left} ${e.op} ${right}` : `${left}${e.op}${right}`;
    }
    case "cond": {
      // cond is an `or`; the branches are full expressions, so `a?b:c?d:e` needs no parentheses.
      const c = wrap(e.cond, PREC_TERNARY + 1, pretty);
      const t = print(e.then, pretty);
      const f = print(e.else, pretty);
      return pretty ? `${c} ? ${t} : ${f}` : `${c}?${t}:${f}`;
    }
  }
}

/**
 * A literal that the lexer reads back as the same value and the same integer-ness:
 * integers as plain digits (even beyond 1e21), others with a '.' or an exponent.
 */
export function formatNumber(value: number, isInt: boolean): string {
  if (!Number.isFinite(value)) throw new Error(`printExpr: non-finite literal ${value}`);
  const sign = value < 0 || Object.is(value, -0) ? "-" : "";
  const v = Math.abs(value);
  if (isInt && Number.isInteger(v)) return sign + (v < 1e21 ? String(v) : BigInt(v).toString());
  const s = String(v);
  return sign + (/[.e]/.test(s) ? s : `${s}.0`);
}

/**
 * A key identifying an expression up to positions and the operand order of
 * commutative operators (`+ * == != && ||` and their call aliases ADD, MULTIPLY,
 * EQ, NE, AND, OR, Add, Mul, Eq, Ne, And, Or). Two trees with the same key
 * compute the same values in the same dialect (IEEE `+` and `*` are commutative,
 * and the logical operators here do not short-circuit), so it is a sharper
 * cache key than the printed form.
 */
export function structuralKey(e: Expr): string {
  switch (e.kind) {
    case "num":
      return formatNumber(e.value, e.isInt);
    case "field":
      return `$${e.name}`;
    case "call": {
      const keys = e.args.map(structuralKey);
      if (keys.length === 2 && COMMUTATIVE_CALLS.has(e.op)) keys.sort();
      return `${e.op}(${keys.join(",")})`;
    }
    case "unary":
      return `(${e.op}${structuralKey(e.arg)})`;
    case "binary": {
      let a = structuralKey(e.left);
      let b = structuralKey(e.right);
      if (COMMUTATIVE_BINARY.has(e.op) && b < a) [a, b] = [b, a];
      return `(${a}${e.op}${b})`;
    }
    case "cond":
      return `(${structuralKey(e.cond)}?${structuralKey(e.then)}:${structuralKey(e.else)})`;
  }
}

export const COMMUTATIVE_BINARY: ReadonlySet<BinaryOp> = new Set<BinaryOp>(["+", "*", "==", "!=", "&&", "||"]);
export const COMMUTATIVE_CALLS: ReadonlySet<string> = new Set([
  "ADD", "MULTIPLY", "EQ", "NE", "AND", "OR",
  "Add", "Mul", "Eq", "Ne", "And", "Or",
]);

/** Structural equality, ignoring positions (operand order matters). */
export function exprEquals(a: Expr, b: Expr): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case "num": {
      const o = b as typeof a;
      return Object.is(a.value, o.value) && a.isInt === o.isInt;
    }
    case "field":
      return a.name === (b as typeof a).name;
    case "call": {
      const o = b as typeof a;
      return a.op === o.op && a.args.length === o.args.length && a.args.every((x, i) => exprEquals(x, o.args[i] as Expr));
    }
    case "unary": {
      const o = b as typeof a;
      return a.op === o.op && exprEquals(a.arg, o.arg);
    }
    case "binary": {
      const o = b as typeof a;
      return a.op === o.op && exprEquals(a.left, o.left) && exprEquals(a.right, o.right);
    }
    case "cond": {
      const o = b as typeof a;
      return exprEquals(a.cond, o.cond) && exprEquals(a.then, o.then) && exprEquals(a.else, o.else);
    }
  }
}
