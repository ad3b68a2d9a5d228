/**
 * The backtest pipeline as one library call, shared by `quanta backtest`, the mining controller's
 * final test and the retrain: factor values → combination model fitted on train (early-stopped on
 * valid) → scores on every range → IC / RankIC per range → TopK-Dropout portfolio → risk metrics
 * and a per-year breakdown. Given ready scores instead of factors, the model step is skipped.
 *
 * Every reader sees only its split: the model reads the train (and valid) labels through sealed
 * splits, so a label realised after a range's end is never read; scores of day t−1 drive the trades
 * of day t, and only inside the simulated range (its first day holds cash).
 */
import type { Panel } from "../../factors/panel.ts";
import { QuantaError } from "../../factors/errors.ts";
import { labelReturns } from "../../backtest/label.ts";
import { Split, checkSplits, type DateRange } from "../../backtest/split.ts";
import { ICEvaluator, LabelCrossSections, summarizeIC, type DailyIC, type ICSummary } from "../../backtest/ic.ts";
import { fitModel, scoreSplit, type Model, type ModelSpec } from "../../backtest/models/index.ts";
import { simulateTopk, type TopkOptions, type TopkResult } from "../../backtest/topk.ts";
import { equalWeightBenchmark } from "../../backtest/benchmark.ts";
import { annualBreakdown, summarizeBacktest, TRADING_DAYS, type BacktestSummary, type YearRow } from "../../backtest/risk.ts";

export type RangeName = "train" | "valid" | "test";
/** Ranges in calendar order; a backtest uses the ones it is given, in this order. */
export const RANGE_NAMES: readonly RangeName[] = ["train", "valid", "test"];

export type BacktestRanges = { readonly test: DateRange } & { readonly [K in Exclude<RangeName, "test">]?: DateRange };

/** One feature of the model: a factor's values on the panel (instrument-major). */
export interface BacktestFactor {
  readonly name: string;
  readonly values: Float64Array;
}

export interface BacktestOptions {
  readonly ranges: BacktestRanges;
  /** Features to fit the model on (needs a train range). Exactly one of `factors` and `scores`. */
  readonly factors?: readonly BacktestFactor[];
  /** Ready scores (instrument-major): no model; backtested and measured as given. */
  readonly scores?: Float64Array;
  /** Default `{ kind: "linear" }`. `gbdt` early-stops on the valid range. */
  readonly model?: ModelSpec;
  /** The label (default `labelReturns(panel)`); pass it when it is already computed. */
  readonly label?: Float64Array;
  readonly topk?: TopkOptions;
  /** Benchmark daily return per calendar date (NaN counts as 0). Default: the equal-weight universe. */
  readonly bench?: Float64Array;
  /** Annualisation N. Default 252. */
  readonly tradingDays?: number;
  /** Ranges to run the portfolio on. Default: every range (train and valid are in-sample for the model). */
  readonly portfolioRanges?: readonly RangeName[];
  /** Also measure every factor's IC on every range (for the report's factor table). Default false. */
  readonly factorMetrics?: boolean;
  /** Only read labels realised inside each range (default true). */
  readonly sealLabel?: boolean;
  /** Called after each step with its wall time. */
  readonly onStep?: (step: BacktestStep, ms: number, detail: string) => void;
}

export type BacktestStep = "label" | "fit" | "score" | "ic" | "portfolio" | "factor-ic";

export interface RangeOutcome {
  readonly name: RangeName;
  readonly split: Split;
  /** IC / RankIC / ICIR / RankICIR of the score against the label. */
  readonly ic: ICSummary;
  readonly daily: DailyIC;
  /** The TopK-Dropout simulation, its risk metrics, when this range was simulated. */
  readonly portfolio?: TopkResult;
  readonly summary?: BacktestSummary;
  /** Per calendar year: IC means, and excess returns when simulated. */
  readonly annual: YearRow[];
}

export interface FactorRangeMetrics {
  readonly name: string;
  readonly metrics: Readonly<Partial<Record<RangeName, ICSummary>>>;
}

export interface BacktestOutcome {
  /** The ranges given, in calendar order. */
  readonly ranges: readonly RangeOutcome[];
  readonly test: RangeOutcome;
  /** The fitted model (absent with ready scores). */
  readonly model?: Model;
  /** Scores on every range (instrument-major, NaN outside them). */
  readonly scores: Float64Array;
  readonly label: Float64Array;
  readonly bench: Float64Array;
  readonly tradingDays: number;
  readonly factorMetrics?: readonly FactorRangeMetrics[];
  /** Wall time per step, ms. */
  readonly timings: Readonly<Partial<Record<BacktestStep, number>>>;
}

/** Splits of the given ranges, checked: each holds a trading date, none overlap, calendar order. */
export function backtestSplits(panel: Pick<Panel, "dates">, ranges: BacktestRanges, opts: { sealLabel?: boolean } = {}): Split[] {
  const splits: Split[] = [];
  for (const name of RANGE_NAMES) {
    const r = ranges[name];
    if (r) splits.push(Split.of(panel, name, r, { sealLabel: opts.sealLabel ?? true }));
  }
  checkSplits(splits);
  return splits;
}

export async function runBacktest(panel: Panel, opts: BacktestOptions): Promise<BacktestOutcome> {
  if ((opts.factors === undefined) === (opts.scores === undefined)) {
    throw new Error("runBacktest: give exactly one of factors and scores");
  }
  const timings: Partial<Record<BacktestStep, number>> = {};
  const step = async <T>(name: BacktestStep, work: () => T | Promise<T>, detail: (r: T) => string = () => ""): Promise<T> => {
    const t0 = performance.now();
    const r = await work();
    const ms = performance.now() - t0;
    timings[name] = (timings[name] ?? 0) + ms;
    opts.onStep?.(name, ms, detail(r));
    return r;
  };

  const splits = backtestSplits(panel, opts.ranges, opts);
  const byName = new Map(splits.map((s) => [s.name as RangeName, s]));
  const label = opts.label ?? (await step("label", () => labelReturns(panel)));
  const N = opts.tradingDays ?? TRADING_DAYS;

  let model: Model | undefined;
  let scores: Float64Array;
  if (opts.factors) {
    const features = opts.factors.map((f) => f.values);
    if (features.length === 0) throw new QuantaError("no factor to fit the model on");
    const train = byName.get("train");
    if (!train) throw new QuantaError("fitting a model needs a train range");
    const spec = opts.model ?? { kind: "linear" as const };
    const valid = byName.get("valid");
    if (spec.kind === "gbdt" && !valid) throw new QuantaError("the gbdt model needs a valid range (early stopping)");
    const data = { panel, features, label };
    model = await step("fit", () => fitModel(spec, data, train, valid), (m) => modelDetail(m));
    const fitted = model;
    scores = await step("score", () => {
      const out = new Float64Array(panel.nDates * panel.nInst).fill(NaN);
      const { nDates } = panel;
      for (const s of splits) {
        const part = scoreSplit(fitted, data, s);
        for (let i = 0; i < panel.nInst; i++) {
          const base = i * nDates;
          out.set(part.subarray(base + s.from, base + s.to + 1), base + s.from);
        }
      }
      return out;
    });
  } else {
    scores = opts.scores!;
    if (scores.length !== panel.nDates * panel.nInst) throw new Error("runBacktest: scores do not match the panel's shape");
  }

  const daily = await step(
    "ic",
    () => splits.map((s) => new ICEvaluator(label, panel, s).daily(scores)),
    (d) => splits.map((s, k) => `${s.name} RankIC ${fmt(summarizeIC(d[k]!).rankIc)}`).join(", "),
  );

  const bench = opts.bench ?? equalWeightBenchmark(panel);
  const simulate = new Set<RangeName>(opts.portfolioRanges ?? RANGE_NAMES);
  const sims = await step(
    "portfolio",
    () =>
      splits.map((s) =>
        simulate.has(s.name as RangeName) ? simulateTopk({ panel, scores, window: s, bench }, opts.topk ?? {}) : undefined,
      ),
    (r) => {
      const t = r[splits.length - 1];
      return t ? `test excess ARR ${fmt(summarizeBacktest(t, N).excessWithCost.arr)} with cost` : "";
    },
  );

  const ranges: RangeOutcome[] = splits.map((split, k) => {
    const portfolio = sims[k];
    return {
      name: split.name as RangeName,
      split,
      ic: summarizeIC(daily[k]!),
      daily: daily[k]!,
      ...(portfolio ? { portfolio, summary: summarizeBacktest(portfolio, N) } : {}),
      annual: annualBreakdown(panel.dates, { daily: daily[k]!, ...(portfolio ? { portfolio } : {}) }, N),
    };
  });

  let factorMetrics: FactorRangeMetrics[] | undefined;
  if (opts.factorMetrics && opts.factors) {
    const factors = opts.factors;
    factorMetrics = await step("factor-ic", () => {
      const out = factors.map((f) => ({ name: f.name, metrics: {} as Partial<Record<RangeName, ICSummary>> }));
      for (const s of splits) {
        const ev = new ICEvaluator(new LabelCrossSections(label, panel, s), panel, s);
        factors.forEach((f, k) => (out[k]!.metrics[s.name as RangeName] = ev.metrics(f.values)));
      }
      return out;
    });
  }

  return {
    ranges,
    test: ranges[ranges.length - 1]!,
    ...(model ? { model } : {}),
    scores,
    label,
    bench,
    tradingDays: N,
    ...(factorMetrics ? { factorMetrics } : {}),
    timings,
  };
}

/** One line about a fitted model, for progress output. */
export function modelDetail(m: Model): string {
  const s = m.state;
  if (s.kind === "gbdt") {
    const i = s.info;
    return `gbdt: ${i.bestRounds} trees kept of ${i.roundsTrained} trained on ${i.trainRows} rows`;
  }
  return `linear (ridge λ ${s.lambda}, ${s.weights.length} features)`;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(4) : "nan";
}

/**
 * Scores outside the panel's membership become NaN (a non-member is not ranked, not traded and not
 * in the IC). Returns the number of finite scores removed. No-op without a membership mask.
 */
export function maskToMembers(scores: Float64Array, panel: Panel): number {
  const m = panel.member;
  if (!m) return 0;
  let removed = 0;
  for (let p = 0; p < scores.length; p++) {
    if (m[p] !== 1 && !Number.isNaN(scores[p]!)) {
      scores[p] = NaN;
      removed++;
    }
  }
  return removed;
}
