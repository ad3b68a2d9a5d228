/**
 * A backtest as report data (src/report renders it): metrics per range, the test portfolio's daily
 * series, the daily IC over every range, the factor table and the correlation heat-map. Factors are
 * listed by |RankIC| on the test range (the range the report is about), and the heat-map shows the
 * first of them in the same order, so its axis numbers are rows of the factor table.
 */
import type { Panel } from "../../factors/panel.ts";
import type { RiskMetrics } from "../../backtest/risk.ts";
import type { IndexRange } from "../../backtest/split.ts";
import { RankScratch } from "../../backtest/stats.ts";
import type { ReportDataInput } from "../report/index.ts";
import type { BacktestFactor, BacktestOutcome, RangeName } from "./backtest.ts";

/** The heat-map shows this many factors at most (the renderer's own cap). */
const HEATMAP_FACTORS = 60;

export interface BacktestReportContext {
  readonly title?: string;
  readonly source: string;
  readonly universe?: string;
  readonly benchmark?: string;
  readonly settings?: Readonly<Record<string, string | number | boolean>>;
  readonly notes?: readonly string[];
  /** The factors the model used (values for the heat-map), with their expressions. */
  readonly factors?: readonly (BacktestFactor & { readonly expression: string; readonly dialect?: string })[];
  readonly generatedAt?: string;
}

function risk(m: RiskMetrics) {
  return { arr: m.arr, ir: m.ir, mdd: m.mdd, calmar: m.calmar };
}

/** Factor indices sorted by |RankIC| on the given range, descending (NaN last, then by index). */
export function orderByRankIc(o: BacktestOutcome, range: RangeName = "test"): number[] {
  const fm = o.factorMetrics ?? [];
  const key = (k: number): number => {
    const v = fm[k]?.metrics[range]?.rankIc;
    return v !== undefined && Number.isFinite(v) ? Math.abs(v) : -1;
  };
  return fm.map((_, k) => k).sort((a, b) => key(b) - key(a) || a - b);
}

export function backtestReportData(panel: Panel, o: BacktestOutcome, ctx: BacktestReportContext): ReportDataInput {
  const ranges = o.ranges.map((r) => ({ name: r.name, start: panel.dates[r.split.from]!, end: panel.dates[r.split.to]! }));
  const metrics = o.ranges.map((r) => ({
    range: r.name,
    ic: r.ic.ic,
    icir: r.ic.icir,
    rankIc: r.ic.rankIc,
    rankIcir: r.ic.rankIcir,
    ...(r.summary
      ? {
          withCost: risk(r.summary.excessWithCost),
          withoutCost: risk(r.summary.excess),
          turnover: r.summary.turnover,
          winRate: r.summary.excessWithCost.winRate,
        }
      : {}),
  }));

  const p = o.test.portfolio;
  const backtest = p ? { dates: [...p.dates], return: p.ret, bench: p.bench, cost: p.cost, turnover: p.turnover } : undefined;

  // Daily IC over the whole span of the ranges (gaps between ranges stay empty).
  const first = o.ranges[0]!.split.from;
  const last = o.test.split.to;
  const n = last - first + 1;
  const ic = new Float64Array(n).fill(NaN);
  const rankIc = new Float64Array(n).fill(NaN);
  for (const r of o.ranges) {
    ic.set(r.daily.ic, r.daily.from - first);
    rankIc.set(r.daily.rankIc, r.daily.from - first);
  }
  const icDaily = { dates: panel.dates.slice(first, last + 1), ic, rankIc, window: 20 };

  const out: ReportDataInput = {
    title: ctx.title ?? "quanta backtest",
    ...(ctx.generatedAt ? { generatedAt: ctx.generatedAt } : {}),
    data: {
      source: ctx.source,
      instruments: panel.nInst,
      firstDate: panel.dates[0]!,
      lastDate: panel.dates[panel.nDates - 1]!,
      ...(ctx.universe ? { universe: ctx.universe } : {}),
      ...(ctx.benchmark ? { benchmark: ctx.benchmark } : {}),
    },
    ranges,
    settings: { ...(ctx.settings ?? {}), N: o.tradingDays },
    notes: [...(ctx.notes ?? [])],
    metrics,
    ...(backtest ? { backtest } : {}),
    icDaily,
  };

  const factors = ctx.factors;
  if (factors && factors.length > 0) {
    const order = o.factorMetrics ? orderByRankIc(o) : factors.map((_, k) => k);
    const metricsOf = (k: number) => {
      const m = o.factorMetrics?.[k]?.metrics ?? {};
      return Object.fromEntries(
        Object.entries(m).map(([range, s]) => [range, { ic: s.ic, icir: s.icir, rankIc: s.rankIc, rankIcir: s.rankIcir }]),
      );
    };
    out.factors = order.map((k) => ({
      name: factors[k]!.name,
      expression: factors[k]!.expression,
      ...(factors[k]!.dialect ? { dialect: factors[k]!.dialect } : {}),
      metrics: metricsOf(k),
    }));
    if (order.length >= 2) {
      const shown = order.slice(0, HEATMAP_FACTORS);
      const matrix = modelViewCorrelation(panel, shown.map((k) => factors[k]!.values), o.test.split.window());
      out.correlation = { names: shown.map((k) => factors[k]!.name), matrix };
    }
  }
  return out;
}

/**
 * Correlation of factors as the model sees them: per date, each factor's ranks over the
 * cross-section (a missing value at the middle rank, like CSRankNorm's fill with 0), Pearson between
 * two factors' rank vectors, averaged over the dates where both vary. For 60 factors over three
 * years this is one pass of dot products (~1.5 s), where the pairwise-complete Spearman of
 * src/review costs ~10 s; the two differ only on dates with missing values.
 */
export function modelViewCorrelation(panel: Panel, values: readonly Float64Array[], window: IndexRange): number[][] {
  const { nDates, nInst } = panel;
  const from = Math.max(0, window.from);
  const to = Math.min(nDates - 1, window.to);
  const nd = Math.max(0, to - from + 1);
  // The cross-section of each date, date-major.
  const off = new Int32Array(nd + 1);
  const cross: number[] = [];
  for (let k = 0; k < nd; k++) {
    const t = from + k;
    for (let i = 0; i < nInst; i++) {
      if (t < panel.first[i]! || t > panel.last[i]!) continue;
      if (panel.member !== undefined && panel.member[i * nDates + t] !== 1) continue;
      cross.push(i);
    }
    off[k + 1] = cross.length;
  }
  const cells = cross.length;
  const scratch = new RankScratch(Math.max(1, nInst));
  const who = new Int32Array(nInst);
  const rk = new Float64Array(nInst);
  // Per factor: the centred ranks scaled to unit norm per date (0 where missing), and which dates vary.
  const unit = values.map((v) => {
    const z = new Float64Array(cells);
    const ok = new Uint8Array(nd);
    for (let k = 0; k < nd; k++) {
      const o0 = off[k]!;
      const m = off[k + 1]! - o0;
      let n = 0;
      for (let j = 0; j < m; j++) {
        const x = v[cross[o0 + j]! * nDates + from + k]!;
        if (x - x === 0) {
          scratch.vals[n] = x;
          who[n++] = j;
        }
      }
      if (n < 2) continue;
      scratch.ranks(n, rk);
      const mid = (n + 1) / 2;
      let ss = 0;
      for (let q = 0; q < n; q++) ss += (rk[q]! - mid) ** 2;
      if (!(ss > 0)) continue;
      const s = 1 / Math.sqrt(ss);
      for (let q = 0; q < n; q++) z[o0 + who[q]!] = (rk[q]! - mid) * s;
      ok[k] = 1;
    }
    return { z, ok };
  });
  const F = values.length;
  const out = Array.from({ length: F }, (_, a) => Array.from({ length: F }, (_, b) => (a === b ? 1 : NaN)));
  for (let a = 0; a < F; a++) {
    const za = unit[a]!.z;
    const oka = unit[a]!.ok;
    for (let b = a + 1; b < F; b++) {
      const zb = unit[b]!.z;
      const okb = unit[b]!.ok;
      let sum = 0;
      let days = 0;
      for (let k = 0; k < nd; k++) {
        if (oka[k] !== 1 || okb[k] !== 1) continue;
        let dot = 0;
        for (let c = off[k]!; c < off[k + 1]!; c++) dot += za[c]! * zb[c]!;
        sum += dot;
        days++;
      }
      const r = days > 0 ? sum / days : NaN;
      out[a]![b] = r;
      out[b]![a] = r;
    }
  }
  return out;
}
