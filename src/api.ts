/**
 * The library API, for scripts and notebooks that analyse a factor library without the CLI:
 *
 *   import { openLibrary, listFactors, loadFactorValues, loadFactorMetrics, toDataFrame } from "quanta";
 *   const lib = openLibrary("lib.db");
 *   const best = listFactors(lib, { status: ["active"], sort: "rankIc", limit: 10 });
 *   const values = await loadFactorValues(lib, "prices.csv.gz", { ids: best.map((f) => f.id) });
 *   values.date[0], values.instrument[0], values[best[0].name]   // plain typed columns
 *   const df = await toDataFrame(values);                        // a danfojs DataFrame, if installed
 *
 * Everything returns plain data: string arrays and Float64Arrays (NaN = missing), one entry per
 * row. `danfojs` (pure JS, 1.1.2) is an optional peer: only `toDataFrame` and the `*Frame`
 * helpers need it, and they say how to install it when it is absent.
 */
import { QuantaError } from "../factors/errors.ts";
import type { Panel } from "../factors/panel.ts";
import { dateIndexRange } from "../backtest/split.ts";
import { spanRowCells } from "./io/factor-output.ts";
import { FactorLibrary, factorMetricColumns, type FactorMetricColumns, type StoredFactor } from "./library/index.ts";
import { selectFactors, uniqueNames, type FactorSelection } from "./review/select.ts";
import { evaluateStoredFactors } from "./review/values.ts";
import { InProcessEvaluator, poolEvaluator, type FactorEvaluator } from "./evolution/evaluator.ts";

export { FactorLibrary } from "./library/index.ts";
export type { StoredFactor, FactorStatus, FactorMetricColumns, Campaign, RetrainRun } from "./library/index.ts";
export type { FactorSelection } from "./review/select.ts";
export { loadLibraryFactorSet, type LibraryFactorSet, type LibraryFactorSetOptions } from "./review/transfer.ts";
export { factorDetail, type FactorDetail } from "./review/detail.ts";
export { exportFactors, type ExportFormat } from "./review/export.ts";
export type { RetrainOptions, RetrainOutcome, RetrainSummary } from "./retrain/index.ts";

/** Retrain a library on new data (see `quanta retrain`); loaded lazily, it pulls in the report renderer. */
export async function runRetrain(o: import("./retrain/index.ts").RetrainOptions): Promise<import("./retrain/index.ts").RetrainOutcome> {
  const m = await import("./retrain/run.ts");
  return m.runRetrain(o);
}

/** Open a library file (read-only by default: analysis never changes it). */
export function openLibrary(path: string, opts: { readonly?: boolean } = {}): FactorLibrary {
  return FactorLibrary.open(path, { readonly: opts.readonly ?? true });
}

type LibraryRef = FactorLibrary | string;

function withLibrary<T>(ref: LibraryRef, fn: (lib: FactorLibrary) => T): T {
  if (typeof ref !== "string") return fn(ref);
  const lib = openLibrary(ref);
  try {
    return fn(lib);
  } finally {
    lib.close();
  }
}

async function withLibraryAsync<T>(ref: LibraryRef, fn: (lib: FactorLibrary) => Promise<T>): Promise<T> {
  if (typeof ref !== "string") return fn(ref);
  const lib = openLibrary(ref);
  try {
    return await fn(lib);
  } finally {
    lib.close();
  }
}

/** Factors matching a selection (campaign, status, metric thresholds, sort, limit, ids). */
export function listFactors(lib: LibraryRef, sel: FactorSelection = {}): StoredFactor[] {
  return withLibrary(lib, (l) => selectFactors(l, sel));
}

/** Stored metrics of the selected factors on one split (default `valid`) as typed columns. */
export function loadFactorMetrics(lib: LibraryRef, opts: FactorSelection & { split?: string } = {}): FactorMetricColumns {
  return withLibrary(lib, (l) => factorMetricColumns(selectFactors(l, opts), opts.split ?? "valid"));
}

/**
 * One row per (instrument, date) inside each instrument's span (and the date range), sorted by
 * instrument then date; one Float64Array per factor, keyed by a unique column name (the factor's
 * name, or `name_<id>` when two share one). `date` and `instrument` are reserved.
 */
export interface FactorColumns {
  date: string[];
  instrument: string[];
  [name: string]: Float64Array | string[];
}

export interface LoadValuesOptions extends FactorSelection {
  /** Rows from this date on (earlier data is still used as history). */
  readonly start?: string;
  /** Rows up to this date; later data is not read. */
  readonly end?: string;
  /** Membership file for the data (instrument,start_date,end_date). */
  readonly universe?: string;
  /** Worker threads for evaluation (default 1: evaluate in this thread). */
  readonly threads?: number;
  /** Called for each selected factor that cannot be evaluated on this data (e.g. a missing field). */
  readonly onSkip?: (factor: StoredFactor, reason: string) => void;
}

/** Evaluate a library's (selected) factors on a data source or a loaded panel. */
export async function loadFactorValues(lib: LibraryRef, data: string | Panel | { panel: Panel }, opts: LoadValuesOptions = {}): Promise<FactorColumns> {
  const factors = withLibrary(lib, (l) => selectFactors(l, opts));
  let panel: Panel;
  if (typeof data === "string") {
    const { loadPanel } = await import("./data/load.ts");
    panel = (await loadPanel(data, { ...(opts.end ? { end: opts.end } : {}), ...(opts.universe ? { membership: opts.universe } : {}) })).panel;
  } else panel = "panel" in data ? data.panel : data;
  let evaluator: FactorEvaluator = new InProcessEvaluator();
  let close: (() => Promise<void>) | undefined;
  if (opts.threads !== undefined && opts.threads > 1) {
    const { EvalPool } = await import("./pool/pool.ts");
    const pool = new EvalPool({ threads: opts.threads });
    evaluator = poolEvaluator(pool);
    close = () => pool.close();
  }
  try {
    const ev = await evaluateStoredFactors(panel, factors, evaluator);
    for (const s of ev.skipped) opts.onSkip?.(s.factor, s.reason);
    const cells = spanRowCells(panel, dateIndexRange(panel, { start: opts.start ?? "0000-01-01", end: opts.end ?? "9999-12-31" }));
    const { nDates } = panel;
    const out: FactorColumns = {
      date: Array.from(cells, (c) => panel.dates[c % nDates]!),
      instrument: Array.from(cells, (c) => panel.instruments[(c / nDates) | 0]!),
    };
    const names = uniqueNames(
      ev.evaluated.map((e) => e.factor),
      ["date", "instrument"],
    );
    ev.evaluated.forEach((e, k) => {
      const col = new Float64Array(cells.length);
      for (let r = 0; r < cells.length; r++) col[r] = e.values[cells[r]!]!;
      out[names[k]!] = col;
    });
    return out;
  } finally {
    await close?.();
  }
}

/** A factor column of a FactorColumns table, typed (throws for an unknown name). */
export function factorColumn(cols: FactorColumns, name: string): Float64Array {
  const c = cols[name];
  if (!(c instanceof Float64Array)) throw new QuantaError(`no factor column "${name}" (columns: ${Object.keys(cols).join(", ")})`);
  return c;
}

// ---------------------------------------------------------------------------------------------
// danfojs interop (optional peer dependency)

/** What `toDataFrame` needs of the danfojs module. */
interface DanfoModule {
  DataFrame: new (data: Record<string, unknown[]>) => unknown;
}

const DANFO_HINT = "install the optional peer dependency with `npm install danfojs@1.1.2` (the plain typed columns need nothing)";

async function importDanfo(): Promise<DanfoModule> {
  // A computed specifier: danfojs is optional and usually absent, which must not break the build.
  const specifier = ["danfo", "js"].join("");
  let mod: unknown;
  try {
    mod = await import(specifier);
  } catch {
    throw new QuantaError(`DataFrames need danfojs, which is not installed: ${DANFO_HINT}`);
  }
  const m = mod as Partial<DanfoModule> & { default?: Partial<DanfoModule> };
  const DataFrame = m.DataFrame ?? m.default?.DataFrame;
  if (typeof DataFrame !== "function") throw new QuantaError(`the installed danfojs has no DataFrame export: ${DANFO_HINT}`);
  return { DataFrame };
}

export interface DataFrameOptions {
  /** Loads the danfojs module (default: `import("danfojs")`); for other builds or tests. */
  readonly load?: () => Promise<DanfoModule>;
}

/** Typed columns → a danfojs DataFrame (typed arrays become plain arrays; NaN stays NaN). */
export async function toDataFrame(columns: object, opts: DataFrameOptions = {}): Promise<unknown> {
  const { DataFrame } = await (opts.load ?? importDanfo)();
  const data: Record<string, unknown[]> = {};
  for (const [k, v] of Object.entries(columns)) {
    if (typeof v === "string" || typeof v === "number") continue; // scalars such as FactorMetricColumns.split
    if (Array.isArray(v)) data[k] = v as unknown[];
    else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) data[k] = Array.from(v as unknown as ArrayLike<number>);
  }
  return new DataFrame(data);
}

/** `loadFactorValues` as a danfojs DataFrame. */
export async function loadFactorValuesFrame(lib: LibraryRef, data: string | Panel | { panel: Panel }, opts: LoadValuesOptions & DataFrameOptions = {}): Promise<unknown> {
  return toDataFrame(await loadFactorValues(lib, data, opts), opts);
}

/** `loadFactorMetrics` as a danfojs DataFrame. */
export async function loadFactorMetricsFrame(lib: LibraryRef, opts: FactorSelection & { split?: string } & DataFrameOptions = {}): Promise<unknown> {
  return withLibraryAsync(lib, async (l) => toDataFrame(loadFactorMetrics(l, opts), opts));
}
