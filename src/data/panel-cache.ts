/**
 * A cache of loaded panels, so a data file is parsed once, not on every command: a long CSV of
 * the S&P 500 (10 MB gzip, 620k rows) takes ~0.5 s of CPU to gunzip, parse and place, while its
 * cached panel (25 MB of float64) reads back in under 0.1 s — ~0.1 s off `quanta ic`'s ~2.1 s
 * (less than the parse itself costs: the start-up prefetch already overlaps part of it).
 * qlib's own answer is a separate binary dump step; this one is automatic and safe to forget about:
 *
 * - **Keyed by content**, not by name or date: the key hashes the file's bytes (SHA-256, ~6 ms
 *   for 10 MB; remembered by the file's identity, see panel-cache-dir.ts), the path as given (it
 *   appears in warnings), every loader option that changes the result, the membership file's
 *   bytes, and CACHE_REVISION. Edit the file, even keeping its size and mtime, and the next load
 *   misses.
 * - **Never half-written**: an entry is written to a temporary file and renamed into place, so a
 *   killed process or two processes at once leave either nothing or a whole entry; a reader
 *   checks the magic, the key stored inside, every length against the file's size, and the
 *   header through a schema, and treats anything else as a miss (the file is then rebuilt).
 * - **Best effort**: a cache directory that cannot be created or written costs nothing but the
 *   speed-up; the load itself never fails because of the cache.
 * - **Bounded**: least recently used entries go once the directory holds more than
 *   QUANTA_CACHE_MAX_MB (default 2048) megabytes.
 *
 * Where: $QUANTA_CACHE_DIR, else $XDG_CACHE_HOME/quanta/panels, else ~/.cache/quanta/panels.
 * QUANTA_CACHE_DIR=off (or 0, false, none) turns it off, as does `--no-cache` on the CLI.
 *
 * Only loads that succeed are cached (a strict-mode rejection is found again next time), with
 * their warnings, which are replayed on a hit. `--start` only checks that the calendar reaches
 * it, so it is not part of the key: the check runs on the cached panel.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readSync, statSync, unlinkSync, utimesSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { open, rename, unlink } from "node:fs/promises";
import { z } from "zod";
import type { MembershipInterval } from "./membership.ts";
import type { LoadResult } from "./panel-builder.ts";
import { assemblePanel } from "./panel-builder.ts";
import { checkStartCovered, optionSlot, type SelectOptions } from "./select.ts";
import { inBackground } from "../io/background-writes.ts";
import { ENTRY_SUFFIX, TMP_SUFFIX, clearHashIndex, entryName, fileIdentity, knownSha256, listEntries, rememberSha256, RACY_MS } from "./panel-cache-dir.ts";
import { FORMAT, MAGIC, entryLayout, readEntryParts, type EntryParts } from "./panel-cache-file.ts";
import { prefetchedSha256 } from "./prefetch.ts";

export { panelCacheDir, listEntries, type CacheEntryInfo } from "./panel-cache-dir.ts";

/**
 * Bump whenever a loader changes what it produces from the same bytes (a parsing fix, a new
 * warning, a different calendar rule): entries made by the old code then stop matching.
 */
export const CACHE_REVISION = 1;
/** A temporary file this old is left over from a killed process: eviction removes it. */
const STALE_TMP_MS = 10 * 60 * 1000;
const DEFAULT_MAX_MB = 2048;

/** The options of a file load that the cache distinguishes (everything but `start`, see above). */
export interface CachedLoadOptions extends SelectOptions {
  readonly strict?: boolean;
  readonly membership?: string | readonly MembershipInterval[];
}

/** SHA-256 of a file's bytes, read in 1 MB pieces (no whole-file buffer for big files). */
function hashFile(path: string): string {
  const h = createHash("sha256");
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest("hex");
}

/**
 * The SHA-256 of a file's bytes: from its start-up prefetch, else from the cache's hash index when
 * the file's identity is known there (see panel-cache-dir.ts), else read and hashed (and then
 * remembered in the index).
 */
function fileSha256(path: string, dir: string | undefined, racyMs: number): string {
  const pre = prefetchedSha256(path);
  if (pre !== undefined) return pre;
  const file = dir === undefined ? undefined : fileIdentity(path);
  const known = file === undefined ? undefined : knownSha256(dir!, file.identity);
  if (known !== undefined) return known;
  const at = Date.now();
  const sha = hashFile(path);
  if (file !== undefined && fileIdentity(path)?.identity === file.identity) rememberSha256(dir!, file, sha, at, racyMs);
  return sha;
}

/**
 * The SHA-256 of the file's bytes and the entry key of loading it with `opts` (which adds the
 * options, the membership file's bytes and CACHE_REVISION). `dir`: the cache, whose hash index may
 * know the file's hash already.
 */
export function panelCacheKey(path: string, opts: CachedLoadOptions, dir?: string, racyMs = RACY_MS): { fileSha256: string; key: string } {
  const sha = fileSha256(path, dir, racyMs);
  const membership =
    opts.membership === undefined
      ? null
      : typeof opts.membership === "string"
        ? { path: opts.membership, sha256: hashFile(opts.membership) }
        : { intervals: opts.membership };
  const what = {
    revision: CACHE_REVISION,
    format: FORMAT,
    path,
    sha256: sha,
    end: opts.end ?? null,
    instruments: opts.instruments ?? null,
    strict: opts.strict === true,
    membership,
  };
  return { fileSha256: sha, key: createHash("sha256").update(JSON.stringify(what)).digest("hex") };
}

const Warning = z.object({
  kind: z.enum(["high<low", "negative volume", "non-positive price", "membership without data"]),
  file: z.string(),
  count: z.number().int().nonnegative(),
  firstLines: z.array(z.number().int()),
  examples: z.array(z.string()),
  message: z.string(),
});

const Header = z.object({
  key: z.string(),
  dates: z.array(z.string()),
  instruments: z.array(z.string()),
  fields: z.array(z.string()).min(1),
  member: z.boolean(),
  warnings: z.array(Warning),
});
type Header = z.infer<typeof Header>;

/**
 * The entry for `key` from its file's parts, or undefined
 * when they are not a well-formed entry for this key. The arrays were read straight into
 * SharedArrayBuffers, as the loaders make them (workers share them).
 */
function entryFromParts(parts: EntryParts | undefined, key: string): LoadResult | undefined {
  if (parts === undefined) return undefined;
  const r = Header.safeParse(parts.header);
  if (!r.success || r.data.key !== key) return undefined;
  const h = r.data;
  const nInst = h.instruments.length;
  const nDates = h.dates.length;
  if (parts.fields.length !== h.fields.length || parts.spans.length !== 2 * nInst || (parts.member !== undefined) !== h.member) return undefined;
  const first = parts.spans.slice(0, nInst);
  const last = parts.spans.slice(nInst);
  for (let i = 0; i < nInst; i++) {
    const f = first[i]!, l = last[i]!;
    if (!((f <= l && f >= 0 && l < nDates) || (f === nDates && l === -1))) return undefined;
  }
  const fields = new Map<string, Float64Array>();
  h.fields.forEach((name, k) => fields.set(name, new Float64Array(parts.fields[k]!)));
  const member = parts.member === undefined ? undefined : new Uint8Array(parts.member);
  try {
    return { panel: assemblePanel({ dates: h.dates, instruments: h.instruments, fields, first, last, member }), warnings: h.warnings };
  } catch {
    return undefined; // a shape that does not add up
  }
}

/**
 * Writes the entry to a temporary file beside `file` and renames it into place (atomic on one
 * filesystem). Asynchronous: the writes run on libuv's threads while the caller computes with the
 * panel (whose arrays nobody modifies once loaded).
 */
async function writeEntry(file: string, key: string, r: LoadResult): Promise<void> {
  const { panel } = r;
  const h: Header = {
    key,
    dates: [...panel.dates],
    instruments: [...panel.instruments],
    fields: [...panel.fields.keys()],
    member: panel.member !== undefined,
    warnings: r.warnings.map((w) => ({ ...w, firstLines: [...w.firstLines], examples: [...w.examples] })),
  };
  const text = Buffer.from(JSON.stringify(h), "utf8");
  const at = entryLayout(h, text.length);
  const pre = Buffer.alloc(12);
  pre.writeUInt32LE(MAGIC, 0);
  pre.writeUInt32LE(FORMAT, 4);
  pre.writeUInt32LE(text.length, 8);
  const spans = new Int32Array(2 * at.nInst);
  spans.set(panel.first, 0);
  spans.set(panel.last, at.nInst);
  const parts: [Uint8Array, number][] = [
    [pre, 0],
    [text, 12],
    [new Uint8Array(spans.buffer), at.spans],
  ];
  let k = 0;
  for (const a of panel.fields.values()) parts.push([new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at.fields + 8 * at.nCells * k++]);
  if (panel.member) parts.push([panel.member, at.member]);
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}${TMP_SUFFIX}`;
  const fh = await open(tmp, "w");
  try {
    for (const [bytes, pos] of parts) {
      let done = 0;
      while (done < bytes.length) done += (await fh.write(bytes, done, bytes.length - done, pos + done)).bytesWritten;
    }
    await fh.close();
    await rename(tmp, file);
  } catch (e) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

/** Removes the least recently used entries (by mtime, refreshed on every hit) beyond the size limit. */
function evict(dir: string, keep: string, env: NodeJS.ProcessEnv): void {
  removeStaleTemporaries(dir);
  const maxMb = Number(env.QUANTA_CACHE_MAX_MB ?? DEFAULT_MAX_MB);
  const limit = (Number.isFinite(maxMb) && maxMb >= 0 ? maxMb : DEFAULT_MAX_MB) * 1024 * 1024;
  const entries = listEntries(dir).filter((e) => e.path !== keep);
  let total = entries.reduce((s, e) => s + e.bytes, 0) + statSync(keep).size;
  entries.sort((a, b) => a.mtimeMs - b.mtimeMs);
  for (const e of entries) {
    if (total <= limit) break;
    try {
      unlinkSync(e.path);
      total -= e.bytes;
    } catch {
      /* gone already (another process) */
    }
  }
}

function removeStaleTemporaries(dir: string): void {
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(TMP_SUFFIX)) continue;
    try {
      const path = join(dir, name);
      if (now - statSync(path).mtimeMs > STALE_TMP_MS) unlinkSync(path);
    } catch {
      /* removed meanwhile */
    }
  }
}

/** Deletes every entry (and stray temporary file) in a cache directory; returns how many entries went. */
export function clearPanelCache(dir: string): number {
  clearHashIndex(dir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let n = 0;
  for (const name of names) {
    if (!name.endsWith(ENTRY_SUFFIX) && !name.endsWith(TMP_SUFFIX)) continue;
    try {
      unlinkSync(join(dir, name));
      if (name.endsWith(ENTRY_SUFFIX)) n++;
    } catch {
      /* removed meanwhile */
    }
  }
  return n;
}

export interface CachedLoad {
  readonly result: LoadResult;
  /** True when the panel came from the cache. */
  readonly hit: boolean;
  /**
   * Settles when the entry made on a miss is in place (or failed to be: never rejects). Also
   * registered with ../io/background-writes.ts, which the CLI's main() waits for.
   */
  readonly stored: Promise<void>;
}

/**
 * Loads `path` through the cache in `dir`: the cached panel when there is a valid entry for this
 * file's bytes and these options, otherwise `load()`'s, which is then stored in the background
 * (`stored`). Errors of `load()` propagate unchanged;
 * errors of the cache itself are swallowed (a miss, or no entry stored).
 */
export async function loadThroughCache(
  path: string,
  opts: CachedLoadOptions,
  dir: string,
  load: () => Promise<LoadResult>,
  settings: { env?: NodeJS.ProcessEnv; racyMs?: number } = {},
): Promise<CachedLoad> {
  const env = settings.env ?? process.env;
  let fileSha256: string;
  let key: string;
  try {
    ({ fileSha256, key } = panelCacheKey(path, opts, dir, settings.racyMs ?? RACY_MS));
  } catch {
    // The file cannot be read: the loader reports that with its own message.
    return { result: await load(), hit: false, stored: Promise.resolve() };
  }
  const file = join(dir, entryName(fileSha256, key));
  const cached = entryFromParts(readEntryParts(file), key);
  if (cached !== undefined) {
    checkStartCovered(path, cached.panel.dates, optionSlot(path, "start", opts.start));
    try {
      const now = new Date();
      utimesSync(file, now, now); // recently used: evicted last
    } catch {
      /* read-only cache: fine */
    }
    return { result: cached, hit: true, stored: Promise.resolve() };
  }
  const result = await load();
  const stored = (async () => {
    mkdirSync(dir, { recursive: true });
    await writeEntry(file, key, result);
    evict(dir, file, env);
  })().catch(() => {
    /* an unwritable cache only loses the speed-up */
  });
  inBackground(stored);
  return { result, hit: false, stored };
}
