/**
 * Reading a command's data while the CLI is still starting. Loading the CLI's modules takes the
 * main thread ~0.15 s, during which libuv's threads are idle; entry.ts calls `prefetchDataFile`
 * first thing for a command that will load `--data FILE`:
 *
 * - a file the panel cache has a panel of, known by its identity (panel-cache-dir.ts): nothing to
 *   do — the cache reads its entry (reading it ahead on libuv's threads was measured: the main
 *   thread gets its data ~0.1 s sooner, but the CPU it takes is the same and the run ends no
 *   earlier, both cores being busy anyway);
 * - otherwise the file is read and hashed now (~15 ms for 10 MB; the hash is remembered for the
 *   next run) and gunzipped on a libuv thread, so the loader parses from memory
 *   (`prefetchedBytes`) and the cache has the hash (`prefetchedSha256`).
 *
 * Purely an optimisation: a prefetch is used only if the file still has the identity it had when
 * the prefetch started, and any failure (no such file, corrupt gzip) is dropped here — the loader
 * then reads the file itself and reports the problem with its usual message. Dependency-free
 * (node: modules only), so importing it costs entry.ts nothing.
 */
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { gunzip } from "node:zlib";
import { entriesOfFile, fileIdentity, knownSha256, rememberSha256 } from "./panel-cache-dir.ts";

interface Prefetch {
  readonly identity: string;
  readonly sha256: string;
  /** The decompressed bytes, or undefined (failed, or not read because the cache has the panel). */
  readonly bytes: Promise<Buffer | undefined>;
}

const prefetches = new Map<string, Prefetch>();

/** Files larger than this are left to the loader's stream (a prefetch holds the whole file). */
const MAX_PREFETCH_BYTES = 512 << 20;

/**
 * Gunzips on a libuv thread in ONE piece: with zlib's default 16 KB output chunks, every chunk
 * comes back through the main thread's event loop (busy loading the CLI: the inflate would stall
 * with it). The output size is in the gzip trailer (ISIZE, mod 2^32; a wrong guess only means
 * more chunks).
 */
function gunzipAsync(bytes: Buffer): Promise<Buffer> {
  const isize = bytes.length >= 18 ? bytes.readUInt32LE(bytes.length - 4) : 0;
  const chunkSize = Math.min(1 << 30, Math.max(1 << 16, isize + 1));
  return new Promise((resolve, reject) => gunzip(bytes, { chunkSize }, (err, out) => (err ? reject(err) : resolve(out))));
}

/**
 * Starts reading what loading `path` (a regular file of at most 512 MB; anything else is ignored)
 * will need, given the panel cache in `cacheDir` (undefined: no cache).
 *
 * Why the read and the hash are synchronous: an asynchronous read comes back piece by piece through
 * the main thread's event loop, which is busy compiling the CLI's modules — it would finish only
 * after them. One zlib call runs on a libuv thread from start to end without needing the main
 * thread.
 */
export function prefetchDataFile(path: string, cacheDir?: string): void {
  if (prefetches.has(path)) return;
  const file = fileIdentity(path);
  if (file === undefined || file.size > MAX_PREFETCH_BYTES) return;
  const known = cacheDir === undefined ? undefined : knownSha256(cacheDir, file.identity);
  const cached = known === undefined || cacheDir === undefined ? [] : entriesOfFile(cacheDir, known);
  if (known !== undefined && cached.length > 0) {
    prefetches.set(path, { identity: file.identity, sha256: known, bytes: Promise.resolve(undefined) });
    return;
  }
  let raw: Buffer;
  const readAt = Date.now();
  try {
    raw = readFileSync(path);
  } catch {
    return;
  }
  const sha256 = createHash("sha256").update(raw).digest("hex");
  if (cacheDir !== undefined && fileIdentity(path)?.identity === file.identity) rememberSha256(cacheDir, file, sha256, readAt);
  const hasPanel = cacheDir !== undefined && entriesOfFile(cacheDir, sha256).length > 0;
  const bytes = (async () => {
    if (hasPanel) return undefined;
    if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) return await gunzipAsync(raw);
    return raw.subarray(0, 4).toString("latin1") === "PAR1" ? undefined : raw; // Parquet: read by its own loader
  })().catch(() => undefined);
  prefetches.set(path, { identity: file.identity, sha256, bytes });
}

/** The prefetch of `path`, if there is one and the file has not changed since it started. */
function valid(path: string): Prefetch | undefined {
  const p = prefetches.get(path);
  if (p === undefined) return undefined;
  if (fileIdentity(path)?.identity !== p.identity) {
    prefetches.delete(path);
    return undefined;
  }
  return p;
}

/** SHA-256 (hex) of the file's bytes from its prefetch, or undefined (no usable prefetch). */
export function prefetchedSha256(path: string): string | undefined {
  return valid(path)?.sha256;
}

/**
 * The file's decompressed bytes from its prefetch, or undefined. Hands them over once (the
 * prefetch is forgotten, so the memory goes with the caller's use).
 */
export async function prefetchedBytes(path: string): Promise<Buffer | undefined> {
  const p = valid(path);
  if (p === undefined) return undefined;
  const b = await p.bytes;
  prefetches.delete(path);
  return b;
}
