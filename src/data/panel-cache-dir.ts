/**
 * The panel cache's directory, entry names and hash index — apart from ./panel-cache.ts so that
 * entry.ts can look before the CLI has loaded (no dependencies beyond node:).
 *
 * An entry is named after the SHA-256 of the source file's bytes and its full key (which adds the
 * loading options): `<file sha, 32 hex>-<key, 32 hex>.qpanel`. So which entries hold panels of a
 * file can be told from the names alone.
 *
 * The hash index (`hashes.json`) remembers each source file's SHA-256 by the file's identity —
 * device, inode, size, and mtime and ctime in nanoseconds — so a file seen before is not read and
 * hashed again (~50 ms for 10 MB at start-up). Trusting the identity is git's trust in its index:
 * any write to a file, or any change of its times, updates its ctime, which the kernel sets and no
 * user can set back; a file replaced by another has another inode. As git does with "racy" files,
 * a hash is remembered only when the file's last change is older than RACY_MS when the hash is
 * taken, so an edit within one timestamp tick of the hashing cannot go unseen.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const ENTRY_SUFFIX = ".qpanel";
export const TMP_SUFFIX = ".tmp";
const INDEX_FILE = "hashes.json";
/** How old a file's last change must be for its hash to be remembered (see above). */
export const RACY_MS = 2000;
/** Files the hash index remembers (the most recently hashed). */
const INDEX_LIMIT = 256;

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

export interface CacheEntryInfo {
  readonly path: string;
  readonly bytes: number;
  readonly mtimeMs: number;
}

/** The entries in a cache directory (none when it does not exist). */
export function listEntries(dir: string): CacheEntryInfo[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: CacheEntryInfo[] = [];
  for (const name of names) {
    if (!name.endsWith(ENTRY_SUFFIX)) continue;
    const path = join(dir, name);
    try {
      const st = statSync(path);
      out.push({ path, bytes: st.size, mtimeMs: st.mtimeMs });
    } catch {
      /* removed meanwhile */
    }
  }
  return out;
}

/** The entries in `dir` holding panels of the file whose bytes hash to `fileSha256`, most recently used first. */
export function entriesOfFile(dir: string, fileSha256: string): string[] {
  const prefix = join(dir, `${fileSha256.slice(0, 32)}-`);
  return listEntries(dir)
    .filter((e) => e.path.startsWith(prefix))
    .sort((a, b) => b.mtimeMs - a.mtimeMs)
    .map((e) => e.path);
}

/** A regular file's identity (see above) and the time of its last change, or undefined. */
export function fileIdentity(path: string): { identity: string; changedMs: number; size: number } | undefined {
  try {
    const st = statSync(path, { bigint: true });
    if (!st.isFile()) return undefined;
    const changedNs = st.mtimeNs > st.ctimeNs ? st.mtimeNs : st.ctimeNs;
    return { identity: `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`, changedMs: Number(changedNs / 1000000n), size: Number(st.size) };
  } catch {
    return undefined;
  }
}

type HashIndex = Record<string, { sha256: string; at: number }>;

function readIndex(dir: string): HashIndex {
  try {
    const v: unknown = JSON.parse(readFileSync(join(dir, INDEX_FILE), "utf8"));
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as HashIndex) : {};
  } catch {
    return {};
  }
}

/** The remembered SHA-256 of a file of this identity, or undefined. */
export function knownSha256(dir: string, identity: string): string | undefined {
  const e = readIndex(dir)[identity];
  return e !== undefined && typeof e.sha256 === "string" && /^[0-9a-f]{64}$/.test(e.sha256) ? e.sha256 : undefined;
}

/**
 * Remembers a file's SHA-256, taken at `hashedAtMs`, unless the file had changed less than
 * `racyMs` before (see above). Best effort: an index that cannot be written is left as it was.
 */
export function rememberSha256(dir: string, file: { identity: string; changedMs: number }, sha256: string, hashedAtMs: number, racyMs = RACY_MS): void {
  if (hashedAtMs - file.changedMs < racyMs) return;
  const index = readIndex(dir);
  index[file.identity] = { sha256, at: hashedAtMs };
  const kept = Object.entries(index)
    .sort((a, b) => (b[1].at ?? 0) - (a[1].at ?? 0))
    .slice(0, INDEX_LIMIT);
  const tmp = join(dir, `${INDEX_FILE}.${process.pid}.${Math.random().toString(36).slice(2)}${TMP_SUFFIX}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(kept)));
    renameSync(tmp, join(dir, INDEX_FILE));
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      /* nothing written */
    }
  }
}

/** Removes the hash index (with the entries, by `quanta data cache --clear`). */
export function clearHashIndex(dir: string): void {
  try {
    unlinkSync(join(dir, INDEX_FILE));
  } catch {
    /* none */
  }
}
