/**
 * Seeded random generator of valid factor expressions, driven by the operator
 * registry (so new operators are fuzzed automatically). Every tree it makes
 * passes validateExpr for its dialect. Reusable by other suites, e.g. for
 * evaluator-vs-reference parity fuzzing:
 *
 *   const rng = mulberry32(7);
 *   const e = randomExpr(rng, "quanta", { maxDepth: 3, fields: ["close", "volume"] });
 *   printExpr(e)
 */
import type { BinaryOp, Dialect, Expr } from "../../../factors/ast.ts";
import { children } from "../../../factors/ast.ts";
import type { OpSpec, ParamKind } from "../../../factors/registry.ts";
import { operatorsOf } from "../../../factors/registry.ts";
import { mulberry32, type Rng } from "../../helpers/rng.ts";

export { mulberry32, type Rng };

export interface GenOptions {
  /** Maximum tree height in operator levels (leaves at 0). Default 4. */
  readonly maxDepth?: number;
  /** Field names (without `$`). Default open/high/low/close/volume. */
  readonly fields?: readonly string[];
  /** Restrict calls to these operators (names of the dialect); default all. */
  readonly ops?: readonly string[];
  /** Use infix syntax (`+ - * / < && ?: ! -x`) as well as calls. Default true. */
  readonly syntax?: boolean;
  /** Largest window / lag drawn. Default 30. */
  readonly maxWindow?: number;
  /** Also draw qlib's special windows (N = 0 expanding, float N = EWM alpha) and float EMA spans. Default true. */
  readonly exoticParams?: boolean;
  /** Probability that a node below the root is a leaf before maxDepth. Default 0.3. */
  readonly leafProb?: number;
}

const DEFAULT_FIELDS = ["open", "high", "low", "close", "volume"];
const BINARY_OPS: readonly BinaryOp[] = ["+", "-", "*", "/", ">", "<", ">=", "<=", "==", "!=", "&&", "||"];

export function randomExpr(rng: Rng, dialect: Dialect, opts: GenOptions = {}): Expr {
  return new Gen(rng, dialect, opts).expr(opts.maxDepth ?? 4, true);
}

/** `count` expressions from one seed. */
export function randomExprs(seed: number, dialect: Dialect, count: number, opts: GenOptions = {}): Expr[] {
  const rng = mulberry32(seed);
  return Array.from({ length: count }, () => randomExpr(rng, dialect, opts));
}

class Gen {
  private readonly fields: readonly string[];
  private readonly calls: readonly OpSpec[];
  private readonly syntax: boolean;
  private readonly maxWindow: number;
  private readonly exotic: boolean;
  private readonly leafProb: number;

  constructor(
    private readonly rng: Rng,
    private readonly dialect: Dialect,
    opts: GenOptions,
  ) {
    this.fields = opts.fields ?? DEFAULT_FIELDS;
    const allowed = opts.ops ? new Set(opts.ops) : undefined;
    this.calls = operatorsOf(dialect).filter((s) => s.name !== "SEQUENCE" && (!allowed || allowed.has(s.name)));
    this.syntax = opts.syntax ?? true;
    this.maxWindow = opts.maxWindow ?? 30;
    this.exotic = opts.exoticParams ?? true;
    this.leafProb = opts.leafProb ?? 0.3;
  }

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.rng() * (hi - lo + 1));
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rng() * xs.length)] as T;
  }

  expr(depth: number, root = false): Expr {
    if (depth <= 0 || (!root && this.rng() < this.leafProb) || (this.calls.length === 0 && !this.syntax)) return this.leaf();
    const r = this.rng();
    if (this.syntax && (r < 0.35 || this.calls.length === 0)) return this.syntaxNode(depth);
    return this.call(this.pick(this.calls), depth);
  }

  private leaf(): Expr {
    if (this.rng() < 0.75) return { kind: "field", name: this.pick(this.fields), pos: 0 };
    const c = this.constant();
    return this.rng() < 0.15 ? { kind: "unary", op: "-", arg: c, pos: 0 } : c;
  }

  private constant(): Expr {
    const r = this.rng();
    if (r < 0.5) return num(this.int(0, 20), true);
    if (r < 0.8) return num(this.int(1, 999) / 100, false);
    if (r < 0.9) return num(this.pick([1e-12, 1e-8, 2.5e-5, 1e6]), false);
    return num(this.int(1, 5), false); // an integral value written `3.0`
  }

  private syntaxNode(depth: number): Expr {
    const r = this.rng();
    if (r < 0.7) {
      const op = this.pick(BINARY_OPS);
      return { kind: "binary", op, left: this.expr(depth - 1), right: this.expr(depth - 1), pos: 0 };
    }
    if (r < 0.88) return { kind: "unary", op: this.rng() < 0.7 ? "-" : "!", arg: this.expr(depth - 1), pos: 0 };
    return { kind: "cond", cond: this.expr(depth - 1), then: this.expr(depth - 1), else: this.expr(depth - 1), pos: 0 };
  }

  private call(spec: OpSpec, depth: number): Expr {
    const nArgs = this.int(spec.minArgs, spec.maxArgs);
    const args: Expr[] = [];
    for (let i = 0; i < nArgs; i++) {
      const kind = spec.params[i];
      if (kind) args.push(literal(this.param(kind, spec)));
      else if (i === 1 && (spec.name === "REGBETA" || spec.name === "REGRESI") && this.rng() < 0.4) {
        args.push({ kind: "call", op: "SEQUENCE", args: [literal(this.param("seqn", spec))], pos: 0 });
      } else args.push(this.expr(depth - 1));
    }
    fixCrossParams(spec, args);
    return { kind: "call", op: spec.name, args, pos: 0 };
  }

  private param(kind: ParamKind, spec: OpSpec): { value: number; isInt: boolean } {
    const w = this.maxWindow;
    const exotic = this.exotic && this.rng() < 0.15;
    switch (kind) {
      case "win":
      case "seqn":
        return { value: this.int(1, w), isInt: true };
      case "lag":
      case "qref":
        return { value: this.int(0, w), isInt: true };
      case "q":
        return this.pick([{ value: 0, isInt: true }, { value: 0.1, isInt: false }, { value: 0.25, isInt: false },
          { value: 0.5, isInt: false }, { value: 0.8, isInt: false }, { value: 1, isInt: true }]);
      case "num":
        return { value: this.int(1, 20) / 2, isInt: false };
      case "qwin": {
        const min = spec.name === "Skew" ? 3 : spec.name === "Kurt" ? 4 : 1;
        if (exotic && min === 1) return this.rng() < 0.5 ? { value: 0, isInt: true } : { value: this.int(1, 9) / 10, isInt: false };
        if (exotic) return { value: 0, isInt: true };
        return { value: this.int(min, Math.max(min, w)), isInt: true };
      }
      case "qwin0":
        return { value: exotic ? 0 : this.int(1, w), isInt: true };
      case "qwin1":
        return { value: this.int(1, w), isInt: true };
      case "qema":
        return exotic ? { value: this.int(1, 9) / 10, isInt: false } : { value: this.int(1, w), isInt: true };
    }
  }
}

/** Enforce the validator's cross-parameter rules (SMA 0 < m ≤ n, MACD s < l). */
function fixCrossParams(spec: OpSpec, args: Expr[]): void {
  if (spec.dialect !== "quanta") return;
  if (spec.name === "SMA" && args.length === 3) {
    const n = (args[1] as { value: number }).value;
    const m = Math.max(0.5, Math.min(n, (args[2] as { value: number }).value));
    args[2] = num(m, false);
  }
  if (spec.name === "MACD") {
    const s = (args[1] as { value: number }).value;
    const l = (args[2] as { value: number }).value;
    if (s >= l) {
      args[1] = num(Math.min(s, l), true);
      args[2] = num(Math.max(s, l) + 1, true);
    }
  }
}

function num(value: number, isInt: boolean): Expr {
  return { kind: "num", value, isInt, pos: 0 };
}

function literal(p: { value: number; isInt: boolean }): Expr {
  return num(p.value, p.isInt);
}

/**
 * Prints `e` the way people and LLMs write: random spaces, redundant parentheses,
 * `&`/`|` for `&&`/`||`. Parses back to the same tree as printExpr(e) does.
 */
export function printNoisy(e: Expr, rng: Rng): string {
  const sp = (): string => (rng() < 0.3 ? " " : rng() < 0.05 ? "  " : "");
  const paren = (s: string): string => (rng() < 0.1 ? `(${sp()}${s}${sp()})` : s);
  const PREC: Record<BinaryOp, number> = { "||": 2, "&&": 3, ">": 4, "<": 4, ">=": 4, "<=": 4, "==": 4, "!=": 4, "+": 5, "-": 5, "*": 6, "/": 6 };
  const prec = (x: Expr): number =>
    x.kind === "cond" ? 1 : x.kind === "binary" ? PREC[x.op] : x.kind === "unary" ? 7 : 8;
  const wrap = (x: Expr, min: number): string => (prec(x) < min ? `(${sp()}${go(x)}${sp()})` : go(x));
  const go = (x: Expr): string => {
    switch (x.kind) {
      case "num":
        return paren(x.isInt ? String(x.value) : noisyFloat(x.value, rng));
      case "field":
        return paren(`$${x.name}`);
      case "call":
        return paren(`${x.op}${sp()}(${sp()}${x.args.map((a) => go(a)).join(`${sp()},${sp()}`)}${sp()})`);
      case "unary":
        return paren(`${x.op}${sp()}${wrap(x.arg, 7)}`);
      case "binary": {
        let op: string = x.op;
        if (op === "&&" && rng() < 0.5) op = "&";
        if (op === "||" && rng() < 0.5) op = "|";
        return paren(`${wrap(x.left, PREC[x.op])}${sp()}${op}${sp()}${wrap(x.right, PREC[x.op] + 1)}`);
      }
      case "cond":
        return paren(`${wrap(x.cond, 2)}${sp()}?${sp()}${go(x.then)}${sp()}:${sp()}${go(x.else)}`);
    }
  };
  return `${sp()}${go(e)}${sp()}`;
}

/** A float literal in one of the spellings the lexer accepts (`0.5`, `.5`, `5e-1`, `3.`). */
function noisyFloat(v: number, rng: Rng): string {
  const s = String(v);
  const r = rng();
  if (Number.isInteger(v)) return r < 0.5 ? `${s}.` : `${s}.0`;
  if (r < 0.2 && s.startsWith("0.")) return s.slice(1);
  if (r < 0.3 && !s.includes("e")) return v.toExponential();
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** Tree height (leaves = 1). */
export function heightOf(e: Expr): number {
  let h = 0;
  for (const c of children(e)) h = Math.max(h, heightOf(c));
  return h + 1;
}
