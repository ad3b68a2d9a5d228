/**
 * quanta → qlib translation where the qlib dialect can express the same values
 * (per the reference evaluator's semantics of both dialects, README
 * "Semantic decisions"). Operators whose semantics differ — comparisons, logic
 * and conditionals (NaN handling), cross-sectional operators, skew/kurtosis
 * (biased vs bias-adjusted), TS_ARGMAX (offset and NaN rules), TS_CORR (qlib's
 * near-constant mask), WMA (weights) … — make the whole translation undefined.
 *
 * Exact for finite intermediate values. One caveat remains: quanta turns every
 * non-finite node result into NaN while qlib keeps ±inf between element-wise
 * operators (window operators and the final output map it to NaN in both), so
 * an expression such as `1/(1/$x)` at $x = 0 is NaN in quanta but 0 in qlib.
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

/** The qlib-dialect tree computing the same factor as quanta-dialect `e`, or undefined. */
export function toQlib(e: Expr): Expr | undefined {
  try {
    return tr(e);
  } catch (err) {
    if (err === UNTRANSLATABLE) return undefined;
    throw err;
  }
}

const UNTRANSLATABLE = Symbol("untranslatable");

function fail(): never {
  throw UNTRANSLATABLE;
}

function tr(e: Expr): Expr {
  switch (e.kind) {
    case "num":
    case "field":
      return e;
    case "unary":
      return e.op === "-" ? { ...e, arg: tr(e.arg) } : fail();
    case "binary":
      return e.op === "+" || e.op === "-" || e.op === "*" || e.op === "/"
        ? { ...e, left: tr(e.left), right: tr(e.right) }
        : fail();
    case "cond":
      return fail();
    case "call":
      return trCall(e);
  }
}

function trCall(e: CallNode): Expr {
  const pos = e.pos;
  const a = e.args;
  const spec = lookupOp("quanta", e.op) ?? fail();
  const arg = (i: number): Expr => tr(a[i] ?? fail());
  // Literal parameters are re-emitted as integers when integral: quanta accepts a window
  // written `5.0`, qlib's window kinds do not.
  const param = (i: number): Expr => literal(literalValue(a[i] ?? fail()) ?? fail(), pos);
  const call = (op: string, ...args: Expr[]): Expr => ({ kind: "call", op, args, pos });
  const bin = (op: "+" | "-" | "*" | "/", left: Expr, right: Expr): Expr => ({ kind: "binary", op, left, right, pos });
  // qlib's Cov needs two series: a field-free operand cannot be evaluated there.
  if (e.op === "TS_COVARIANCE" && a.slice(0, 2).some((x) => fieldsOf(x).size === 0)) return fail();
  const renamed = RENAME[e.op];
  if (renamed) return call(renamed, ...a.map((_, i) => (spec.params[i] !== undefined ? param(i) : arg(i))));
  const arith = ARITH[e.op];
  if (arith) return bin(arith, arg(0), arg(1));
  switch (e.op) {
    case "DELAY":
      // qlib Ref(x, 0) is the series' first value, not x.
      return literalValue(param(1)) === 0 ? arg(0) : call("Ref", arg(0), param(1));
    case "DELTA":
      return literalValue(param(1)) === 0 ? bin("-", arg(0), arg(0)) : call("Delta", arg(0), param(1));
    case "PERCENTILE":
      return call("Quantile", arg(0), param(2), param(1));
    case "SMA":
      return a.length === 2 ? call("Mean", arg(0), param(1)) : fail();
    case "MACD":
      return bin("-", call("EMA", arg(0), param(1)), call("EMA", arg(0), param(2)));
    case "BB_UPPER":
    case "BB_LOWER": {
      const band = bin("*", literal(2, pos), call("Std", arg(0), param(1)));
      return bin(e.op === "BB_UPPER" ? "+" : "-", call("Mean", arg(0), param(1)), band);
    }
    case "TS_ZSCORE":
      // std = 0 means every value equals today's, so the numerator is 0 too and qlib's 0/0 is NaN as well.
      return bin("/", bin("-", arg(0), call("Mean", arg(0), param(1))), call("Std", arg(0), param(1)));
    case "TS_PCTCHANGE":
      return bin("-", bin("/", arg(0), call("Ref", arg(0), param(1))), literal(1, pos));
    case "INV":
      return bin("/", literal(1, pos), arg(0));
    case "SQRT":
      return call("Power", arg(0), { kind: "num", value: 0.5, isInt: false, pos });
    case "MAX":
    case "MIN": {
      if (a.length < 2) return fail(); // one argument: cross-sectional
      const op = e.op === "MAX" ? "Greater" : "Less";
      const pair = call(op, arg(0), arg(1));
      return a.length === 3 ? call(op, pair, arg(2)) : pair;
    }
    case "REGBETA":
    case "REGRESI": {
      // Regression on SEQUENCE(m) is qlib's regression on time over min(n, m) days.
      const b = a[1];
      if (!b || b.kind !== "call" || b.op !== "SEQUENCE") return fail();
      const n = Math.min(literalValue(param(2)) ?? fail(), literalValue(b.args[0] ?? fail()) ?? fail());
      return call(e.op === "REGBETA" ? "Slope" : "Resi", arg(0), literal(n, pos));
    }
    default:
      return fail();
  }
}

/** A literal as the parser would build it: integers as integer tokens, negatives under a unary minus. */
function literal(value: number, pos: number): Expr {
  const num: NumNode = { kind: "num", value: Math.abs(value), isInt: Number.isInteger(value), pos };
  return value < 0 ? { kind: "unary", op: "-", arg: num, pos } : num;
}
