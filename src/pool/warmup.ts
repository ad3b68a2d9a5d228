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
  return {
    dates,
    instruments,
    nDates,
    nInst,
    fields: new Map([
      ["open", open],
      ["high", high],
      ["low", low],
      ["close", close],
      ["volume", volume],
    ]),
    first,
    last,
  };
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
  const close = panel.fields.get("close")!;
  const label = new Float64Array(close.length).fill(NaN);
  for (let k = 0; k + 2 < close.length; k++) label[k] = close[k + 2]! / close[k + 1]! - 1;
  const ic = new ICEvaluator(label, panel, { from: 30, to: panel.nDates - 3 });
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
 * Exercises every path of the cross-sectional ranking (the key radix sort, values sharing a key,
 * ties among them, the fallback sort) on cross-sections of a realistic size, so the optimised
 * code has seen them all before the first factor (otherwise each new path deoptimises the IC loop
 * mid-run, again at every later use).
 */
export function warmUpRanking(n = 480, rounds = 40): void {
  let seed = 777;
  const rnd = (): number => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const s = new RankScratch(n);
  const out = new Float64Array(n);
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
    s.rankDot(n, mn, mx, w, 0, dot);
    s.ranks(n, out);
    s.argsort(n);
  }
}
