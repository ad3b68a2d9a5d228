/**
 * Dialect checks on a parsed tree: known operator, arity, literal parameters
 * (kind and range), look-ahead, SEQUENCE placement and the few cross-parameter
 * rules (qlib Skew/Kurt windows, SMA m ≤ n, MACD s < l). Same rules, order and
 * error positions as `validate` in shared/reference/factor_ref.py, so the first
 * error reported for a bad expression is the same one.
 */
import type { CallNode, Dialect, Expr } from "./ast.ts";
import { children } from "./ast.ts";
import { ParseError, QuantaError } from "./errors.ts";
import type { OpSpec, ParamKind } from "./registry.ts";
import { lookupOp, operatorsOf, otherDialect } from "./registry.ts";

export interface ValidateOptions {
  /** Accept negative shifts (look-ahead); only for label definitions. */
  readonly allowFuture?: boolean;
}

/** A numeric literal as written: its value (sign applied) and whether it was an integer token. */
export interface Literal {
  readonly value: number;
  readonly isInt: boolean;
}

/** The value of a literal argument: a number, or unary minus applied to a number; else undefined. */
export function literalValue(e: Expr): number | undefined {
  return literalOf(e)?.value;
}

export function literalOf(e: Expr): Literal | undefined {
  if (e.kind === "num") return { value: e.value, isInt: e.isInt };
  if (e.kind === "unary" && e.op === "-" && e.arg.kind === "num") return { value: -e.arg.value, isInt: e.arg.isInt };
  return undefined;
}

/** Throws ParseError (positions refer to `text`) on the first rule the tree breaks. */
export function validateExpr(e: Expr, dialect: Dialect, text: string, opts: ValidateOptions = {}): void {
  // Dialect names come from configs and CLI flags too, where the type system cannot vouch for them.
  if (dialect !== "quanta" && dialect !== "qlib") throw new QuantaError(`unknown dialect '${String(dialect)}' (quanta | qlib)`);
  visit(e, dialect, text, opts.allowFuture ?? false, undefined);
}

interface ParentSlot {
  readonly op: string;
  readonly index: number;
}

function visit(e: Expr, dialect: Dialect, text: string, allowFuture: boolean, parent: ParentSlot | undefined): void {
  if (e.kind !== "call") {
    for (const c of children(e)) visit(c, dialect, text, allowFuture, undefined);
    return;
  }
  const spec = lookupOp(dialect, e.op);
  if (!spec) throw new ParseError(unknownOperatorMessage(e.op, dialect), e.pos, text);
  const n = e.args.length;
  if (n < spec.minArgs || n > spec.maxArgs) {
    const want = spec.minArgs === spec.maxArgs ? `${spec.minArgs}` : `${spec.minArgs}-${spec.maxArgs}`;
    throw new ParseError(`${e.op} takes ${want} argument(s), got ${n}: ${spec.signature}`, e.pos, text);
  }
  if (e.op === "SEQUENCE" && !(parent && (parent.op === "REGBETA" || parent.op === "REGRESI") && parent.index === 1)) {
    throw new ParseError("SEQUENCE(n) may only be used as the second argument of REGBETA/REGRESI", e.pos, text);
  }
  const consts = new Map<number, number>();
  for (const [key, kind] of Object.entries(spec.params)) {
    const idx = Number(key);
    const arg = e.args[idx];
    if (!arg) continue; // optional parameter not given
    const lit = literalOf(arg);
    if (!lit) {
      throw new ParseError(
        `${e.op}: argument ${idx + 1} (${spec.args[idx]?.name ?? "?"}) must be a numeric literal, as in ${spec.signature}`,
        arg.pos,
        text,
      );
    }
    const problem = checkParam(kind, lit, allowFuture);
    if (problem) throw new ParseError(`${e.op}: ${problem}`, arg.pos, text);
    consts.set(idx, lit.value);
  }
  checkCrossParams(e, spec, dialect, consts, text);
  e.args.forEach((a, i) => {
    if (!(i in spec.params)) visit(a, dialect, text, allowFuture, { op: e.op, index: i });
  });
}

function checkCrossParams(e: CallNode, spec: OpSpec, dialect: Dialect, consts: Map<number, number>, text: string): void {
  if (dialect === "qlib") {
    const w = consts.get(1);
    // qlib's own Skew/Kurt constructors assert these (0 = expanding is fine).
    if (spec.name === "Skew" && w !== undefined && w !== 0 && w < 3) {
      throw new ParseError("Skew: the rolling window size should be >= 3", e.pos, text);
    }
    if (spec.name === "Kurt" && w !== undefined && w !== 0 && w < 4) {
      throw new ParseError("Kurt: the rolling window size should be >= 4", e.pos, text);
    }
    return;
  }
  if (spec.name === "SMA" && consts.has(2)) {
    const n = consts.get(1) as number;
    const m = consts.get(2) as number;
    if (!(m > 0 && m <= n)) throw new ParseError(`SMA(A, n, m): need 0 < m <= n, got n=${fmt(n)}, m=${fmt(m)}`, e.pos, text);
  }
  if (spec.name === "MACD" && (consts.get(1) as number) >= (consts.get(2) as number)) {
    throw new ParseError(`MACD(A, s, l): need s < l, got s=${fmt(consts.get(1) as number)}, l=${fmt(consts.get(2) as number)}`, e.pos, text);
  }
}

/** Why a literal is not acceptable for a parameter kind, or undefined if it is. */
export function checkParam(kind: ParamKind, lit: Literal, allowFuture = false): string | undefined {
  const v = lit.value;
  const integral = Number.isInteger(v);
  switch (kind) {
    case "win":
    case "seqn":
      return integral && v >= 1 ? undefined : `window must be an integer >= 1, got ${fmt(v)}`;
    case "lag":
      if (!integral) return `shift must be an integer, got ${fmt(v)}`;
      return v < 0 && !allowFuture ? lookAhead("shift", v) : undefined;
    case "qref":
      if (!integral) return `N must be an integer, got ${fmt(v)}`;
      return v < 0 && !allowFuture ? lookAhead("N", v) : undefined;
    case "q":
      return v >= 0 && v <= 1 ? undefined : `quantile must be in [0, 1], got ${fmt(v)}`;
    case "num":
      return Number.isFinite(v) ? undefined : `parameter must be finite, got ${fmt(v)}`;
    case "qwin":
      return (lit.isInt && v >= 0) || (v > 0 && v < 1) ? undefined : `N must be an integer >= 0 or a float in (0, 1), got ${fmt(v)}`;
    case "qwin0":
      return lit.isInt && v >= 0 ? undefined : `N must be an integer >= 0, got ${fmt(v)}`;
    case "qwin1":
      if (lit.isInt && v >= 1) return undefined;
      if (lit.isInt && v === 0) return "N = 0 (expanding window) is not supported for this operator";
      return `N must be an integer >= 1, got ${fmt(v)}`;
    case "qema":
      if ((lit.isInt && v >= 1) || (!lit.isInt && v > 0)) return undefined;
      return `N must be an integer >= 1 or a float > 0, got ${fmt(v)} (N = 0, an expanding EMA, is not supported)`;
  }
}

function lookAhead(what: string, v: number): string {
  return `negative ${what} ${fmt(v)} looks into the future (look-ahead is rejected outside a label definition)`;
}

function fmt(v: number): string {
  return Object.is(v, -0) ? "0" : String(v);
}

/** `unknown operator 'X' in the quanta dialect` plus the most useful hint we can give. */
export function unknownOperatorMessage(name: string, dialect: Dialect): string {
  const base = `unknown operator '${name}' in the ${dialect} dialect`;
  const other = otherDialect(dialect);
  const foreign = lookupOp(other, name);
  if (foreign) {
    const eq = foreign.counterpart ? lookupOp(dialect, foreign.counterpart) : undefined;
    return `${base} (${name} is a ${other}-dialect name${eq ? `; the ${dialect} dialect has ${eq.signature}` : ""})`;
  }
  const ops = operatorsOf(dialect);
  const upper = name.toUpperCase();
  const sameCase = ops.find((s) => s.name.toUpperCase() === upper);
  if (sameCase) return `${base} (did you mean ${sameCase.name}? names are case-sensitive)`;
  let best: OpSpec | undefined;
  let bestDist = 3;
  for (const s of ops) {
    const d = editDistance(upper, s.name.toUpperCase(), bestDist);
    if (d < bestDist) {
      best = s;
      bestDist = d;
    }
  }
  return best ? `${base} (did you mean ${best.signature}?)` : base;
}

/** Levenshtein distance, giving up (returning `cap`) once it cannot be below `cap`. */
function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin >= cap) return cap;
    prev = cur;
  }
  return Math.min(prev[b.length] as number, cap);
}
