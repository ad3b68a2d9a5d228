/**
 * How many days of history an expression's value at date t reads: its value at t is the same on
 * any panel that holds the days [t − lookback, t] of every instrument (spans that start inside
 * that stretch stay as they are). Lets `quanta ic` evaluate factors on the dates the IC window
 * needs plus this lookback instead of the whole file.
 *
 * Conservative: an operator whose value depends on all history (EMA and other recursive
 * averages, expanding windows n = 0, qlib's Ref(x, 0) = first value, a float qlib window = EWM)
 * or that this table does not know has an infinite lookback.
 */
import type { Dialect, Expr } from "../../factors/ast.ts";
import { callCategory, lookupOp } from "../../factors/registry.ts";
import { literalOf } from "../../factors/validate.ts";

/** Window operators: index of the literal window argument (the value at t reads n − 1 days back). */
const WINDOW_ARG: Readonly<Record<Dialect, Readonly<Record<string, number>>>> = {
  qlib: {
    Mean: 1, Sum: 1, Std: 1, Var: 1, Skew: 1, Kurt: 1, Max: 1, Min: 1, Med: 1, Count: 1, Mad: 1,
    IdxMax: 1, IdxMin: 1, Quantile: 1, Rank: 1, Slope: 1, Rsquare: 1, Resi: 1, WMA: 1, Corr: 2, Cov: 2,
  },
  quanta: {
    TS_MEAN: 1, TS_SUM: 1, SUMAC: 1, TS_STD: 1, TS_VAR: 1, TS_MAX: 1, TS_MIN: 1, TS_MEDIAN: 1, TS_RANK: 1,
    TS_ZSCORE: 1, TS_ARGMAX: 1, TS_ARGMIN: 1, HIGHDAY: 1, LOWDAY: 1, TS_SKEW: 1, TS_KURT: 1, TS_QUANTILE: 1,
    TS_MAD: 1, PROD: 1, COUNT: 1, BB_MIDDLE: 1, BB_UPPER: 1, BB_LOWER: 1, DECAYLINEAR: 1, WMA: 1,
    PERCENTILE: 2, SUMIF: 1, TS_CORR: 2, TS_COVARIANCE: 2, REGBETA: 2, REGRESI: 2,
  },
};

/** Shift operators: index of the literal lag k (the value at t reads k days back). */
const SHIFT_ARG: Readonly<Record<Dialect, Readonly<Record<string, number>>>> = {
  qlib: { Ref: 1, Delta: 1 },
  quanta: { DELAY: 1, DELTA: 1, TS_PCTCHANGE: 1 },
};

/** Lookback in days of `e` (Infinity when unbounded or unknown). */
export function lookbackOf(e: Expr, dialect: Dialect): number {
  switch (e.kind) {
    case "num":
      return 0;
    case "field":
      return e.name === "return" ? 1 : 0; // $return reads yesterday's close
    case "unary":
      return lookbackOf(e.arg, dialect);
    case "binary":
      return Math.max(lookbackOf(e.left, dialect), lookbackOf(e.right, dialect));
    case "cond":
      return Math.max(lookbackOf(e.cond, dialect), lookbackOf(e.then, dialect), lookbackOf(e.else, dialect));
    case "call":
      break;
  }
  const spec = lookupOp(dialect, e.op);
  if (spec === undefined) return Infinity;
  if (e.op === "SEQUENCE") return 0;
  const params = spec.params;
  let inner = 0;
  e.args.forEach((a, i) => {
    if (!(i in params) && !(a.kind === "call" && a.op === "SEQUENCE")) inner = Math.max(inner, lookbackOf(a, dialect));
  });
  const lit = (i: number): number | undefined => {
    const a = e.args[i];
    const l = a === undefined ? undefined : literalOf(a);
    return l !== undefined && l.isInt ? l.value : undefined;
  };
  const shiftAt = SHIFT_ARG[dialect][e.op];
  if (shiftAt !== undefined) {
    const k = lit(shiftAt);
    if (k === undefined || k < 0) return Infinity;
    // qlib Ref(x, 0) / Delta(x, 0) read the series' first value.
    if (k === 0) return dialect === "qlib" ? Infinity : inner;
    return k + inner;
  }
  const windowAt = WINDOW_ARG[dialect][e.op];
  if (windowAt !== undefined) {
    let n = lit(windowAt);
    if (n === undefined || n < 1) return Infinity; // expanding, or a qlib float window (EWM)
    const b = e.args[1];
    if ((e.op === "REGBETA" || e.op === "REGRESI") && b !== undefined && b.kind === "call" && b.op === "SEQUENCE") {
      const m = b.args[0] === undefined ? undefined : literalOf(b.args[0]);
      if (m === undefined) return Infinity;
      n = Math.min(n, m.value);
    }
    return n - 1 + inner;
  }
  if (e.op === "SMA") return e.args.length === 2 && lit(1) !== undefined && lit(1)! >= 1 ? lit(1)! - 1 + inner : Infinity;
  const cat = callCategory(spec, e.args.length);
  // Element-wise and cross-sectional operators read only date t of their arguments.
  return cat === "elem" || cat === "cs" ? inner : Infinity;
}
