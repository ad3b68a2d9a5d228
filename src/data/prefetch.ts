/**
 * Reading a command's data file while the CLI is still starting. Loading the CLI's modules takes
 * the main thread ~0.15 s, during which libuv's threads are idle; entry.ts calls
 * `prefetchDataFile` first thing for a command that will load `--data FILE`, and the file is read,
 * hashed (WebCrypto: off the main thread) and — unless the panel cache already holds a panel of
 * these bytes — gunzipped (zlib's async API: off the main thread too) by the time the command asks
 * for it. The loader then parses from memory (`prefetchedBytes`), the cache takes the hash
 * (`prefetchedSha256`).
 *
 * Purely an optimisation: a prefetch is used only if the file still has the size, mtime and inode
 * it had when the prefetch started, and any failure (no such file, corrupt gzip) is dropped here —
 * the loader then reads the file itself and reports the problem with its usual message.
 * Dependency-free (node: modules only), so importing it costs entry.ts nothing.
 */
import { readFile } from "node:fs/promises";
import { statSync, type Stats } from "node:fs";
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

async function sha256Hex(bytes: Buffer): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", bytes);
  return Buffer.from(digest).toString("hex");
}

function gunzipAsync(bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => gunzip(bytes, (err, out) => (err ? reject(err) : resolve(out))));
}

/**
 * Starts reading `path` (a regular file; anything else is ignored). `hasCachedPanel(sha256)` says
 * whether the panel cache already holds a panel of these bytes: then the file is not gunzipped.
 */
export function prefetchDataFile(path: string, hasCachedPanel: (sha256: string) => Promise<boolean> = async () => false): void {
  const identity = currentIdentity(path);
  if (identity === undefined || prefetches.has(path)) return;
  const raw = readFile(path);
  const sha256 = raw.then(sha256Hex).catch(() => undefined);
  const bytes = (async () => {
    const b = await raw;
    const h = await sha256;
    if (h !== undefined && (await hasCachedPanel(h))) return undefined;
    if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return await gunzipAsync(b);
    return b.subarray(0, 4).toString("latin1") === "PAR1" ? undefined : b; // Parquet: read by its own loader
  })().catch(() => undefined);
  prefetches.set(path, { identity, sha256, bytes });
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
