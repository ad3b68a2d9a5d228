import { averageRanks } from "./ranking.ts";

/**
 * The planted signals, computed from the *visible* panel (missing days NaN)
 * exactly as their quanta expressions would on the same data, so that mining
 * can in principle recover them. Each function reads instrument row `base`
 * (i * nDates) at date t and returns NaN when the window has too little data.
 */

export interface Ohlcv {
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

export interface SignalDef {
  readonly name: string;
  /** The quanta-dialect expression whose cross-sectional rank drives the planted return. */
  readonly expression: string;
  readonly description: string;
  /** Raw signal at (base + t); `first` = the instrument's first date index. */
  readonly compute: (d: Ohlcv, base: number, t: number, first: number) => number;
}

/** -TS_PCTCHANGE($close, 5): short-term reversal. */
function reversal5(d: Ohlcv, base: number, t: number, first: number): number {
  if (t - 5 < first) return NaN;
  return -(d.close[base + t]! / d.close[base + t - 5]! - 1);
}

/** -TS_CORR(DELTA($close,1), DELTA($volume,1), 10): price and volume changes that disagree. */
function volumePriceDivergence(d: Ohlcv, base: number, t: number, first: number): number {
  let n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  const from = Math.max(first + 1, t - 9);
  for (let s = from; s <= t; s++) {
    const x = d.close[base + s]! - d.close[base + s - 1]!;
    const y = d.volume[base + s]! - d.volume[base + s - 1]!;
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    n++; sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
  }
  if (n < 2) return NaN;
  const cxx = sxx - (sx * sx) / n, cyy = syy - (sy * sy) / n, cxy = sxy - (sx * sy) / n;
  if (!(cxx > 1e-12 * sxx) || !(cyy > 1e-12 * syy)) return NaN;
  return -cxy / Math.sqrt(cxx * cyy);
}

/** -TS_STD($return, 20): low-volatility premium. */
function lowVolatility(d: Ohlcv, base: number, t: number, first: number): number {
  const from = Math.max(first + 1, t - 19);
  let n = 0, s1 = 0;
  for (let s = from; s <= t; s++) {
    const r = d.close[base + s]! / d.close[base + s - 1]! - 1;
    if (Number.isFinite(r)) { n++; s1 += r; }
  }
  if (n < 2) return NaN;
  const m = s1 / n;
  let s2 = 0;
  for (let s = from; s <= t; s++) {
    const r = d.close[base + s]! / d.close[base + s - 1]! - 1;
    if (Number.isFinite(r)) s2 += (r - m) * (r - m);
  }
  return -Math.sqrt(s2 / (n - 1));
}

/** -TS_MEAN(($close-$low)/($high-$low), 5): closing near the day's high reverses. */
function closeLocation(d: Ohlcv, base: number, t: number, first: number): number {
  let n = 0, s1 = 0;
  for (let s = Math.max(first, t - 4); s <= t; s++) {
    const c = base + s;
    const v = (d.close[c]! - d.low[c]!) / (d.high[c]! - d.low[c]!);
    if (!Number.isFinite(v)) continue;
    n++; s1 += v;
  }
  return n === 0 ? NaN : -s1 / n;
}

export const SIGNALS: readonly SignalDef[] = [
  {
    name: "reversal_5d",
    expression: "RANK(-TS_PCTCHANGE($close, 5))",
    description: "short-term reversal: losers of the last 5 days outperform",
    compute: reversal5,
  },
  {
    name: "volume_price_divergence",
    expression: "RANK(-TS_CORR(DELTA($close, 1), DELTA($volume, 1), 10))",
    description: "price moves not confirmed by volume (negative 10-day correlation of changes) outperform",
    compute: volumePriceDivergence,
  },
  {
    name: "low_volatility",
    expression: "RANK(-TS_STD($return, 20))",
    description: "low-volatility premium: calm stocks (20-day return std) outperform; fades to zero late in the sample",
    compute: lowVolatility,
  },
  {
    name: "close_location",
    expression: "RANK(-TS_MEAN(($close - $low) / ($high - $low), 5))",
    description: "closing near the daily low (5-day mean close location) outperforms",
    compute: closeLocation,
  },
];

/** Scratch arrays for rankNormalise (allocated once per generation). */
export interface RankScratch {
  readonly finite: Float64Array;
  readonly ranks: Float64Array;
  readonly keys: Float64Array;
  readonly idx: Int32Array;
}

export function rankScratch(n: number): RankScratch {
  return { finite: new Float64Array(n), ranks: new Float64Array(n), keys: new Float64Array(n), idx: new Int32Array(n) };
}

/**
 * Cross-sectional rank scores with unit variance: ((rank - 0.5)/m - 0.5)·√12
 * over the m finite values, ties averaged; non-finite inputs get 0 (neutral).
 */
export function rankNormalise(values: Float64Array, n: number, s: RankScratch, out: Float64Array): void {
  const { finite, ranks } = s;
  let m = 0;
  for (let k = 0; k < n; k++) if (Number.isFinite(values[k]!)) finite[m++] = values[k]!;
  if (m < 2) {
    out.fill(0, 0, n);
    return;
  }
  averageRanks(finite, m, s.keys, s.idx, ranks);
  const scale = Math.sqrt(12);
  let j = 0;
  for (let k = 0; k < n; k++) out[k] = Number.isFinite(values[k]!) ? ((ranks[j++]! - 0.5) / m - 0.5) * scale : 0;
}
