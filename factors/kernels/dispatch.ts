/**
 * How every operator of each dialect runs on a whole panel: the bridge between
 * the AST's operator names and the kernels. An implementation receives its
 * evaluated arguments (arrays or scalars, by position; literal parameters are
 * read from `lits`) and returns its value. Per-instrument kernels are applied
 * span by span; cells outside every span are left to the evaluator, which masks
 * them to NaN after each node (and, in the quanta dialect, maps non-finite
 * values to NaN).
 *
 * Semantics follow shared/reference/README.md (the pandas reference evaluator). The quanta
 * dialect's sums, products, moments, co-moments and regressions over windows up to
 * REPLAY_WINDOW_MAX days run in the reference's own arithmetic (./window-replay.ts), so they
 * agree with it to the last bit; the qlib dialect keeps the block schemes (plus the replays
 * of ./comoments-replay.ts).
 */
import type { CallNode, Dialect } from "../ast.ts";
import type { Panel } from "../panel.ts";
import type { Literal } from "../validate.ts";
import { literalOf } from "../validate.ts";
import { emaSpan, alphaFromAlpha, alphaFromSpan, decayLinear, decayWma, ewmMean, macd, qlibWma, rsi, smaRecursive } from "./averages.ts";
import { csKurt, csMax, csMean, csMedian, csMin, csRank, csScale, csSkew, csStd, csZscore } from "./cross.ts";
import type { CrossSectionShape } from "./cross.ts";
import { Binary, Unary, binaryInto, unaryInto, whereInto } from "./elementwise.ts";
import {
  Emit2, moments2MultiInto, rollingBand, rollingCountTrue, rollingKurt, rollingMean, rollingProd, rollingSkew, rollingStd,
  rollingSum, rollingSumIf, rollingVar, rollingZscore,
} from "./moments.ts";
import {
  highDay, lowDay, qlibIdxMax, qlibIdxMin, rollingArgMax, rollingArgMin, rollingCount, rollingMax,
  rollingMeanAbsDev, rollingMedian, rollingMedianAbsDev, rollingMin, rollingQuantile,
} from "./order.ts";
import { rollingSortedStats, type SortedWindowOutput } from "./order-sorted.ts";
import { rollingExtremes, type ExtremeOutput } from "./order-deque.ts";
import { rollingCorr, rollingCov, rollingRegression, rollingTimeRegression } from "./regression.ts";
import type { Scratch } from "./scratch.ts";
import { delta, deltaFirst, firstValue, pctChange, shift } from "./shift.ts";
import {
  REPLAY_WINDOW_MAX, replayCoMoments, replayMoments2, replayProd, replaySkewKurt, replaySum, replaySumIf, sequenceSumsPairwise,
} from "./window-replay.ts";

/** A node's value: a panel-sized instrument-major array, or a scalar (a literal or a scalar-only subtree). */
export type Value = number | Float64Array;

/** What an implementation may ask of the evaluator. */
export interface OpEnv {
  readonly panel: Panel;
  readonly dialect: Dialect;
  /** quanta: comparisons, logic and conditions with a NaN operand give NaN. */
  readonly nanLogic: boolean;
  readonly scratch: Scratch;
  /** A panel-sized buffer (contents unspecified; the evaluator masks cells outside the spans). */
  alloc(): Float64Array;
  /** `v` as a panel array (a scalar is broadcast over the spans into a temporary buffer). */
  array(v: Value): Float64Array;
  /**
   * For multi-output kernels: the buffer to write the result of calling `op` on
   * this node's arguments. For the node's own op it is the result buffer; for a
   * sibling it is defined only if the batch will ask for that sibling and does not
   * already have it (the evaluator then keeps it for later).
   */
  sibling(op: string): Float64Array | undefined;
  /**
   * For family kernels (see `familyOf`): the other calls of this node's family that the batch
   * will ask for and does not have yet, each with the buffer to fill (the evaluator keeps them).
   */
  familyMembers(): readonly FamilyMember[];
}

/** A call computed alongside another member of its family, and the buffer for its values. */
export interface FamilyMember {
  readonly node: CallNode;
  readonly out: Float64Array;
}

export type OpImpl = (env: OpEnv, vals: readonly Value[], lits: readonly (Literal | undefined)[], node: CallNode) => Value;

type SpanKernel = (x: Float64Array, out: Float64Array, start: number, end: number, n: number) => void;

/** Calls fn(start, end) for every instrument's span [start, end) in the instrument-major layout. */
export function forEachSpan(p: Pick<Panel, "nInst" | "nDates" | "first" | "last">, fn: (start: number, end: number) => void): void {
  const T = p.nDates;
  for (let i = 0; i < p.nInst; i++) {
    const f = p.first[i]!;
    const l = p.last[i]!;
    if (f <= l) fn(i * T + f, i * T + l + 1);
  }
}

function lit(lits: readonly (Literal | undefined)[], i: number, op: string): Literal {
  const l = lits[i];
  if (l === undefined) throw new Error(`${op}: argument ${i + 1} must be a numeric literal`);
  return l;
}

function arg(vals: readonly Value[], i: number): Value {
  const v = vals[i];
  if (v === undefined) throw new Error(`internal: argument ${i + 1} was not evaluated`);
  return v;
}

/** Applies `kernel(x, out, start, end, n)` span by span; n is literal argument `ni`. */
function perSpan(kernel: SpanKernel, ni = 1): OpImpl {
  return (env, vals, lits, node) => {
    const x = env.array(arg(vals, 0));
    const n = lit(lits, ni, node.op).value;
    const out = env.alloc();
    forEachSpan(env.panel, (s, e) => kernel(x, out, s, e, n));
    return out;
  };
}

function ewmAlpha(env: OpEnv, v: Value, alpha: number): Float64Array {
  const x = env.array(v);
  const out = env.alloc();
  forEachSpan(env.panel, (s, e) => ewmMean(x, out, s, e, alpha, true));
  return out;
}

/**
 * qlib's rolling base class: integer N (0 = expanding) runs the kernel; a float
 * 0 < N < 1 is `ewm(alpha=N).mean()` whatever the operator (qlib quirk).
 */
function qlibRolling(kernel: SpanKernel): OpImpl {
  const inner = perSpan(kernel);
  return (env, vals, lits, node) => {
    const l = lit(lits, 1, node.op);
    if (l.isInt) return inner(env, vals, lits, node);
    return ewmAlpha(env, arg(vals, 0), alphaFromAlpha(l.value));
  };
}

function crossSection(kernel: (x: Float64Array, out: Float64Array, p: CrossSectionShape) => void): OpImpl {
  return (env, vals) => {
    const x = env.array(arg(vals, 0));
    const out = env.alloc();
    kernel(x, out, env.panel);
    return out;
  };
}

/** Scalar operands travel as 1-element arrays through the element-wise loops. */
function operand(v: Value): Float64Array {
  return typeof v === "number" ? Float64Array.of(v) : v;
}

export function unaryValue(env: OpEnv, op: Unary, a: Value): Value {
  if (typeof a === "number") {
    const r = new Float64Array(1);
    unaryInto(op, operand(a), r, env.nanLogic);
    return r[0]!;
  }
  const out = env.alloc();
  unaryInto(op, a, out, env.nanLogic);
  return out;
}

export function binaryValue(env: OpEnv, op: Binary, a: Value, b: Value): Value {
  const scalar = typeof a === "number" && typeof b === "number";
  const out = scalar ? new Float64Array(1) : env.alloc();
  binaryInto(op, operand(a), operand(b), out, env.nanLogic);
  return scalar ? out[0]! : out;
}

export function whereValue(env: OpEnv, c: Value, a: Value, b: Value): Value {
  const scalar = typeof c === "number" && typeof a === "number" && typeof b === "number";
  const out = scalar ? new Float64Array(1) : env.alloc();
  whereInto(operand(c), operand(a), operand(b), out, env.nanLogic);
  return scalar ? out[0]! : out;
}

function unary(op: Unary): OpImpl {
  return (env, vals) => unaryValue(env, op, arg(vals, 0));
}

function binary(op: Binary): OpImpl {
  return (env, vals) => binaryValue(env, op, arg(vals, 0), arg(vals, 1));
}

/** MAX/MIN(A, B[, C]) element-wise (NaN-propagating). */
function elementExtreme(op: Binary): OpImpl {
  return (env, vals) => {
    let r = binaryValue(env, op, arg(vals, 0), arg(vals, 1));
    if (vals.length > 2) r = binaryValue(env, op, r, arg(vals, 2));
    return r;
  };
}

/** qlib Slope / Rsquare / Resi: one regression on time fills whichever of the three the batch needs. */
const qlibTimeRegression: OpImpl = (env, vals, lits, node) => {
  const y = env.array(arg(vals, 0));
  const n = lit(lits, 1, node.op).value;
  const outs = { beta: env.sibling("Slope"), r2: env.sibling("Rsquare"), resi: env.sibling("Resi") };
  forEachSpan(env.panel, (s, e) => rollingTimeRegression(y, outs, s, e, n, true, env.scratch));
  return ownOutput(env, node);
};

/** REGBETA / REGRESI: OLS of A on B, or on time when B = SEQUENCE(m) (window min(n, m)). */
const quantaRegression: OpImpl = (env, vals, lits, node) => {
  const y = env.array(arg(vals, 0));
  let n = lit(lits, 2, node.op).value;
  const outs = { beta: env.sibling("REGBETA"), resi: env.sibling("REGRESI") };
  const b = node.args[1];
  if (b !== undefined && b.kind === "call" && b.op === "SEQUENCE") {
    const m = b.args[0];
    if (m === undefined || m.kind !== "num") throw new Error("SEQUENCE(n) needs a numeric literal");
    n = Math.min(n, m.value);
    if (n <= REPLAY_WINDOW_MAX) {
      const { nDates, nInst } = env.panel;
      forEachSpan(env.panel, (s, e) => {
        const pairwise = sequenceSumsPairwise(nDates, nInst, Math.floor(s / nDates), n);
        replayCoMoments(y, null, outs, s, e, n, env.scratch, pairwise);
      });
    } else {
      forEachSpan(env.panel, (s, e) => rollingTimeRegression(y, outs, s, e, n, false, env.scratch));
    }
  } else {
    const x = env.array(arg(vals, 1));
    if (n <= REPLAY_WINDOW_MAX) forEachSpan(env.panel, (s, e) => replayCoMoments(y, x, outs, s, e, n, env.scratch));
    else forEachSpan(env.panel, (s, e) => rollingRegression(y, x, outs, s, e, n, env.scratch));
  }
  return ownOutput(env, node);
};

function ownOutput(env: OpEnv, node: CallNode): Float64Array {
  const own = env.sibling(node.op);
  if (own === undefined) throw new Error(`internal: no output buffer for ${node.op}`);
  return own;
}

function corr(qlibMask: boolean): OpImpl {
  return (env, vals, lits, node) => {
    const x = env.array(arg(vals, 0));
    const y = env.array(arg(vals, 1));
    const n = lit(lits, 2, node.op).value;
    const out = env.alloc();
    forEachSpan(env.panel, (s, e) => rollingCorr(x, y, out, s, e, n, qlibMask, env.scratch));
    return out;
  };
}

/** TS_CORR / TS_COVARIANCE: the reference's arithmetic window by window up to REPLAY_WINDOW_MAX days. */
function quantaCoMoment(isCorr: boolean): OpImpl {
  const block = isCorr ? corr(false) : cov;
  return (env, vals, lits, node) => {
    const n = lit(lits, 2, node.op).value;
    if (n > REPLAY_WINDOW_MAX) return block(env, vals, lits, node);
    const x = env.array(arg(vals, 0));
    const y = env.array(arg(vals, 1));
    const out = env.alloc();
    const outs = isCorr ? { corr: out } : { cov: out };
    forEachSpan(env.panel, (s, e) => replayCoMoments(x, y, outs, s, e, n, env.scratch));
    return out;
  };
}

/** `replay` (./window-replay.ts) for windows up to REPLAY_WINDOW_MAX days, `block` beyond. */
function replayUpTo(replay: (x: Float64Array, out: Float64Array, start: number, end: number, n: number, scratch: Scratch) => void, block: SpanKernel): OpImpl {
  return (env, vals, lits, node) => {
    const n = lit(lits, 1, node.op).value;
    if (n > REPLAY_WINDOW_MAX) return perSpan(block)(env, vals, lits, node);
    return perSpan((x, o, s, e, w) => replay(x, o, s, e, w, env.scratch))(env, vals, lits, node);
  };
}

const cov: OpImpl = (env, vals, lits, node) => {
  const x = env.array(arg(vals, 0));
  const y = env.array(arg(vals, 1));
  const n = lit(lits, 2, node.op).value;
  const out = env.alloc();
  forEachSpan(env.panel, (s, e) => rollingCov(x, y, out, s, e, n, env.scratch));
  return out;
};

// ---------------------------------------------------------------------------------------------
// families: window statistics of the same series and window computed in one pass
// ---------------------------------------------------------------------------------------------

const SORTED_STAT: Readonly<Record<string, SortedWindowOutput["stat"]>> = {
  Quantile: "quantile",
  Rank: "rank",
  Med: "median",
  TS_QUANTILE: "quantile",
  TS_RANK: "rank",
  TS_MEDIAN: "median",
};

const MOMENT_EMIT: Readonly<Record<string, Emit2>> = {
  Mean: Emit2.Mean,
  Std: Emit2.Std,
  Var: Emit2.Var,
  TS_MEAN: Emit2.Mean,
  TS_STD: Emit2.Std,
  TS_VAR: Emit2.Var,
};

const EXTREME: Readonly<Record<string, { sign: 1 | -1; emit: ExtremeOutput["emit"]; plus: number }>> = {
  Max: { sign: 1, emit: "value", plus: 0 },
  Min: { sign: -1, emit: "value", plus: 0 },
  IdxMax: { sign: 1, emit: "qlibIdx", plus: 0 },
  IdxMin: { sign: -1, emit: "qlibIdx", plus: 0 },
  TS_MAX: { sign: 1, emit: "value", plus: 0 },
  TS_MIN: { sign: -1, emit: "value", plus: 0 },
  TS_ARGMAX: { sign: 1, emit: "daysSince", plus: 0 },
  TS_ARGMIN: { sign: -1, emit: "daysSince", plus: 0 },
  HIGHDAY: { sign: 1, emit: "daysSince", plus: 1 },
  LOWDAY: { sign: -1, emit: "daysSince", plus: 1 },
};

/** Window of a family call: its literal second argument, when a non-negative integer. */
function familyWindow(node: CallNode): number | undefined {
  const a = node.args[1];
  const l = a === undefined ? undefined : literalOf(a);
  return l !== undefined && l.isInt && l.value >= 0 ? l.value : undefined;
}

/**
 * The family of a call — calls of one family on the same first argument and window are computed
 * by one kernel pass (the sorted window of Quantile / Rank / Med; the moments of Mean / Std /
 * Var) — or undefined. The evaluator keys a family by name, first argument and window.
 */
export function familyOf(dialect: Dialect, node: CallNode): string | undefined {
  if (!Object.hasOwn(TABLES[dialect], node.op) || node.args[0] === undefined || literalOf(node.args[0]) !== undefined) return undefined;
  if (familyWindow(node) === undefined) return undefined;
  if (Object.hasOwn(SORTED_STAT, node.op)) return "sorted";
  if (Object.hasOwn(MOMENT_EMIT, node.op)) return "moments";
  // Extremes share a scan for windows ≥ 1 only (n = 0 is expanding for Max/Min, invalid for the others).
  if (Object.hasOwn(EXTREME, node.op)) return familyWindow(node)! >= 1 ? (EXTREME[node.op]!.sign === 1 ? "max" : "min") : undefined;
  return undefined;
}

function sortedOutput(node: CallNode, out: Float64Array): SortedWindowOutput {
  const stat = SORTED_STAT[node.op]!;
  const q = stat === "quantile" ? literalOf(node.args[2]!)?.value ?? 0 / 0 : 0;
  return { stat, q, out };
}

/** Quantile / Rank / Med and their family members: one sorted-window scan fills them all. */
const sortedFamily: OpImpl = (env, vals, lits, node) => {
  const x = env.array(arg(vals, 0));
  const n = lit(lits, 1, node.op).value;
  if (SORTED_STAT[node.op] === "quantile") lit(lits, 2, node.op);
  const own = env.alloc();
  const outputs = [sortedOutput(node, own), ...env.familyMembers().map((m) => sortedOutput(m.node, m.out))];
  forEachSpan(env.panel, (s, e) => rollingSortedStats(x, outputs, s, e, n));
  return own;
};

/** Max / Min / IdxMax / IdxMin / TS_ARGMAX … and their family members: one deque scan fills them all. */
function extremeFamily(fallback: OpImpl): OpImpl {
  return (env, vals, lits, node) => {
    const l = lit(lits, 1, node.op);
    // qlib Max/Min with a float window are EWM (qlib quirk), and n = 0 (expanding) is the
    // single kernels' business: only integer windows ≥ 1 share a scan.
    if (!l.isInt || l.value < 1) return fallback(env, vals, lits, node);
    const x = env.array(arg(vals, 0));
    const own = env.alloc();
    const spec = EXTREME[node.op]!;
    const outputs: ExtremeOutput[] = [{ emit: spec.emit, plus: spec.plus, out: own }];
    for (const m of env.familyMembers()) {
      const e = EXTREME[m.node.op]!;
      outputs.push({ emit: e.emit, plus: e.plus, out: m.out });
    }
    forEachSpan(env.panel, (s, e) => rollingExtremes(x, outputs, s, e, l.value, spec.sign));
    return own;
  };
}

/**
 * Mean / Std / Var and their family members: one moments pass fills them all. `replay`
 * (the quanta dialect): windows up to REPLAY_WINDOW_MAX days in the reference's arithmetic.
 */
function momentsFamily(fallback: OpImpl, replay = false): OpImpl {
  return (env, vals, lits, node) => {
    const l = lit(lits, 1, node.op);
    if (!l.isInt) return fallback(env, vals, lits, node);
    const x = env.array(arg(vals, 0));
    const own = env.alloc();
    const members = env.familyMembers();
    const outs = [own, ...members.map((m) => m.out)];
    const modes = Int32Array.from([node, ...members.map((m) => m.node)], (c) => MOMENT_EMIT[c.op]!);
    if (replay && l.value >= 1 && l.value <= REPLAY_WINDOW_MAX) {
      forEachSpan(env.panel, (s, e) => replayMoments2(x, outs, modes, s, e, l.value, 0, env.scratch));
    } else {
      forEachSpan(env.panel, (s, e) => moments2MultiInto(x, s, outs, modes, s, e - s, l.value, 0, env.scratch));
    }
    return own;
  };
}

/** One statistic of the mean/variance family for the quanta dialect (REPLAY_WINDOW_MAX as momentsFamily). */
function quantaMoment2(mode: Emit2, k: number, block: SpanKernel): OpImpl {
  return (env, vals, lits, node) => {
    const n = lit(lits, 1, node.op).value;
    if (n > REPLAY_WINDOW_MAX) return perSpan(block)(env, vals, lits, node);
    const x = env.array(arg(vals, 0));
    const out = env.alloc();
    const modes = Int32Array.of(mode);
    forEachSpan(env.panel, (s, e) => replayMoments2(x, [out], modes, s, e, n, k, env.scratch));
    return out;
  };
}

// ---------------------------------------------------------------------------------------------
// qlib dialect
// ---------------------------------------------------------------------------------------------

const QLIB: Record<string, OpImpl> = {
  Ref: (env, vals, lits, node) => {
    const k = lit(lits, 1, node.op).value;
    return k === 0 ? perSpan((x, o, s, e) => firstValue(x, o, s, e))(env, vals, lits, node) : perSpan(shift)(env, vals, lits, node);
  },
  Delta: (env, vals, lits, node) => {
    const k = lit(lits, 1, node.op).value;
    return k === 0 ? perSpan((x, o, s, e) => deltaFirst(x, o, s, e))(env, vals, lits, node) : perSpan(delta)(env, vals, lits, node);
  },
  Mean: momentsFamily(qlibRolling(rollingMean)),
  Sum: qlibRolling(rollingSum),
  Std: momentsFamily(qlibRolling(rollingStd)),
  Var: momentsFamily(qlibRolling(rollingVar)),
  Skew: qlibRolling((x, o, s, e, n) => rollingSkew(x, o, s, e, n, "pandas")),
  Kurt: qlibRolling((x, o, s, e, n) => rollingKurt(x, o, s, e, n, "pandas")),
  Max: extremeFamily(qlibRolling(rollingMax)),
  Min: extremeFamily(qlibRolling(rollingMin)),
  Med: (env, vals, lits, node) => (lit(lits, 1, node.op).isInt ? sortedFamily : qlibRolling(rollingMedian))(env, vals, lits, node),
  Count: qlibRolling(rollingCount),
  Mad: perSpan(rollingMeanAbsDev),
  IdxMax: extremeFamily(perSpan(qlibIdxMax)),
  IdxMin: extremeFamily(perSpan(qlibIdxMin)),
  Quantile: sortedFamily,
  Rank: sortedFamily,
  Slope: qlibTimeRegression,
  Rsquare: qlibTimeRegression,
  Resi: qlibTimeRegression,
  WMA: perSpan(qlibWma),
  EMA: (env, vals, lits, node) => {
    const l = lit(lits, 1, node.op);
    const alpha = !l.isInt && l.value > 0 && l.value < 1 ? alphaFromAlpha(l.value) : alphaFromSpan(l.value);
    return ewmAlpha(env, arg(vals, 0), alpha);
  },
  Corr: corr(true),
  Cov: cov,
  Abs: unary(Unary.Abs),
  Sign: unary(Unary.Sign),
  Log: unary(Unary.Log),
  Not: unary(Unary.Not),
  Power: binary(Binary.Pow),
  Greater: binary(Binary.Max),
  Less: binary(Binary.Min),
  Gt: binary(Binary.Gt),
  Ge: binary(Binary.Ge),
  Lt: binary(Binary.Lt),
  Le: binary(Binary.Le),
  Eq: binary(Binary.Eq),
  Ne: binary(Binary.Ne),
  And: binary(Binary.And),
  Or: binary(Binary.Or),
  If: (env, vals) => whereValue(env, arg(vals, 0), arg(vals, 1), arg(vals, 2)),
  Add: binary(Binary.Add),
  Sub: binary(Binary.Sub),
  Mul: binary(Binary.Mul),
  Div: binary(Binary.Div),
};

// ---------------------------------------------------------------------------------------------
// quanta dialect
// ---------------------------------------------------------------------------------------------

const QUANTA: Record<string, OpImpl> = {
  DELTA: perSpan(delta),
  DELAY: perSpan(shift),
  TS_MEAN: momentsFamily(perSpan(rollingMean), true),
  TS_SUM: replayUpTo(replaySum, rollingSum),
  SUMAC: replayUpTo(replaySum, rollingSum),
  TS_STD: momentsFamily(perSpan(rollingStd), true),
  TS_VAR: momentsFamily(perSpan(rollingVar), true),
  TS_MAX: extremeFamily(perSpan(rollingMax)),
  TS_MIN: extremeFamily(perSpan(rollingMin)),
  TS_MEDIAN: sortedFamily,
  TS_RANK: sortedFamily,
  TS_ZSCORE: quantaMoment2(Emit2.Zscore, 0, rollingZscore),
  TS_PCTCHANGE: perSpan(pctChange),
  TS_CORR: quantaCoMoment(true),
  TS_COVARIANCE: quantaCoMoment(false),
  TS_ARGMAX: extremeFamily(perSpan(rollingArgMax)),
  TS_ARGMIN: extremeFamily(perSpan(rollingArgMin)),
  HIGHDAY: extremeFamily(perSpan(highDay)),
  LOWDAY: extremeFamily(perSpan(lowDay)),
  TS_SKEW: replayUpTo((x, o, s, e, n, sc) => replaySkewKurt(x, o, s, e, n, false, sc), (x, o, s, e, n) => rollingSkew(x, o, s, e, n, "scipy")),
  TS_KURT: replayUpTo((x, o, s, e, n, sc) => replaySkewKurt(x, o, s, e, n, true, sc), (x, o, s, e, n) => rollingKurt(x, o, s, e, n, "scipy")),
  TS_QUANTILE: sortedFamily,
  PERCENTILE: (env, vals, lits, node) => {
    const q = lit(lits, 1, node.op).value;
    return perSpan((x, o, s, e, n) => rollingQuantile(x, o, s, e, n, q), 2)(env, vals, lits, node);
  },
  TS_MAD: perSpan(rollingMedianAbsDev),
  PROD: replayUpTo(replayProd, rollingProd),
  COUNT: perSpan(rollingCountTrue),
  SUMIF: (env, vals, lits, node) => {
    const a = env.array(arg(vals, 0));
    const c = env.array(arg(vals, 2));
    const n = lit(lits, 1, node.op).value;
    const out = env.alloc();
    if (n <= REPLAY_WINDOW_MAX) forEachSpan(env.panel, (s, e) => replaySumIf(a, c, out, s, e, n, env.scratch));
    else forEachSpan(env.panel, (s, e) => rollingSumIf(a, c, out, s, e, n, env.scratch));
    return out;
  },
  RANK: crossSection(csRank),
  ZSCORE: crossSection(csZscore),
  SCALE: (env, vals, lits, node) => {
    const a = lits[1]?.value ?? 1;
    return crossSection((x, o, p) => csScale(x, o, p, a))(env, vals, lits, node);
  },
  MEAN: crossSection(csMean),
  STD: crossSection(csStd),
  MEDIAN: crossSection(csMedian),
  SKEW: crossSection(csSkew),
  KURT: crossSection(csKurt),
  MAX: (env, vals, lits, node) => (vals.length === 1 ? crossSection(csMax)(env, vals, lits, node) : elementExtreme(Binary.Max)(env, vals, lits, node)),
  MIN: (env, vals, lits, node) => (vals.length === 1 ? crossSection(csMin)(env, vals, lits, node) : elementExtreme(Binary.Min)(env, vals, lits, node)),
  SMA: (env, vals, lits, node) => {
    const m = lits[2];
    if (m === undefined) return quantaMoment2(Emit2.Mean, 0, rollingMean)(env, vals, lits, node);
    return perSpan((x, o, s, e, n) => smaRecursive(x, o, s, e, n, m.value))(env, vals, lits, node);
  },
  EMA: perSpan(emaSpan),
  WMA: (env, vals, lits, node) => perSpan((x, o, s, e, n) => decayWma(x, o, s, e, n, env.scratch))(env, vals, lits, node),
  DECAYLINEAR: (env, vals, lits, node) =>
    perSpan((x, o, s, e, n) => decayLinear(x, o, s, e, n, env.scratch))(env, vals, lits, node),
  MACD: (env, vals, lits, node) => {
    const l = lit(lits, 2, node.op).value;
    return perSpan((x, o, s, e, sh) => macd(x, o, s, e, sh, l, env.scratch))(env, vals, lits, node);
  },
  RSI: (env, vals, lits, node) => perSpan((x, o, s, e, n) => rsi(x, o, s, e, n, env.scratch))(env, vals, lits, node),
  BB_MIDDLE: quantaMoment2(Emit2.Mean, 0, rollingMean),
  BB_UPPER: quantaMoment2(Emit2.Band, 2, (x, o, s, e, n) => rollingBand(x, o, s, e, n, 2)),
  BB_LOWER: quantaMoment2(Emit2.Band, -2, (x, o, s, e, n) => rollingBand(x, o, s, e, n, -2)),
  REGBETA: quantaRegression,
  REGRESI: quantaRegression,
  ABS: unary(Unary.Abs),
  SIGN: unary(Unary.Sign),
  EXP: unary(Unary.Exp),
  SQRT: unary(Unary.Sqrt),
  INV: unary(Unary.Inv),
  FLOOR: unary(Unary.Floor),
  LOG: unary(Unary.LogPositive),
  POW: binary(Binary.Pow),
  WHERE: (env, vals) => whereValue(env, arg(vals, 0), arg(vals, 1), arg(vals, 2)),
  FILTER: (env, vals) => whereValue(env, arg(vals, 1), arg(vals, 0), 0),
  ADD: binary(Binary.Add),
  SUBTRACT: binary(Binary.Sub),
  MULTIPLY: binary(Binary.Mul),
  DIVIDE: binary(Binary.Div),
  GT: binary(Binary.Gt),
  GE: binary(Binary.Ge),
  LT: binary(Binary.Lt),
  LE: binary(Binary.Le),
  EQ: binary(Binary.Eq),
  NE: binary(Binary.Ne),
  AND: binary(Binary.And),
  OR: binary(Binary.Or),
  NOT: unary(Unary.Not),
};

const TABLES: Readonly<Record<Dialect, Readonly<Record<string, OpImpl>>>> = { qlib: QLIB, quanta: QUANTA };
/** An element-wise call as one operator of a fused tree (see fused.ts). */
export type ElementwiseOp = { readonly kind: "unary"; readonly op: Unary } | { readonly kind: "binary"; readonly op: Binary } | { readonly kind: "where" };

/** The element-wise calls whose implementation is exactly one unaryValue / binaryValue / whereValue (arguments in order). */
const ELEMENTWISE: Readonly<Record<Dialect, Readonly<Record<string, ElementwiseOp>>>> = {
  qlib: {
    Abs: { kind: "unary", op: Unary.Abs },
    Sign: { kind: "unary", op: Unary.Sign },
    Log: { kind: "unary", op: Unary.Log },
    Not: { kind: "unary", op: Unary.Not },
    Power: { kind: "binary", op: Binary.Pow },
    Greater: { kind: "binary", op: Binary.Max },
    Less: { kind: "binary", op: Binary.Min },
    Gt: { kind: "binary", op: Binary.Gt },
    Ge: { kind: "binary", op: Binary.Ge },
    Lt: { kind: "binary", op: Binary.Lt },
    Le: { kind: "binary", op: Binary.Le },
    Eq: { kind: "binary", op: Binary.Eq },
    Ne: { kind: "binary", op: Binary.Ne },
    And: { kind: "binary", op: Binary.And },
    Or: { kind: "binary", op: Binary.Or },
    If: { kind: "where" },
    Add: { kind: "binary", op: Binary.Add },
    Sub: { kind: "binary", op: Binary.Sub },
    Mul: { kind: "binary", op: Binary.Mul },
    Div: { kind: "binary", op: Binary.Div },
  },
  quanta: {
    ABS: { kind: "unary", op: Unary.Abs },
    SIGN: { kind: "unary", op: Unary.Sign },
    EXP: { kind: "unary", op: Unary.Exp },
    SQRT: { kind: "unary", op: Unary.Sqrt },
    INV: { kind: "unary", op: Unary.Inv },
    FLOOR: { kind: "unary", op: Unary.Floor },
    LOG: { kind: "unary", op: Unary.LogPositive },
    NOT: { kind: "unary", op: Unary.Not },
    POW: { kind: "binary", op: Binary.Pow },
    WHERE: { kind: "where" },
    ADD: { kind: "binary", op: Binary.Add },
    SUBTRACT: { kind: "binary", op: Binary.Sub },
    MULTIPLY: { kind: "binary", op: Binary.Mul },
    DIVIDE: { kind: "binary", op: Binary.Div },
    GT: { kind: "binary", op: Binary.Gt },
    GE: { kind: "binary", op: Binary.Ge },
    LT: { kind: "binary", op: Binary.Lt },
    LE: { kind: "binary", op: Binary.Le },
    EQ: { kind: "binary", op: Binary.Eq },
    NE: { kind: "binary", op: Binary.Ne },
    AND: { kind: "binary", op: Binary.And },
    OR: { kind: "binary", op: Binary.Or },
  },
};

/** The fused-tree operator of an element-wise call (two-argument MAX/MIN included), or undefined. */
export function elementwiseOp(dialect: Dialect, node: CallNode): ElementwiseOp | undefined {
  if (dialect === "quanta" && (node.op === "MAX" || node.op === "MIN") && node.args.length === 2) {
    return { kind: "binary", op: node.op === "MAX" ? Binary.Max : Binary.Min };
  }
  const e = Object.hasOwn(ELEMENTWISE[dialect], node.op) ? ELEMENTWISE[dialect][node.op] : undefined;
  if (e === undefined) return undefined;
  const arity = e.kind === "unary" ? 1 : e.kind === "binary" ? 2 : 3;
  return node.args.length === arity ? e : undefined;
}


/** The implementation of `name` in `dialect`, or undefined (SEQUENCE has none: REGBETA/REGRESI read it). */
export function operatorImpl(dialect: Dialect, name: string): OpImpl | undefined {
  return Object.hasOwn(TABLES[dialect], name) ? TABLES[dialect][name] : undefined;
}

/** Operators computed together by one kernel pass: asking for one can fill the others. */
export function siblingsOf(dialect: Dialect, name: string): readonly string[] {
  if (dialect === "qlib" && (name === "Slope" || name === "Rsquare" || name === "Resi")) return ["Slope", "Rsquare", "Resi"];
  if (dialect === "quanta" && (name === "REGBETA" || name === "REGRESI")) return ["REGBETA", "REGRESI"];
  return [];
}
