/**
 * Reading a command's data file while the CLI is still starting. Loading the CLI's modules takes
 * the main thread ~0.15 s, during which libuv's threads are idle; entry.ts calls
 * `prefetchDataFile` first thing for a command that will load `--data FILE`: the file is read and
 * hashed, and — unless the panel cache already holds a panel of these bytes — gunzipped on a libuv
 * thread by the time the command asks for it. The loader then parses from memory (`prefetchedBytes`), the cache takes the hash
 * (`prefetchedSha256`).
 *
 * Purely an optimisation: a prefetch is used only if the file still has the size, mtime and inode
 * it had when the prefetch started, and any failure (no such file, corrupt gzip) is dropped here —
 * the loader then reads the file itself and reports the problem with its usual message.
 * Dependency-free (node: modules only), so importing it costs entry.ts nothing.
 */
import { readFileSync, statSync, type Stats } from "node:fs";
import { createHash } from "node:crypto";
import { gunzip } from "node:zlib";

interface Prefetch {
  readonly identity: string;
  readonly sha256: Promise<string | undefined>;
  /** The decompressed bytes, or undefined (failed, or skipped because the cache has the panel). */
  readonly bytes: Promise<Buffer | undefined>;
}

const prefetches = new Map<string, Prefetch>();

function identityOf(st: Stats): string {
  return `${st.size}:${st.mtimeMs}:${st.ino}:${st.dev}`;
}

function currentIdentity(path: string): string | undefined {
  try {
    const st = statSync(path);
    return st.isFile() ? identityOf(st) : undefined;
  } catch {
    return undefined;
  }
}

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

/** Files larger than this are left to the loader's stream (a prefetch holds the whole file). */
const MAX_PREFETCH_BYTES = 512 << 20;

/**
 * Reads and hashes `path` now (a regular file of at most 512 MB; anything else is ignored) and
 * starts gunzipping it on libuv's threads. `hasCachedPanel(sha256)` says whether the panel cache
 * already holds a panel of these bytes: then it is not gunzipped.
 *
 * Why the read and the hash are synchronous (~15 ms for 10 MB): an asynchronous read comes back
 * piece by piece through the main thread's event loop, which is busy compiling the CLI's modules —
 * it would finish only after them. One zlib call, by contrast, runs on a libuv thread from start
 * to end without needing the main thread.
 */
export function prefetchDataFile(path: string, hasCachedPanel: (sha256: string) => Promise<boolean> = async () => false): void {
  if (prefetches.has(path)) return;
  let identity: string;
  let raw: Buffer;
  try {
    const st = statSync(path);
    if (!st.isFile() || st.size > MAX_PREFETCH_BYTES) return;
    identity = identityOf(st);
    raw = readFileSync(path);
  } catch {
    return;
  }
  const hash = createHash("sha256").update(raw).digest("hex");
  const bytes = (async () => {
    if (await hasCachedPanel(hash)) return undefined;
    if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) return await gunzipAsync(raw);
    return raw.subarray(0, 4).toString("latin1") === "PAR1" ? undefined : raw; // Parquet: read by its own loader
  })().catch(() => undefined);
  prefetches.set(path, { identity, sha256: Promise.resolve(hash), bytes });
}

/** The prefetch of `path`, if there is one and the file has not changed since it started. */
function valid(path: string): Prefetch | undefined {
  const p = prefetches.get(path);
  if (p === undefined) return undefined;
  if (currentIdentity(path) !== p.identity) {
    prefetches.delete(path);
    return undefined;
  }
  return p;
}

/** SHA-256 (hex) of the file's bytes from its prefetch, or undefined (no usable prefetch). */
export async function prefetchedSha256(path: string): Promise<string | undefined> {
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
