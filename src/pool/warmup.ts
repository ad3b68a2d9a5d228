/**
 * JIT warm-up for a worker: evaluates expressions (and their IC) on a tiny synthetic panel, so V8
 * has optimised every kernel, with type feedback for the branches the real run takes, before the
 * real panel arrives. Without it the first call of each kernel on the full panel runs hundreds of
 * thousands of iterations in the interpreter / baseline code until on-stack replacement kicks in —
 * about a second of CPU per worker for Alpha158. Run while the main thread loads the data.
 */
import type { Dialect } from "../../factors/ast.ts";
import type { Panel } from "../../factors/panel.ts";
import { parseExpr } from "../../factors/parser.ts";
import { Evaluator } from "../../factors/evaluate.ts";
import { ICEvaluator } from "../../backtest/ic.ts";
import { RankScratch } from "../../backtest/stats.ts";
import { labelReturns } from "../../backtest/label.ts";
import { assemblePanel } from "../data/panel-builder.ts";

/** Common operators of each dialect, for a warm-up that does not know the expressions yet. */
export const DEFAULT_WARMUP: Readonly<Record<Dialect, readonly string[]>> = {
  qlib: [
    "($close-$open)/$open",
    "($high-Greater($open, $close))/($high-$low+1e-12)",
    "(Less($open, $close)-$low)/$open",
    "Ref($close, 5)/$close",
    "Mean($close, 5)/$close",
    "Std($close, 10)/$close",
    "Slope($close, 5)/$close",
    "Rsquare($close, 10)",
    "Resi($close, 20)/$close",
    "Max($high, 5)/$close",
    "Min($low, 10)/$close",
    "Quantile($close, 5, 0.8)/$close",
    "Quantile($close, 5, 0.2)/$close",
    "Rank($close, 20)",
    "($close-Min($low, 5))/(Max($high, 5)-Min($low, 5)+1e-12)",
    "IdxMax($high, 5)/5",
    "(IdxMax($high, 10)-IdxMin($low, 10))/10",
    "Corr($close, Log($volume+1), 10)",
    "Corr($close/Ref($close,1), Log($volume/Ref($volume, 1)+1), 5)",
    "Mean($close>Ref($close, 1), 5)-Mean($close<Ref($close, 1), 5)",
    "Sum(Greater($close-Ref($close, 1), 0), 10)/(Sum(Abs($close-Ref($close, 1)), 10)+1e-12)",
    "Std(Abs($close/Ref($close, 1)-1)*$volume, 5)/(Mean(Abs($close/Ref($close, 1)-1)*$volume, 5)+1e-12)",
    "Mean($volume, 5)/($volume+1e-12)",
  ],
  quanta: [
    "TS_MEAN($close, 5) / $close",
    "TS_STD($return, 10)",
    "TS_RANK($volume, 10)",
    "TS_CORR($close, $volume, 10)",
    "RANK(DELTA($close, 5))",
    "ZSCORE(TS_MAX($high, 10) - TS_MIN($low, 10))",
    "REGBETA($close, SEQUENCE(10), 10)",
    "EMA($close, 10) / $close - 1",
  ],
};

/** A small random-walk OHLCV panel with staggered spans and a few gaps (deterministic). */
export function warmupPanel(nInst = 16, nDates = 200): Panel {
  let seed = 12345;
  const rnd = (): number => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const size = nInst * nDates;
  const open = new Float64Array(size).fill(NaN);
  const high = new Float64Array(size).fill(NaN);
  const low = new Float64Array(size).fill(NaN);
  const close = new Float64Array(size).fill(NaN);
  const volume = new Float64Array(size).fill(NaN);
  const first = new Int32Array(nInst);
  const last = new Int32Array(nInst);
  for (let i = 0; i < nInst; i++) {
    first[i] = i % 4 === 3 ? 20 + i : 0;
    last[i] = i % 5 === 4 ? nDates - 10 : nDates - 1;
    let c = 20 + 80 * rnd();
    for (let t = first[i]!; t <= last[i]!; t++) {
      const p = i * nDates + t;
      if (i % 3 === 1 && t % 37 === 5) continue; // a missing day
      const o = c * (1 + 0.01 * (rnd() - 0.5));
      c = o * (1 + 0.03 * (rnd() - 0.5));
      // Ties and repeats happen in real prices: round to cents.
      open[p] = Math.round(o * 100) / 100;
      close[p] = Math.round(c * 100) / 100;
      high[p] = Math.max(open[p]!, close[p]!) + Math.round(100 * rnd()) / 100;
      low[p] = Math.min(open[p]!, close[p]!) - Math.round(100 * rnd()) / 100;
      volume[p] = Math.round(1e5 * (1 + 9 * rnd()));
    }
  }
  const dates: string[] = [];
  for (let t = 0; t < nDates; t++) dates.push(new Date(Date.UTC(2000, 0, 3 + t)).toISOString().slice(0, 10));
  const instruments = Array.from({ length: nInst }, (_, i) => `W${String(i).padStart(3, "0")}`);
  // Assembled as loaded panels are (and shared ones rebuilt in a worker): the same hidden class, so
  // code optimised on the warm-up panel is not deoptimised ("wrong map") on the real one.
  return assemblePanel({
    dates,
    instruments,
    fields: new Map([
      ["open", open],
      ["high", high],
      ["low", low],
      ["close", close],
      ["volume", volume],
    ]),
    first,
    last,
  });
}

/**
 * Evaluates a mix of common operators (DEFAULT_WARMUP) on the warm-up panel and computes their IC
 * against a synthetic label. One that fails here is skipped: a real run would report it.
 */
export function warmUp(dialect: Dialect, rounds = 1): void {
  const panel = warmupPanel();
  const exprs = [];
  for (const text of DEFAULT_WARMUP[dialect]) {
    try {
      exprs.push(parseExpr(text, dialect));
    } catch {
      /* reported by the real run */
    }
  }
  const ic = new ICEvaluator(labelReturns(panel), panel, { from: 30, to: panel.nDates - 3 });
  for (let r = 0; r < rounds; r++) {
    for (const e of exprs) {
      try {
        new Evaluator(panel, dialect).stream([e], (_k, values) => ic.metrics(values));
      } catch {
        /* reported by the real run */
      }
    }
  }
}

/**
 * Batches of expressions that together take every path of the rolling kernels the dialect's
 * common operators use: each mode of a multi-mode kernel (the co-moment pass's correlation,
 * masked correlation and regression on time; the deque's value, days-since and qlib-index
 * outputs), the multi-output family passes (Slope/Rsquare/Resi, Max/IdxMax, Quantile/Rank,
 * Mean/Std of one window: a batch evaluates them as one pass) beside the single-output ones,
 * replayed (≤ 32 days) and block (60 days) windows. See primeFeedback.
 */
export const PRIMING: Readonly<Record<Dialect, readonly (readonly string[])[]>> = {
  qlib: [
    [
      "Slope($close, 5)/$close",
      "Rsquare($close, 5)",
      "Resi($close, 5)/$close",
      "Slope($close, 60)/$close",
      "Rsquare($close, 60)",
      "Resi($close, 60)/$close",
      "Quantile($close, 5, 0.8)/$close",
      "Quantile($close, 5, 0.2)/$close",
      "Rank($close, 5)",
      "Max($high, 5)/$close",
      "IdxMax($high, 5)/5",
      "Min($low, 60)/$close",
      "IdxMin($low, 60)/60",
      "Std(Abs($close/Ref($close, 1)-1)*$volume, 5)/(Mean(Abs($close/Ref($close, 1)-1)*$volume, 5)+1e-12)",
      "Corr($close, Log($volume+1), 5)",
      "Corr($close, Log($volume+1), 60)",
      "Corr($close/Ref($close,1), Log($volume/Ref($volume, 1)+1), 5)",
      "Corr($close, Ref($volume, 2), 60)",
    ],
    [
      "Rsquare($open, 30)",
      "Resi($open, 60)/$close",
      "Quantile($open, 10, 0.5)/$close",
      "Rank($open, 60)",
      "Max($open, 10)/$close",
      "Min($open, 5)/$close",
      "IdxMax($low, 5)/5",
      "IdxMin($high, 10)/10",
      "Mean($close>Ref($close, 1), 5)-Mean($close<Ref($close, 1), 60)",
      "Std($volume, 60)/($volume+1e-12)",
      "Sum(Greater($close-Ref($close, 1), 0), 5)/(Sum(Abs($close-Ref($close, 1)), 60)+1e-12)",
    ],
  ],
  quanta: [DEFAULT_WARMUP.quanta],
};

/**
 * The warm-up panel with a 12-day suspension of one instrument: windows that hold no valid
 * value, and blocks whose valid points are all in one part.
 */
function primingPanel(): Panel {
  const panel = warmupPanel(4, 90);
  const at = 1 * panel.nDates; // instrument 1, days 40–51
  for (const values of panel.fields.values()) values.fill(NaN, at + 40, at + 52);
  return panel;
}

const primed = new Set<string>();

/**
 * Gives the kernels complete type feedback, once per thread and dialect, by evaluating PRIMING
 * (and, `withIC`, the IC of each result) on a panel too small for V8 to optimise much on it
 * (~15 ms, besides compiling to bytecode the code the first real task would run anyway; no
 * result depends on it). Without it a kernel is optimised for the modes and branches its first
 * real calls happened to take, and deoptimised, then recompiled (~20–60 ms of compiler time each
 * for the big kernels, twice with on-stack replacement), at each new one: the first family pass,
 * the first empty window, the first masked correlation. The main thread, which has no warm-up,
 * had most.
 */
export function primeFeedback(dialect: Dialect, withIC = false): void {
  const key = withIC ? `${dialect}+ic` : dialect;
  if (primed.has(key)) return;
  primed.add(key);
  const panel = primingPanel();
  let ic: ICEvaluator | undefined;
  if (withIC) {
    ic = new ICEvaluator(labelReturns(panel), panel, { from: 10, to: panel.nDates - 3 });
  }
  for (const batch of PRIMING[dialect]) {
    try {
      new Evaluator(panel, dialect).stream(
        batch.map((text) => parseExpr(text, dialect)),
        (_k, values) => ic?.metrics(values),
        { raw: true },
      );
    } catch {
      /* reported by the real run */
    }
  }
}

/**
 * Exercises every path of the IC's ranking (pearsonRankDot: the key radix sort, values sharing a
 * key, ties among them, the fallback sort) on cross-sections of a realistic size, so the optimised
 * code has seen them all before the first factor (otherwise each new path deoptimises the IC loop
 * mid-run, again at every later use). Only what a pool task runs: warming the other rankings
 * (ranks, argsort, rankDot) here cost the worker ~0.1 s of TurboFan for code it never calls.
 */
export function warmUpRanking(n = 480, rounds = 40): void {
  let seed = 777;
  const rnd = (): number => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const s = new RankScratch(n);
  const w = new Float64Array(n).map(() => rnd() - 0.5);
  const dot = new Float64Array(4);
  const gens: (() => number)[] = [
    () => rnd() - 0.5, // spread out
    () => Math.round(rnd() * 5) / 5, // few distinct values: big ties
    () => (rnd() < 0.01 ? 50 : rnd()), // an outlier crowds the bulk into fewer keys
    () => (rnd() < 0.05 ? 0.5 + Math.round(2 * rnd()) * 1e-12 : rnd()), // ties among values sharing a key
    () => Math.exp(30 * rnd()), // very uneven spacing: most values share a key, the fallback sort
    () => (rnd() < 0.02 ? Infinity : rnd()), // a range that overflows: radix fallback
  ];
  for (let r = 0; r < rounds; r++) {
    const g = gens[r % gens.length]!;
    let mn = Infinity;
    let mx = -Infinity;
    for (let k = 0; k < n; k++) {
      const v = g();
      s.vals[k] = v;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    s.pearsonRankDot(n, mn, mx, w, 0, w, 0, dot);
  }
}
