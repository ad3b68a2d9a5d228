/**
 * Where the panel cache lives and how its entries are named — apart from ./panel-cache.ts so that
 * entry.ts can look before the CLI has loaded (no dependencies beyond node:).
 *
 * An entry is named after the SHA-256 of the source file's bytes and its full key (which adds the
 * loading options): `<file sha, 32 hex>-<key, 32 hex>.qpanel`. So whether any panel of a file is
 * cached can be told from the names alone (prefetch.ts uses that to skip a gunzip).
 */
import { readdir } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

export const ENTRY_SUFFIX = ".qpanel";
export const TMP_SUFFIX = ".tmp";

/** The cache directory from the environment, or undefined when caching is off. */
export function panelCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = env.QUANTA_CACHE_DIR?.trim();
  if (v !== undefined && v !== "") {
    return /^(off|0|false|no|none)$/i.test(v) ? undefined : v;
  }
  const xdg = env.XDG_CACHE_HOME?.trim();
  const base = xdg ? xdg : join(env.HOME?.trim() || homedir(), ".cache");
  return join(base, "quanta", "panels");
}

/** The file name of the entry for a source file's SHA-256 and the entry's key (both hex). */
export function entryName(fileSha256: string, key: string): string {
  return `${fileSha256.slice(0, 32)}-${key.slice(0, 32)}${ENTRY_SUFFIX}`;
}

/** Whether `dir` holds an entry (for any options) of the file whose bytes hash to `fileSha256`. */
export async function cacheHasFile(dir: string, fileSha256: string): Promise<boolean> {
  const prefix = `${fileSha256.slice(0, 32)}-`;
  try {
    return (await readdir(dir)).some((n) => n.startsWith(prefix) && n.endsWith(ENTRY_SUFFIX));
  } catch {
    return false;
  }
}
