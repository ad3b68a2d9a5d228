/**
 * Loading market data for a command: the panel plus the loader's warnings (reported on stderr so
 * stdout stays for results).
 */
import { loadPanel, type LoadedPanel } from "../data/load.ts"; // not the barrel: it pulls in the Parquet reader
import { panelCacheDir } from "../data/panel-cache.ts";
import type { DataWarning } from "../data/errors.ts";

export interface LoadDataOptions {
  readonly end?: string;
  readonly start?: string;
  readonly universe?: string;
  readonly strict?: boolean;
  readonly onWarning?: (message: string) => void;
  /** Use the panel cache (default true; QUANTA_CACHE_DIR=off turns it off everywhere). */
  readonly cache?: boolean;
}

export async function loadData(source: string, opts: LoadDataOptions = {}): Promise<LoadedPanel> {
  const loaded = await loadPanel(source, {
    ...(opts.end ? { end: opts.end } : {}),
    ...(opts.start ? { start: opts.start } : {}),
    ...(opts.universe ? { membership: opts.universe } : {}),
    ...(opts.strict ? { strict: true } : {}),
    ...cacheDirOption(opts.cache ?? true),
  });
  const warn = opts.onWarning ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  for (const w of loaded.warnings) warn(w.message);
  return loaded;
}

export type { DataWarning };

function cacheDirOption(use: boolean): { cacheDir?: string } {
  const dir = use ? panelCacheDir() : undefined;
  return dir === undefined ? {} : { cacheDir: dir };
}
