import { existsSync, statSync } from "node:fs";
import { DataError } from "./errors.ts";
import { loadCsvPanel } from "./csv-long.ts";
import { loadQlibDir, type QlibLoadOptions } from "./qlib.ts";
import { generateSyntheticMarket, type SyntheticMarket, type SyntheticOptions } from "./synthetic/market.ts";
import { restrictPanel } from "./restrict.ts";
import { membershipMask, readMembership } from "./membership.ts";
import { assemblePanel, type LoadResult } from "./panel-builder.ts";
import { loadThroughCache } from "./panel-cache.ts";

export interface LoadPanelOptions extends QlibLoadOptions {
  /** Generator options for `synthetic[:SEED]` sources (the seed comes from the source string). */
  readonly synthetic?: Omit<SyntheticOptions, "seed">;
  /**
   * A directory for the panel cache (./panel-cache.ts): a CSV or Parquet file loaded before with the
   * same bytes and options is read back from there instead of parsed. Off when absent.
   */
  readonly cacheDir?: string;
}

export type SourceKind = "csv" | "parquet" | "qlib" | "synthetic";

export interface LoadedPanel extends LoadResult {
  readonly kind: SourceKind;
  /**
   * For synthetic sources: the generated market (planted signals, oracle).
   * Its arrays align with `market.panel`, which differs from `panel` when
   * end/instruments options restricted it.
   */
  readonly market?: SyntheticMarket;
}

/** `synthetic` → seed 42; `synthetic:7` → 7; `synthetic:abc` → string seed. Undefined if not synthetic. */
export function parseSyntheticSource(source: string): { seed: number | string } | undefined {
  const m = /^synthetic(?::(.+))?$/i.exec(source.trim());
  if (!m) return undefined;
  const s = m[1]?.trim();
  if (s === undefined || s === "") return { seed: 42 };
  return { seed: /^-?\d+$/.test(s) ? Number(s) : s };
}

/** What kind of source a string names (does not read it). */
export function sourceKind(source: string): SourceKind {
  if (parseSyntheticSource(source)) return "synthetic";
  if (existsSync(source) && statSync(source).isDirectory()) return "qlib";
  if (/\.parquet$/i.test(source)) return "parquet";
  return "csv";
}

/**
 * Load market data from any supported source: a qlib directory, a `.parquet`
 * file, a long CSV (`.csv`, `.csv.gz`, any name: gzip is detected by content),
 * or `synthetic` / `synthetic:SEED`.
 */
export async function loadPanel(source: string, opts: LoadPanelOptions = {}): Promise<LoadedPanel> {
  const kind = sourceKind(source);
  switch (kind) {
    case "qlib":
      return { kind, ...loadQlibDir(source, opts) };
    case "parquet":
    case "csv": {
      // The Parquet reader (hyparquet and its writer, ~50 modules, ~60 ms to import) only when
      // a Parquet file is actually parsed: not for CSV, not on a panel-cache hit.
      const load = async () => (kind === "csv" ? loadCsvPanel(source, opts) : (await import("./parquet.ts")).loadParquetPanel(source, opts));
      if (opts.cacheDir === undefined) return { kind, ...(await load()) };
      return { kind, ...(await loadThroughCache(source, opts, opts.cacheDir, load)).result };
    }
    case "synthetic": {
      const { seed } = parseSyntheticSource(source)!;
      const market = generateSyntheticMarket({ ...opts.synthetic, seed });
      let panel = restrictPanel(market.panel, opts, source);
      if (opts.membership !== undefined) {
        const intervals = typeof opts.membership === "string" ? readMembership(opts.membership) : opts.membership;
        const { member } = membershipMask(panel.dates, panel.instruments, intervals);
        panel = assemblePanel({ ...panel, member });
      }
      return { kind, panel, warnings: [], market };
    }
  }
}

/** Throw a DataError unless the path exists (for CLI flags that name files). */
export function requireExisting(path: string): void {
  if (!existsSync(path)) throw new DataError({ file: path }, "no such file");
}
