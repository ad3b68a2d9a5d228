/**
 * quanta → qlib translation. `toQlib` gives the qlib-dialect tree that computes the same values
 * (per the reference evaluator's semantics of both dialects, README "Semantic decisions");
 * `toQlibForm` also accepts operators whose qlib counterpart agrees on complete data but differs
 * in named corner cases (missing values, a series' first days, near-constant windows), and says
 * which: a researcher moving a factor to qlib wants it carried over with its caveats rather than
 * dropped. Cross-sectional operators, the median absolute deviation, WMA's geometric weights,
 * PROD and FLOOR have no qlib form at all.
 *
 * Exact for finite intermediate values. One caveat remains: quanta turns every non-finite node
 * result into NaN while qlib keeps ±inf between element-wise operators (window operators and the
 * final output map it to NaN in both), so an expression such as `1/(1/$x)` at $x = 0 is NaN in
 * quanta but 0 in qlib.
 *
 * Logic and conditionals are emitted as calls (Gt, And, If, …), never as infix `>`, `&&`, `?:`:
 * qlib evaluates expressions as Python, where `?:` and `&&` do not exist and `&` binds tighter
 * than comparisons.
 */
import type { CallNode, Expr, NumNode } from "./ast.ts";
import { fieldsOf } from "./fields.ts";
import { lookupOp } from "./registry.ts";
import { literalValue } from "./validate.ts";

/** Same-arity renames whose semantics coincide. */
const RENAME: Readonly<Record<string, string>> = {
  TS_MEAN: "Mean",
  TS_SUM: "Sum",
  SUMAC: "Sum",
  TS_STD: "Std",
  TS_VAR: "Var",
  TS_MAX: "Max",
  TS_MIN: "Min",
  TS_MEDIAN: "Med",
  TS_RANK: "Rank",
  TS_QUANTILE: "Quantile",
  TS_COVARIANCE: "Cov",
  EMA: "EMA",
  BB_MIDDLE: "Mean",
  ABS: "Abs",
  SIGN: "Sign",
  LOG: "Log",
  POW: "Power",
};

const ARITH: Readonly<Record<string, "+" | "-" | "*" | "/">> = { ADD: "+", SUBTRACT: "-", MULTIPLY: "*", DIVIDE: "/" };

/** Where an approximate qlib form can differ from the quanta factor. */
export const QLIB_CAVEATS = {
  missingLogic: "qlib's comparisons and logic give 0 where an operand is missing (quanta: missing), and If takes its first branch where the condition is missing (quanta: missing)",
  corrMask: "qlib's Corr is missing where either operand's rolling std is at most 2e-5 (near-constant windows)",
  momentsNearConstant: "qlib's Skew/Kurt treat near-constant windows differently (missing below a biased variance of 1e-14; 0 / -3 when all values are equal)",
  argExtremeStart: "qlib's IdxMax/IdxMin count from the window's oldest day: the days-since value differs during a series' first N-1 days and on windows holding a missing value",
  wmaMissing: "qlib's WMA divides by the number of non-missing values: it differs on windows with missing values and during a series' first N-1 days",
  emaAdjust: "qlib's EMA with an alpha is pandas' adjust=True form: it differs from the recursive SMA during a series' first days",
  expOverflow: "where exp overflows, qlib's Power keeps +inf for the operators above it (quanta: missing)",
  regressionPairs: "computed as Cov/Var: differs on windows where one series is missing and the other is not",
} as const;
export type QlibCaveat = keyof typeof QLIB_CAVEATS;

/** A qlib-dialect tree and where it can differ from the quanta factor (none: exact). */
export interface QlibForm {
  readonly expr: Expr;
  readonly caveats: readonly QlibCaveat[];
}

/** The qlib-dialect tree computing the same factor as quanta-dialect `e`, or undefined. */
export function toQlib(e: Expr): Expr | undefined {
  const t = translate(e, false);
  return "expr" in t ? t.expr : undefined;
}

/** The qlib-dialect tree for `e`, exact or with caveats; undefined when qlib cannot express it. */
export function toQlibForm(e: Expr): QlibForm | undefined {
  const t = translate(e, true);
  return "expr" in t ? t : undefined;
}

/** The operator that keeps `e` from having any qlib form (as toQlibForm sees it), or undefined. */
export function qlibBlocker(e: Expr): string | undefined {
  const t = translate(e, true);
  return "blocker" in t ? t.blocker : undefined;
}

/** Thrown inside a translation: the construct (operator name) qlib cannot express. */
class Untranslatable {
  constructor(readonly blocker: string) {}
}

function translate(root: Expr, approximate: boolean): QlibForm | { readonly blocker: string } {
  const caveats = new Set<QlibCaveat>();
  let current = "";
  const fail = (): never => {
    throw new Untranslatable(current);
  };
  /** Accept a construct that is exact only up to `c`; in exact mode, give up. */
  const caveat = (c: QlibCaveat): void => {
    if (!approximate) fail();
    caveats.add(c);
  };

  const tr = (e: Expr): Expr => {
    switch (e.kind) {
      case "num":
      case "field":
        return e;
      case "unary":
        if (e.op === "-") return { ...e, arg: tr(e.arg) };
        current = e.op;
        caveat("missingLogic");
        return call("Not", e.pos, tr(e.arg));
      case "binary": {
        if (e.op === "+" || e.op === "-" || e.op === "*" || e.op === "/") return { ...e, left: tr(e.left), right: tr(e.right) };
        current = e.op;
        caveat("missingLogic");
        return call(LOGIC[e.op], e.pos, tr(e.left), tr(e.right));
      }
      case "cond":
        current = "?:";
        caveat("missingLogic");
        return call("If", e.pos, tr(e.cond), tr(e.then), tr(e.else));
      case "call":
        return trCall(e);
    }
  };

  const trCall = (e: CallNode): Expr => {
    current = e.op;
    const pos = e.pos;
    const a = e.args;
    const spec = lookupOp("quanta", e.op) ?? fail();
    const arg = (i: number): Expr => {
      const out = tr(a[i] ?? fail());
      current = e.op; // back from the argument: failures below are this call's
      return out;
    };
    // Literal parameters are re-emitted as integers when integral: quanta accepts a window
    // written `5.0`, qlib's window kinds do not.
    const param = (i: number): Expr => literal(paramValue(i), pos);
    const paramValue = (i: number): number => literalValue(a[i] ?? fail()) ?? fail();
    const fn = (op: string, ...args: Expr[]): Expr => call(op, pos, ...args);
    const bin = (op: "+" | "-" | "*" | "/", left: Expr, right: Expr): Expr => ({ kind: "binary", op, left, right, pos });
    const num = (v: number): Expr => literal(v, pos);
    // qlib's Cov and Corr need two series: a field-free operand cannot be evaluated there.
    if ((e.op === "TS_COVARIANCE" || e.op === "TS_CORR") && a.slice(0, 2).some((x) => fieldsOf(x).size === 0)) return fail();
    const renamed = RENAME[e.op];
    if (renamed) return fn(renamed, ...a.map((_, i) => (spec.params[i] !== undefined ? param(i) : arg(i))));
    const arith = ARITH[e.op];
    if (arith) return bin(arith, arg(0), arg(1));
    const logic = Object.hasOwn(LOGIC, e.op) ? LOGIC[e.op as keyof typeof LOGIC] : e.op === "NOT" ? "Not" : undefined;
    if (logic) {
      caveat("missingLogic");
      return fn(logic, ...a.map((_, i) => arg(i)));
    }
    switch (e.op) {
      case "DELAY":
        // qlib Ref(x, 0) is the series' first value, not x.
        return paramValue(1) === 0 ? arg(0) : fn("Ref", arg(0), param(1));
      case "DELTA":
        return paramValue(1) === 0 ? bin("-", arg(0), arg(0)) : fn("Delta", arg(0), param(1));
      case "PERCENTILE":
        return fn("Quantile", arg(0), param(2), param(1));
      case "SMA": {
        if (a.length === 2) return fn("Mean", arg(0), param(1));
        // Y = (m·A + (n−m)·Y′)/n is an EWM with alpha m/n. Alpha 1 is span 1, where pandas'
        // adjusted and recursive forms coincide (a missing day carries the last value in both).
        const alpha = paramValue(2) / paramValue(1);
        if (alpha >= 1) return fn("EMA", arg(0), num(1));
        caveat("emaAdjust");
        return fn("EMA", arg(0), { kind: "num", value: alpha, isInt: false, pos });
      }
      case "MACD":
        return bin("-", fn("EMA", arg(0), param(1)), fn("EMA", arg(0), param(2)));
      case "BB_UPPER":
      case "BB_LOWER": {
        const band = bin("*", num(2), fn("Std", arg(0), param(1)));
        return bin(e.op === "BB_UPPER" ? "+" : "-", fn("Mean", arg(0), param(1)), band);
      }
      case "TS_ZSCORE":
        // std = 0 means every value equals today's, so the numerator is 0 too and qlib's 0/0 is NaN as well.
        return bin("/", bin("-", arg(0), fn("Mean", arg(0), param(1))), fn("Std", arg(0), param(1)));
      case "TS_PCTCHANGE":
        return bin("-", bin("/", arg(0), fn("Ref", arg(0), param(1))), num(1));
      case "INV":
        return bin("/", num(1), arg(0));
      case "SQRT":
        return fn("Power", arg(0), { kind: "num", value: 0.5, isInt: false, pos });
      case "EXP":
        caveat("expOverflow");
        return fn("Power", { kind: "num", value: Math.E, isInt: false, pos }, arg(0));
      case "MAX":
      case "MIN": {
        if (a.length < 2) return fail(); // one argument: cross-sectional
        const op = e.op === "MAX" ? "Greater" : "Less";
        const pair = fn(op, arg(0), arg(1));
        return a.length === 3 ? fn(op, pair, arg(2)) : pair;
      }
      case "RSI": {
        // 100·U/(U+D) with U, D the EMAs of the day's gains and losses: D = 0 gives 100, U+D = 0 gives 0/0 = NaN, as quanta.
        const change = fn("Delta", arg(0), num(1));
        const up = fn("EMA", fn("Greater", change, num(0)), param(1));
        const down = fn("EMA", fn("Greater", { kind: "unary", op: "-", arg: change, pos }, num(0)), param(1));
        return bin("/", bin("*", num(100), up), bin("+", up, down));
      }
      case "REGBETA":
      case "REGRESI": {
        // Regression on SEQUENCE(m) is qlib's regression on time over min(n, m) days.
        const b = a[1];
        if (b?.kind === "call" && b.op === "SEQUENCE") {
          const n = Math.min(paramValue(2), literalValue(b.args[0] ?? fail()) ?? fail());
          return fn(e.op === "REGBETA" ? "Slope" : "Resi", arg(0), num(n));
        }
        if (e.op === "REGRESI" || fieldsOf(a[0] ?? fail()).size === 0 || fieldsOf(b ?? fail()).size === 0) return fail();
        caveat("regressionPairs");
        return bin("/", fn("Cov", arg(0), arg(1), param(2)), fn("Var", arg(1), param(2)));
      }
      case "TS_CORR":
        caveat("corrMask");
        return fn("Corr", arg(0), arg(1), param(2));
      case "TS_SKEW":
      case "TS_KURT": {
        // quanta's moments are scipy's biased g1 / g2, qlib's pandas' adjusted G1 / G2; with c the
        // window's count: g1 = G1·(c−2)/√(c(c−1)), g2 = (G2·(c−2)(c−3)/(c−1) − 6)/(c+1).
        caveat("momentsNearConstant");
        const c = fn("Count", arg(0), param(1));
        if (e.op === "TS_SKEW") {
          return bin("/", bin("*", fn("Skew", arg(0), param(1)), bin("-", c, num(2))), fn("Power", bin("*", c, bin("-", c, num(1))), { kind: "num", value: 0.5, isInt: false, pos }));
        }
        const scaled = bin("/", bin("*", bin("*", fn("Kurt", arg(0), param(1)), bin("-", c, num(2))), bin("-", c, num(3))), bin("-", c, num(1)));
        return bin("/", bin("-", scaled, num(6)), bin("+", c, num(1)));
      }
      case "TS_ARGMAX":
      case "TS_ARGMIN":
      case "HIGHDAY":
      case "LOWDAY": {
        // Days since the extreme (0 = today) on a full window of N days is N − IdxMax; HIGHDAY/LOWDAY add 1.
        caveat("argExtremeStart");
        const n = paramValue(1);
        const idx = fn(e.op === "TS_ARGMAX" || e.op === "HIGHDAY" ? "IdxMax" : "IdxMin", arg(0), param(1));
        return bin("-", num(e.op.startsWith("TS_") ? n : n + 1), idx);
      }
      case "DECAYLINEAR":
        // qlib's WMA is Σ w·x / count with w = (1..N)/ΣN: on a full window that is quanta's Σ w·x / Σw over N.
        caveat("wmaMissing");
        return bin("*", fn("WMA", arg(0), param(1)), param(1));
      case "WHERE":
        caveat("missingLogic");
        return fn("If", arg(0), arg(1), arg(2));
      case "FILTER":
        caveat("missingLogic");
        return fn("If", arg(1), arg(0), num(0));
      case "COUNT": {
        caveat("missingLogic");
        const c = arg(0);
        // A comparison or logic result is already 1 / 0.
        const truth = c.kind === "call" && LOGIC_CALLS.has(c.op) ? c : fn("Ne", c, num(0));
        return fn("Sum", truth, param(1));
      }
      case "SUMIF":
        caveat("missingLogic");
        return fn("Sum", fn("If", arg(2), arg(0), num(0)), param(1));
      default:
        return fail();
    }
  };

  try {
    const expr = tr(root);
    return { expr, caveats: [...caveats] };
  } catch (err) {
    if (err instanceof Untranslatable) return { blocker: err.blocker };
    throw err;
  }
}

/** quanta's infix logic and its call forms → qlib's call names. */
const LOGIC = {
  ">": "Gt", ">=": "Ge", "<": "Lt", "<=": "Le", "==": "Eq", "!=": "Ne", "&&": "And", "||": "Or",
  GT: "Gt", GE: "Ge", LT: "Lt", LE: "Le", EQ: "Eq", NE: "Ne", AND: "And", OR: "Or",
} as const;

const LOGIC_CALLS = new Set<string>([...Object.values(LOGIC), "Not"]);

function call(op: string, pos: number, ...args: Expr[]): Expr {
  return { kind: "call", op, args, pos };
}

/** A literal as the parser would build it: integers as integer tokens, negatives under a unary minus. */
function literal(value: number, pos: number): Expr {
  const num: NumNode = { kind: "num", value: Math.abs(value), isInt: Number.isInteger(value), pos };
  return value < 0 ? { kind: "unary", op: "-", arg: num, pos } : num;
}
