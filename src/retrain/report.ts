/**
 * The dated retrain report: what changed and why (notes), the combination's out-of-sample IC and
 * TopK-Dropout portfolio on the newest window, the correlation of the surviving pool on the
 * window, every evaluated factor with its reference and window metrics, and their lineage.
 */
import type { Panel } from "../../factors/panel.ts";
import type { FactorLibrary, StoredFactor } from "../library/index.ts";
import type { ReportDataInput } from "../report/index.ts";
import { matrixRows, type CorrelationMatrix } from "../review/correlation.ts";
import { reportLineage } from "../review/report.ts";
import type { EvaluatedFactor } from "../review/values.ts";
import type { RefitResult } from "./model.ts";
import type { RetrainSummary } from "./summary.ts";

export interface RetrainReportInput {
  readonly summary: RetrainSummary;
  /** The evaluated factors as stored after the run. */
  readonly factors: readonly StoredFactor[];
  /** The surviving pool in the correlation matrix's order. */
  readonly survivors: readonly EvaluatedFactor[];
  readonly corr: CorrelationMatrix;
  readonly refit: RefitResult | null;
  readonly panel: Panel;
  readonly generatedAt: string;
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(0)}%` : "n/a";
}

export function retrainReportData(lib: FactorLibrary, r: RetrainReportInput): ReportDataInput {
  const s = r.summary;
  const oos = r.refit?.outOfSample ?? null;
  const notes: string[] = [
    `Retrain run #${s.run} as of ${s.asOf}: ${s.counts.evaluated} factors re-evaluated on ${s.window.start} .. ${s.window.end} (${s.window.days} dates); ` +
      `${s.counts.changed} changed status — now ${s.counts.active} active, ${s.counts.watch} on watch, ${s.counts.retired} retired by this run.`,
  ];
  for (const f of s.factors) {
    if (f.before !== f.after) notes.push(`#${f.id} ${f.name}: ${f.before} → ${f.after}. ${f.reason}.`);
  }
  for (const f of s.skipped) notes.push(`#${f.id} ${f.name} was not evaluated (${f.reason}); its status stays ${f.status}.`);
  if (s.model.note) notes.push(`Model: ${s.model.note}.`);
  if (r.refit) {
    notes.push(
      `Model refitted (${r.refit.kind}) on ${r.refit.fit.start} .. ${r.refit.fit.end} over ${r.refit.features.length} active factors` +
        (r.refit.weights ? `; weights ${r.refit.features.map((n, k) => `${n} ${r.refit!.weights![k]!.toFixed(4)}`).join(", ")}.` : "."),
    );
  }
  if (oos) notes.push(`Out of sample: the same model fitted on ${oos.fit.start} .. ${oos.fit.end} scores the window (charts below).`);
  notes.push(`Replacements: ${s.replacements.status} — ${s.replacements.message}.`);
  notes.push(
    `Thresholds: retire below ${pct(s.thresholds.retireRatio)} of the reference RankIC or on a sign flip with |t| ≥ ${s.thresholds.flipT}; ` +
      `watch below ${pct(s.thresholds.watchRatio)} or at |corr| ≥ ${s.thresholds.maxCorrelation} with a stronger factor; at least ${s.thresholds.minDays} days.`,
  );

  const bt = oos?.backtest ?? null;
  const btSum = oos?.backtestSummary ?? null;
  const dates = r.panel.dates;
  const w = { from: dates.indexOf(s.window.start), to: dates.indexOf(s.window.end) };
  const outcomeById = new Map(s.factors.map((f) => [f.id, f]));
  return {
    title: "quanta retrain report",
    generatedAt: r.generatedAt,
    data: {
      source: s.data.source,
      instruments: s.data.instruments,
      firstDate: s.data.firstDate,
      lastDate: s.data.lastDate,
      fingerprint: s.data.fingerprint,
      benchmark: "equal-weight universe",
    },
    ranges: [
      ...(oos ? [{ name: "fit (before window)", start: oos.fit.start, end: oos.fit.end }] : []),
      { name: "window", start: s.window.start, end: s.window.end },
    ],
    settings: {
      library: lib.path,
      run: s.run,
      "as of": s.asOf,
      window: `${s.window.start} .. ${s.window.end}`,
      model: s.model.options.kind,
      "train days": s.model.options.trainDays,
      topk: s.model.options.topk,
      n_drop: s.model.options.nDrop,
    },
    notes,
    metrics: oos
      ? [
          {
            range: "window (out of sample)",
            ic: oos.metrics.ic,
            icir: oos.metrics.icir,
            rankIc: oos.metrics.rankIc,
            rankIcir: oos.metrics.rankIcir,
            ...(btSum
              ? {
                  withCost: { arr: btSum.excessWithCost.arr, ir: btSum.excessWithCost.ir, mdd: btSum.excessWithCost.mdd, calmar: btSum.excessWithCost.calmar },
                  withoutCost: { arr: btSum.excess.arr, ir: btSum.excess.ir, mdd: btSum.excess.mdd, calmar: btSum.excess.calmar },
                  turnover: btSum.turnover,
                  winRate: btSum.excessWithCost.winRate,
                }
              : {}),
          },
        ]
      : [],
    ...(bt ? { backtest: { dates: [...bt.dates], return: bt.ret, bench: bt.bench, cost: bt.cost, turnover: bt.turnover } } : {}),
    ...(oos && w.from >= 0 && w.to >= w.from
      ? { icDaily: { dates: dates.slice(w.from, w.to + 1), ic: oos.daily.ic, rankIc: oos.daily.rankIc } }
      : {}),
    ...(r.survivors.length >= 2
      ? { correlation: { names: r.survivors.map((e) => `${e.factor.name} #${e.factor.id}`), matrix: matrixRows(r.corr) } }
      : {}),
    factors: r.factors.map((f) => {
      const o = outcomeById.get(f.id);
      return {
        name: `${f.name} #${f.id}`,
        expression: f.expression,
        dialect: f.dialect,
        hypothesis: f.hypothesis,
        description: f.description,
        status: o ? (o.before === o.after ? `${o.after} (${o.rule})` : `${o.before} → ${o.after}: ${o.reason}`) : f.status,
        metrics: Object.fromEntries(Object.entries(f.metrics).map(([k, m]) => [k, { ic: m.ic, icir: m.icir, rankIc: m.rankIc, rankIcir: m.rankIcir }])),
      };
    }),
    ...(() => {
      const l = reportLineage(lib, undefined, r.factors);
      return l.nodes.length ? { lineage: l } : {};
    })(),
  };
}
