/**
 * Risk metrics of a daily return series, as qlib's `risk_analysis` (mode "sum"):
 *   ARR = mean × N, IR = mean / std (ddof 1) × √N, MDD = min(cumsum − running max of cumsum)
 *   (≤ 0, on the cumulative sum, not compounded), Calmar = ARR / |MDD|;
 * plus the win rate and a per-calendar-year breakdown. N = 252 by default; qlib uses 238.
 */
import type { DailyIC } from "./ic.ts";
import { meanStd } from "./stats.ts";
import type { TopkResult } from "./topk.ts";

export const TRADING_DAYS = 252;
/** qlib's annualisation for daily data. */
export const QLIB_TRADING_DAYS = 238;

export interface RiskMetrics {
  readonly mean: number;
  readonly std: number;
  readonly arr: number;
  readonly ir: number;
  readonly mdd: number;
  readonly calmar: number;
  /** Share of days with a positive return. */
  readonly winRate: number;
  /** Finite days used. */
  readonly days: number;
}

/** Risk metrics of the finite entries of a daily series. */
export function riskMetrics(returns: ArrayLike<number>, N: number = TRADING_DAYS): RiskMetrics {
  const { mean, std, n } = meanStd(returns);
  let cum = 0;
  let peak = -Infinity;
  let mdd = 0;
  let wins = 0;
  for (let k = 0; k < returns.length; k++) {
    const r = returns[k]!;
    if (!Number.isFinite(r)) continue;
    cum += r;
    if (cum > peak) peak = cum;
    if (cum - peak < mdd) mdd = cum - peak;
    if (r > 0) wins++;
  }
  const arr = mean * N;
  return {
    mean,
    std,
    arr,
    ir: n >= 2 && std > 0 ? (mean / std) * Math.sqrt(N) : NaN,
    mdd: n > 0 ? mdd : NaN,
    calmar: mdd < 0 ? arr / Math.abs(mdd) : NaN,
    winRate: n > 0 ? wins / n : NaN,
    days: n,
  };
}

/** Drawdown series of the cumulative sum (≤ 0), for charts. */
export function drawdownSeries(returns: ArrayLike<number>): Float64Array {
  const out = new Float64Array(returns.length);
  let cum = 0;
  let peak = 0;
  for (let k = 0; k < returns.length; k++) {
    const r = returns[k]!;
    if (Number.isFinite(r)) cum += r;
    if (cum > peak) peak = cum;
    out[k] = cum - peak;
  }
  return out;
}

export interface BacktestSummary {
  /** Excess return without cost (portfolio − benchmark). */
  readonly excess: RiskMetrics;
  /** Excess return with cost (portfolio − benchmark − cost). */
  readonly excessWithCost: RiskMetrics;
  readonly portfolio: RiskMetrics;
  readonly bench: RiskMetrics;
  /** Mean daily turnover (traded value / previous account value). */
  readonly turnover: number;
  /** Mean daily cost as a fraction of the account. */
  readonly cost: number;
}

export function summarizeBacktest(r: TopkResult, N: number = TRADING_DAYS): BacktestSummary {
  return {
    excess: riskMetrics(r.excess, N),
    excessWithCost: riskMetrics(r.excessWithCost, N),
    portfolio: riskMetrics(r.ret, N),
    bench: riskMetrics(r.bench, N),
    turnover: meanStd(r.turnover).mean,
    cost: meanStd(r.cost).mean,
  };
}

export interface YearRow {
  readonly year: string;
  /** Mean daily IC / RankIC over the year's dates (NaN without an IC series). */
  readonly ic: number;
  readonly rankIc: number;
  readonly icDays: number;
  /** Sum of daily excess returns over the year, without / with cost (NaN without a portfolio). */
  readonly excessReturn: number;
  readonly excessReturnWithCost: number;
  /** Annualised excess (mean × N), IR and MDD with cost, over the year's days. */
  readonly arrWithCost: number;
  readonly irWithCost: number;
  readonly mddWithCost: number;
  readonly turnover: number;
  readonly days: number;
}

/**
 * Per calendar year: IC / RankIC means from a daily IC series and excess returns from a
 * portfolio simulation (either may be omitted). `dates` is the panel calendar.
 */
export function annualBreakdown(
  dates: readonly string[],
  parts: { readonly daily?: DailyIC; readonly portfolio?: TopkResult },
  N: number = TRADING_DAYS,
): YearRow[] {
  const years = new Map<string, { ic: number[]; ric: number[]; ex: number[]; exc: number[]; to: number[] }>();
  const bucket = (t: number): { ic: number[]; ric: number[]; ex: number[]; exc: number[]; to: number[] } => {
    const y = dates[t]!.slice(0, 4);
    let b = years.get(y);
    if (!b) {
      b = { ic: [], ric: [], ex: [], exc: [], to: [] };
      years.set(y, b);
    }
    return b;
  };
  const d = parts.daily;
  if (d) {
    for (let k = 0; k < d.ic.length; k++) {
      const b = bucket(d.from + k);
      b.ic.push(d.ic[k]!);
      b.ric.push(d.rankIc[k]!);
    }
  }
  const p = parts.portfolio;
  if (p) {
    for (let k = 0; k < p.ret.length; k++) {
      const b = bucket(p.from + k);
      b.ex.push(p.excess[k]!);
      b.exc.push(p.excessWithCost[k]!);
      b.to.push(p.turnover[k]!);
    }
  }
  const sum = (xs: number[]): number => (xs.length ? xs.reduce((a, v) => a + (Number.isFinite(v) ? v : 0), 0) : NaN);
  return [...years.keys()].sort().map((year) => {
    const b = years.get(year)!;
    const ic = meanStd(b.ic);
    const ric = meanStd(b.ric);
    const rm = riskMetrics(b.exc, N);
    return {
      year,
      ic: ic.mean,
      rankIc: ric.mean,
      icDays: ic.n,
      excessReturn: sum(b.ex),
      excessReturnWithCost: sum(b.exc),
      arrWithCost: rm.arr,
      irWithCost: rm.ir,
      mddWithCost: rm.mdd,
      turnover: b.to.length ? meanStd(b.to).mean : NaN,
      days: Math.max(b.ex.length, b.ic.length),
    };
  });
}
