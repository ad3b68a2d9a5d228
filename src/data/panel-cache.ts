/**
 * A cache of loaded panels, so a data file is parsed once, not on every command: a long CSV of
 * the S&P 500 (10 MB gzip, 620k rows) takes ~0.5 s of CPU to gunzip, parse and place, while its
 * cached panel (25 MB of float64) reads back in a few tens of milliseconds — for `quanta ic` that
 * is a fifth of the whole run. qlib's own answer is a separate binary dump step; this one is
 * automatic and safe to forget about:
 *
 * - **Keyed by content**, not by name or date: the key hashes the file's bytes (SHA-256, ~6 ms
 *   for 10 MB), the path as given (it appears in warnings), every loader option that changes the
 *   result, the membership file's bytes, and CACHE_REVISION. Edit the file, even keeping its size
 *   and mtime, and the next load misses.
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
import { ENTRY_SUFFIX, TMP_SUFFIX, entryName } from "./panel-cache-dir.ts";
import { prefetchedSha256 } from "./prefetch.ts";

export { panelCacheDir } from "./panel-cache-dir.ts";

/**
 * Bump whenever a loader changes what it produces from the same bytes (a parsing fix, a new
 * warning, a different calendar rule): entries made by the old code then stop matching.
 */
export const CACHE_REVISION = 1;
/** Layout of an entry file (see writeEntry). */
const FORMAT = 1;
const MAGIC = 0x4c4e5051; // "QPNL" read as a little-endian u32: a big-endian reader sees it wrong and misses
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
 * The SHA-256 of the file's bytes and the entry key of loading it with `opts` (which adds the
 * options, the membership file's bytes and CACHE_REVISION). The file's hash comes from its
 * prefetch (prefetch.ts) when there is one.
 */
export async function panelCacheKey(path: string, opts: CachedLoadOptions): Promise<{ fileSha256: string; key: string }> {
  const fileSha256 = (await prefetchedSha256(path)) ?? hashFile(path);
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
    sha256: fileSha256,
    end: opts.end ?? null,
    instruments: opts.instruments ?? null,
    strict: opts.strict === true,
    membership,
  };
  return { fileSha256, key: createHash("sha256").update(JSON.stringify(what)).digest("hex") };
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

const align8 = (n: number) => (n + 7) & ~7;

/** Byte offsets of an entry's arrays after a header of `headerBytes`. */
function layout(h: Header, headerBytes: number) {
  const nInst = h.instruments.length;
  const nCells = nInst * h.dates.length;
  const spans = align8(12 + headerBytes);
  const fields = align8(spans + 8 * nInst);
  const member = fields + 8 * nCells * h.fields.length;
  const total = member + (h.member ? nCells : 0);
  return { nInst, nCells, spans, fields, member, total };
}

/**
 * The entry for `key`, or undefined (absent, unreadable, or not a well-formed entry for this key).
 * Arrays are read straight into SharedArrayBuffers, as the loaders make them (workers share them).
 */
function readEntry(file: string, key: string): LoadResult | undefined {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return undefined;
  }
  try {
    const size = statSync(file).size;
    const pre = Buffer.alloc(12);
    if (readSync(fd, pre, 0, 12, 0) !== 12) return undefined;
    if (pre.readUInt32LE(0) !== MAGIC || pre.readUInt32LE(4) !== FORMAT) return undefined;
    const headerBytes = pre.readUInt32LE(8);
    if (12 + headerBytes > size) return undefined;
    const text = Buffer.alloc(headerBytes);
    if (readSync(fd, text, 0, headerBytes, 12) !== headerBytes) return undefined;
    let parsed: Header;
    try {
      const r = Header.safeParse(JSON.parse(text.toString("utf8")));
      if (!r.success) return undefined;
      parsed = r.data;
    } catch {
      return undefined;
    }
    if (parsed.key !== key) return undefined;
    const at = layout(parsed, headerBytes);
    if (at.total !== size) return undefined;
    const readInto = (view: Uint8Array, pos: number): boolean => {
      let done = 0;
      while (done < view.length) {
        const n = readSync(fd, view, done, view.length - done, pos + done);
        if (n <= 0) return false;
        done += n;
      }
      return true;
    };
    const spans = new Int32Array(2 * at.nInst);
    if (!readInto(new Uint8Array(spans.buffer), at.spans)) return undefined;
    const fields = new Map<string, Float64Array>();
    for (let k = 0; k < parsed.fields.length; k++) {
      const sab = new SharedArrayBuffer(8 * at.nCells);
      if (!readInto(new Uint8Array(sab), at.fields + 8 * at.nCells * k)) return undefined;
      fields.set(parsed.fields[k]!, new Float64Array(sab));
    }
    let member: Uint8Array | undefined;
    if (parsed.member) {
      member = new Uint8Array(new SharedArrayBuffer(at.nCells));
      if (!readInto(member, at.member)) return undefined;
    }
    const first = spans.slice(0, at.nInst);
    const last = spans.slice(at.nInst);
    for (let i = 0; i < at.nInst; i++) {
      const f = first[i]!, l = last[i]!;
      if (!((f <= l && f >= 0 && l < parsed.dates.length) || (f === parsed.dates.length && l === -1))) return undefined;
    }
    const panel = assemblePanel({ dates: parsed.dates, instruments: parsed.instruments, fields, first, last, member });
    return { panel, warnings: parsed.warnings };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
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
  const at = layout(h, text.length);
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

/** Deletes every entry (and stray temporary file) in a cache directory; returns how many entries went. */
export function clearPanelCache(dir: string): number {
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
  env: NodeJS.ProcessEnv = process.env,
): Promise<CachedLoad> {
  let fileSha256: string;
  let key: string;
  try {
    ({ fileSha256, key } = await panelCacheKey(path, opts));
  } catch {
    // The file cannot be read: the loader reports that with its own message.
    return { result: await load(), hit: false, stored: Promise.resolve() };
  }
  const file = join(dir, entryName(fileSha256, key));
  const cached = readEntry(file, key);
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
