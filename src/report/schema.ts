/**
 * What a report is made of. This is a boundary: the CLI assembles it from backtest results and the
 * factor library, so it is validated with zod before anything is rendered. Numbers may arrive as
 * NaN / ±Infinity (a day without a cross-section has no IC) and arrays as typed arrays; both are
 * normalised here so the renderer only ever sees `number | null` in plain arrays.
 */
import { z } from "zod";

/** A finite number, or null for "missing". NaN and ±Infinity become null; undefined stays absent. */
const num = z
  .custom<number | null>((v) => v === null || typeof v === "number", "expected a number or null")
  .transform((v) => (v === null || !Number.isFinite(v) ? null : v));

/** A series of optional numbers; typed arrays (Float64Array…) are accepted and copied. One check per array, not per cell. */
type NumArrayInput = ReadonlyArray<number | null> | Float64Array | Float32Array;
const numSeries = z
  .custom<NumArrayInput>(
    (v) =>
      v instanceof Float64Array ||
      v instanceof Float32Array ||
      (Array.isArray(v) && v.every((x) => x === null || typeof x === "number")),
    "expected an array of numbers (null or NaN for missing)",
  )
  .transform((v) => Array.from(v as ArrayLike<number | null>, (x) => (x === null || !Number.isFinite(x) ? null : x)));

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date as YYYY-MM-DD");

const text = z.string();

export const RangeSpecSchema = z.object({
  name: z.string().min(1),
  start: isoDate,
  end: isoDate,
});

/** Risk metrics of the daily excess return (DESIGN §4): ARR = mean × N, IR, MDD (on the cumulative sum), Calmar. */
export const RiskMetricsSchema = z.object({
  arr: num.optional(),
  ir: num.optional(),
  mdd: num.optional(),
  calmar: num.optional(),
});

/** The combined model's metrics on one named range. Anything missing is shown as "—". */
export const RangeMetricsSchema = z.object({
  range: z.string().min(1),
  ic: num.optional(),
  icir: num.optional(),
  rankIc: num.optional(),
  rankIcir: num.optional(),
  withCost: RiskMetricsSchema.optional(),
  withoutCost: RiskMetricsSchema.optional(),
  /** Mean daily turnover as a fraction of the previous day's value. */
  turnover: num.optional(),
  /** Fraction of days with positive excess return (with cost). */
  winRate: num.optional(),
});

/**
 * The daily portfolio series (usually the test range). Excess returns are derived here as DESIGN §4
 * defines them: excess without cost = return − bench, with cost = return − bench − cost.
 */
export const DailyBacktestSchema = z
  .object({
    dates: z.array(isoDate),
    /** Gross daily portfolio return. */
    return: numSeries,
    bench: numSeries,
    /** Cost as a fraction of the previous day's value. */
    cost: numSeries,
    turnover: numSeries.optional(),
  })
  .superRefine((d, ctx) => {
    for (const key of ["return", "bench", "cost", "turnover"] as const) {
      const arr = d[key];
      if (arr && arr.length !== d.dates.length)
        ctx.addIssue({ code: "custom", path: [key], message: `has ${arr.length} values for ${d.dates.length} dates` });
    }
  });

/** Daily IC and RankIC of the combined score (any dates; ranges are shaded on the chart). */
export const DailyIcSchema = z
  .object({
    dates: z.array(isoDate),
    ic: numSeries,
    rankIc: numSeries,
    /** Rolling-mean window in days drawn over the daily values. */
    window: z.number().int().min(2).max(250).default(20),
  })
  .superRefine((d, ctx) => {
    for (const key of ["ic", "rankIc"] as const)
      if (d[key].length !== d.dates.length)
        ctx.addIssue({ code: "custom", path: [key], message: `has ${d[key].length} values for ${d.dates.length} dates` });
  });

/** One row of the per-year table. When `annual` is absent it is computed from the daily series. */
export const AnnualRowSchema = z.object({
  year: z.number().int(),
  range: z.string().optional(),
  ic: num.optional(),
  rankIc: num.optional(),
  /** Sum of daily excess returns over the year, with and without cost. */
  excessWithCost: num.optional(),
  excessWithoutCost: num.optional(),
  bench: num.optional(),
  /** Max drawdown of the cumulative excess return with cost within the year. */
  mdd: num.optional(),
});

export const CorrelationSchema = z
  .object({
    names: z.array(text),
    matrix: z.array(numSeries),
  })
  .superRefine((c, ctx) => {
    const n = c.names.length;
    if (c.matrix.length !== n || c.matrix.some((row) => row.length !== n))
      ctx.addIssue({ code: "custom", path: ["matrix"], message: `must be ${n}×${n} to match names` });
  });

export const FactorMetricsSchema = z.object({
  ic: num.optional(),
  icir: num.optional(),
  rankIc: num.optional(),
  rankIcir: num.optional(),
});

export const FactorRowSchema = z.object({
  name: text,
  expression: text,
  dialect: text.optional(),
  hypothesis: text.optional(),
  description: text.optional(),
  status: text.optional(),
  /** Metrics keyed by range name ("train", "valid", …). */
  metrics: z.record(z.string(), FactorMetricsSchema).default({}),
});

export const LineageSchema = z
  .object({
    nodes: z.array(
      z.object({
        id: z.string().min(1),
        label: text.optional(),
        phase: z.enum(["original", "mutation", "crossover"]),
        round: z.number().int().min(0),
        reward: num.optional(),
        direction: text.optional(),
      }),
    ),
    edges: z.array(z.object({ parent: z.string(), child: z.string() })),
  })
  .superRefine((l, ctx) => {
    const ids = new Set<string>();
    l.nodes.forEach((n, i) => {
      if (ids.has(n.id)) ctx.addIssue({ code: "custom", path: ["nodes", i, "id"], message: `duplicate node id ${n.id}` });
      ids.add(n.id);
    });
    l.edges.forEach((e, i) => {
      if (!ids.has(e.parent) || !ids.has(e.child))
        ctx.addIssue({ code: "custom", path: ["edges", i], message: "edge refers to an unknown node" });
    });
  });

/** Synthetic data: the planted signals and how well mining found them. */
export const OracleSchema = z.object({
  note: text.optional(),
  signals: z.array(
    z.object({
      name: text,
      description: text.optional(),
      expression: text.optional(),
      /** The signal's true IC as reported by the generator. */
      trueIc: num.optional(),
      /** Best-matching mined factor and its correlation with the planted signal. */
      matchedFactor: text.optional(),
      matchCorr: num.optional(),
    }),
  ),
});

export const DataInfoSchema = z.object({
  source: text,
  instruments: z.number().int().min(0).optional(),
  firstDate: isoDate.optional(),
  lastDate: isoDate.optional(),
  universe: text.optional(),
  benchmark: text.optional(),
  fingerprint: text.optional(),
});

export const ReportDataSchema = z.object({
  title: text.default("quanta report"),
  campaign: text.optional(),
  /** ISO timestamp; defaults to the time of rendering. */
  generatedAt: z.string().optional(),
  data: DataInfoSchema,
  ranges: z.array(RangeSpecSchema).default([]),
  /** Run settings shown as a key/value list (model, topk, n_drop, deal price, N …). */
  settings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  /** Free-text notes (e.g. an analyst's summary); escaped like everything else. */
  notes: z.array(text).default([]),
  metrics: z.array(RangeMetricsSchema).default([]),
  backtest: DailyBacktestSchema.optional(),
  icDaily: DailyIcSchema.optional(),
  annual: z.array(AnnualRowSchema).optional(),
  correlation: CorrelationSchema.optional(),
  factors: z.array(FactorRowSchema).default([]),
  lineage: LineageSchema.optional(),
  oracle: OracleSchema.optional(),
});

/** Validated report data, as the renderer sees it. */
export type ReportData = z.output<typeof ReportDataSchema>;
/** What callers pass in (NaN, typed arrays and omitted defaults allowed). */
export type ReportDataInput = z.input<typeof ReportDataSchema>;
export type RangeSpec = z.output<typeof RangeSpecSchema>;
export type RangeMetrics = z.output<typeof RangeMetricsSchema>;
export type AnnualRow = z.output<typeof AnnualRowSchema>;
export type FactorRow = z.output<typeof FactorRowSchema>;
export type Lineage = z.output<typeof LineageSchema>;
export type DailyBacktest = z.output<typeof DailyBacktestSchema>;
export type DailyIc = z.output<typeof DailyIcSchema>;
export type Correlation = z.output<typeof CorrelationSchema>;
export type Oracle = z.output<typeof OracleSchema>;

/** Parse report data, with a readable message naming the offending path on failure. */
export function parseReportData(input: unknown): ReportData {
  const r = ReportDataSchema.safeParse(input);
  if (!r.success) throw new Error(`invalid report data:\n${z.prettifyError(r.error)}`);
  return r.data;
}
