/**
 * Sign analysis for the offline proposer: what sign an expression's values can take, from the
 * fields and operators alone, so generation can keep denominators of constant sign. A ratio whose
 * denominator crosses zero (a return, a price change, a signed mean) has poles: on the days the
 * denominator passes through zero the values explode or vanish, the factor's ranking is set by
 * noise, and a factor defined only where the denominator is non-zero can cover a few stocks a day
 * — enough for a spurious RankIC and a spurious correlation with everything. Prices, volumes,
 * dispersions and counts (plus a positive epsilon where they can be zero) are safe.
 *
 * The analysis is conservative: `any` whenever it cannot tell.
 */
import type { Expr } from "../../factors/ast.ts";

/** pos > 0, nonneg ≥ 0, neg < 0, nonpos ≤ 0, any = unknown. */
export type Sign = "pos" | "nonneg" | "neg" | "nonpos" | "any";

const PRICE_FIELDS = new Set(["close", "open", "high", "low", "vwap", "factor"]);
/** Volumes can be zero (a suspended day reported with zero volume). */
const SIZE_FIELDS = new Set(["volume", "amount"]);

/** Operators whose value has the sign of their first argument (averages, extremes, lags, smoothers). */
const FOLLOW_FIRST = new Set([
  "TS_MEAN", "TS_MEDIAN", "TS_MAX", "TS_MIN", "TS_QUANTILE", "PERCENTILE", "DELAY", "EMA", "WMA", "SMA", "DECAYLINEAR",
  "TS_SUM", "MEAN", "MEDIAN", "BB_MIDDLE", "SUMAC",
]);
/** Operators with non-negative values (dispersions, counts, ranks, positions, oscillators). */
const NONNEG = new Set([
  "TS_STD", "TS_VAR", "TS_MAD", "STD", "ABS", "SQRT", "COUNT", "RSI", "RANK", "TS_RANK", "TS_ARGMAX", "TS_ARGMIN", "HIGHDAY", "LOWDAY",
]);

function negate(s: Sign): Sign {
  return s === "pos" ? "neg" : s === "neg" ? "pos" : s === "nonneg" ? "nonpos" : s === "nonpos" ? "nonneg" : "any";
}

const atLeastZero = (s: Sign): boolean => s === "pos" || s === "nonneg";
const atMostZero = (s: Sign): boolean => s === "neg" || s === "nonpos";

function sum(a: Sign, b: Sign): Sign {
  if (atLeastZero(a) && atLeastZero(b)) return a === "pos" || b === "pos" ? "pos" : "nonneg";
  if (atMostZero(a) && atMostZero(b)) return a === "neg" || b === "neg" ? "neg" : "nonpos";
  return "any";
}

function product(a: Sign, b: Sign): Sign {
  if (a === "any" || b === "any") return "any";
  const negative = atMostZero(a) !== atMostZero(b);
  const strict = (a === "pos" || a === "neg") && (b === "pos" || b === "neg");
  return negative ? (strict ? "neg" : "nonpos") : strict ? "pos" : "nonneg";
}

/** Either branch (a condition's result). */
function join(a: Sign, b: Sign): Sign {
  if (a === b) return a;
  if (atLeastZero(a) && atLeastZero(b)) return "nonneg";
  if (atMostZero(a) && atMostZero(b)) return "nonpos";
  return "any";
}

/** The price field `f` with e ≥ f today: f itself, or its maximum over a window. */
function upperOf(e: Expr): string | undefined {
  if (e.kind === "field") return e.name;
  if (e.kind === "call" && e.op === "TS_MAX" && e.args[0]?.kind === "field") return e.args[0].name;
  return undefined;
}

/** The price field `f` with e ≤ f today: f itself, or its minimum over a window. */
function lowerOf(e: Expr): string | undefined {
  if (e.kind === "field") return e.name;
  if (e.kind === "call" && e.op === "TS_MIN" && e.args[0]?.kind === "field") return e.args[0].name;
  return undefined;
}

/**
 * `a - b` known to be ≥ 0 from the bar's order (low ≤ open, close, vwap ≤ high) and window
 * extremes (a window's maximum ≥ today's value ≥ its minimum).
 */
function orderedDifference(a: Expr, b: Expr): boolean {
  const f = upperOf(a);
  const g = lowerOf(b);
  if (!f || !g || !PRICE_FIELDS.has(f) || !PRICE_FIELDS.has(g)) return false;
  return f === g || f === "high" || g === "low";
}

export function signOf(e: Expr): Sign {
  switch (e.kind) {
    case "num":
      return e.value > 0 ? "pos" : e.value < 0 ? "neg" : "nonneg";
    case "field":
      return PRICE_FIELDS.has(e.name) ? "pos" : SIZE_FIELDS.has(e.name) ? "nonneg" : "any";
    case "unary":
      return e.op === "-" ? negate(signOf(e.arg)) : "nonneg";
    case "cond":
      return join(signOf(e.then), signOf(e.else));
    case "binary":
      switch (e.op) {
        case "+":
          return sum(signOf(e.left), signOf(e.right));
        case "-":
          return orderedDifference(e.left, e.right) ? "nonneg" : sum(signOf(e.left), negate(signOf(e.right)));
        case "*":
        case "/":
          return product(signOf(e.left), signOf(e.right));
        default:
          return "nonneg"; // comparisons and logic give 1 / 0
      }
    case "call": {
      const [a, b] = e.args;
      if (FOLLOW_FIRST.has(e.op) && a) return signOf(a);
      if (NONNEG.has(e.op)) return "nonneg";
      if (e.op === "EXP") return "pos";
      if ((e.op === "MAX" || e.op === "MIN") && a) {
        const signs = e.args.map(signOf);
        if (e.op === "MAX" && signs.some((s) => s === "pos")) return "pos";
        if (e.op === "MIN" && signs.some((s) => s === "neg")) return "neg";
        return signs.reduce(join);
      }
      if ((e.op === "ADD" || e.op === "SUBTRACT" || e.op === "MULTIPLY" || e.op === "DIVIDE") && a && b) {
        const op = e.op === "ADD" ? "+" : e.op === "SUBTRACT" ? "-" : e.op === "MULTIPLY" ? "*" : "/";
        return signOf({ kind: "binary", op, left: a, right: b, pos: 0 });
      }
      return "any";
    }
  }
}

/** A denominator that never crosses or touches zero. */
export function safeDenominator(e: Expr): boolean {
  const s = signOf(e);
  return s === "pos" || s === "neg";
}

/** Every division (`/`, DIVIDE, INV) in the tree has a denominator of constant sign. */
export function divisionsSafe(e: Expr): boolean {
  const bad = (n: Expr): boolean => {
    if (n.kind === "binary" && n.op === "/" && !safeDenominator(n.right)) return true;
    if (n.kind === "call" && n.op === "DIVIDE" && n.args[1] && !safeDenominator(n.args[1])) return true;
    if (n.kind === "call" && n.op === "INV" && n.args[0] && !safeDenominator(n.args[0])) return true;
    switch (n.kind) {
      case "call":
        return n.args.some(bad);
      case "unary":
        return bad(n.arg);
      case "binary":
        return bad(n.left) || bad(n.right);
      case "cond":
        return bad(n.cond) || bad(n.then) || bad(n.else);
      default:
        return false;
    }
  };
  return !bad(e);
}

