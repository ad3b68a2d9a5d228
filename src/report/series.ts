/**
 * Series arithmetic for the report: cumulative sums, drawdowns, rolling means, the per-year table and
 * downsampling. Pure functions over `(number | null)[]`, where null is a missing day.
 */
import type { AnnualRow, DailyBacktest, DailyIc, RangeSpec } from "./schema.ts";

export type Maybe = number | null;

/** Running sum; a missing day adds nothing (returns are summed, not compounded, as qlib reports them). */
export function cumsum(xs: readonly Maybe[]): number[] {
  const out = new Array<number>(xs.length);
  let s = 0;
  for (let i = 0; i < xs.length; i++) {
    s += xs[i] ?? 0;
    out[i] = s;
  }
  return out;
}

/** Drawdown of a cumulative series: value − running peak (≤ 0), the peak starting at the first value as in qlib. */
export function drawdown(cum: readonly number[]): number[] {
  const out = new Array<number>(cum.length);
  let peak = -Infinity;
  for (let i = 0; i < cum.length; i++) {
    const c = cum[i]!;
    if (c > peak) peak = c;
    out[i] = c - peak;
  }
  return out;
}

/** Trailing mean over `window` days of the valid values; null until half the window is valid (avoids a noisy start). */
export function rollingMean(xs: readonly Maybe[], window: number): Maybe[] {
  const out = new Array<Maybe>(xs.length);
  const minValid = Math.ceil(window / 2);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (x !== null && x !== undefined) {
      sum += x;
      count++;
    }
    if (i >= window) {
      const old = xs[i - window];
      if (old !== null && old !== undefined) {
        sum -= old;
        count--;
      }
    }
    out[i] = count >= minValid ? sum / count : null;
  }
  return out;
}

export function meanOf(xs: readonly Maybe[]): Maybe {
  let s = 0;
  let n = 0;
  for (const x of xs)
    if (x !== null) {
      s += x;
      n++;
    }
  return n ? s / n : null;
}

/**
 * Keeps at most `maxPoints` points of a series for drawing: per bucket the minimum and the maximum, in
 * date order, so spikes and drawdown troughs survive (a plain stride would drop them). Missing values
 * inside a bucket are skipped; an all-missing bucket keeps one null so the line shows a gap.
 */
export function downsample(dates: readonly string[], ys: readonly Maybe[], maxPoints = 2000): [string, Maybe][] {
  const n = Math.min(dates.length, ys.length);
  if (n <= maxPoints) {
    const out = new Array<[string, Maybe]>(n);
    for (let i = 0; i < n; i++) out[i] = [dates[i]!, ys[i] ?? null];
    return out;
  }
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const size = Math.ceil(n / buckets);
  const out: [string, Maybe][] = [];
  for (let start = 0; start < n; start += size) {
    const end = Math.min(n, start + size);
    let lo = -1;
    let hi = -1;
    for (let i = start; i < end; i++) {
      const y = ys[i];
      if (y === null || y === undefined) continue;
      if (lo < 0 || y < ys[lo]!) lo = i;
      if (hi < 0 || y > ys[hi]!) hi = i;
    }
    if (lo < 0) out.push([dates[start]!, null]);
    else if (lo === hi) out.push([dates[lo]!, ys[lo]!]);
    else {
      const [a, b] = lo < hi ? [lo, hi] : [hi, lo];
      out.push([dates[a]!, ys[a]!], [dates[b]!, ys[b]!]);
    }
  }
  return out;
}

/** Name of the range containing `date` (inclusive bounds; ISO dates compare as strings), or "". */
export function rangeOf(date: string, ranges: readonly RangeSpec[]): string {
  for (const r of ranges) if (date >= r.start && date <= r.end) return r.name;
  return "";
}

/** Largest fall of the cumulative sum of `xs` from its running peak (≤ 0), or null with no data. */
export function maxDrawdownOfReturns(xs: readonly Maybe[]): Maybe {
  if (!xs.some((x) => x !== null)) return null;
  const dd = drawdown(cumsum(xs));
  let m = 0;
  for (const d of dd) if (d < m) m = d;
  return m;
}

/**
 * The per-year table from the daily series: per (range, year), mean IC / RankIC, and the sums of
 * excess return with and without cost and of the benchmark return, plus the year's max drawdown.
 */
export function computeAnnual(
  backtest: DailyBacktest | undefined,
  ic: DailyIc | undefined,
  ranges: readonly RangeSpec[],
): AnnualRow[] {
  type Acc = { year: number; range: string; ic: Maybe[]; rankIc: Maybe[]; exCost: Maybe[]; exNoCost: Maybe[]; bench: Maybe[] };
  const groups = new Map<string, Acc>();
  const group = (date: string): Acc => {
    const range = rangeOf(date, ranges);
    const year = Number(date.slice(0, 4));
    const key = `${range}\u0000${year}`;
    let g = groups.get(key);
    if (!g) {
      g = { year, range, ic: [], rankIc: [], exCost: [], exNoCost: [], bench: [] };
      groups.set(key, g);
    }
    return g;
  };
  if (ic)
    ic.dates.forEach((d, i) => {
      const g = group(d);
      g.ic.push(ic.ic[i] ?? null);
      g.rankIc.push(ic.rankIc[i] ?? null);
    });
  if (backtest) {
    const { exCost, exNoCost } = excessSeries(backtest);
    backtest.dates.forEach((d, i) => {
      const g = group(d);
      g.exCost.push(exCost[i] ?? null);
      g.exNoCost.push(exNoCost[i] ?? null);
      g.bench.push(backtest.bench[i] ?? null);
    });
  }
  const sum = (xs: Maybe[]): Maybe => (xs.some((x) => x !== null) ? xs.reduce<number>((s, x) => s + (x ?? 0), 0) : null);
  const rows: AnnualRow[] = [...groups.values()].map((g) => ({
    year: g.year,
    range: g.range || undefined,
    ic: meanOf(g.ic),
    rankIc: meanOf(g.rankIc),
    excessWithCost: sum(g.exCost),
    excessWithoutCost: sum(g.exNoCost),
    bench: sum(g.bench),
    mdd: maxDrawdownOfReturns(g.exCost),
  }));
  const order = new Map(ranges.map((r, i) => [r.name, i]));
  return rows.sort(
    (a, b) => a.year - b.year || (order.get(a.range ?? "") ?? 1e9) - (order.get(b.range ?? "") ?? 1e9),
  );
}

/** Daily excess return without cost (return − bench) and with cost (return − bench − cost), DESIGN §4. */
export function excessSeries(b: DailyBacktest): { exNoCost: Maybe[]; exCost: Maybe[] } {
  const n = b.dates.length;
  const exNoCost = new Array<Maybe>(n);
  const exCost = new Array<Maybe>(n);
  for (let i = 0; i < n; i++) {
    const r = b.return[i] ?? null;
    const m = b.bench[i] ?? null;
    const c = b.cost[i] ?? 0; // a missing cost is no trade
    exNoCost[i] = r === null || m === null ? null : r - m;
    exCost[i] = r === null || m === null ? null : r - m - c;
  }
  return { exNoCost, exCost };
}
