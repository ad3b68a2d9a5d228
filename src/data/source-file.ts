import { createReadStream, openSync, readSync, closeSync, statSync, readFileSync } from "node:fs";
import { createGunzip, gunzipSync } from "node:zlib";
import type { Readable } from "node:stream";
import { DataError } from "./errors.ts";

/**
 * Opening data files: existence checks with clear errors, and gzip detected by
 * its magic bytes (1f 8b) rather than by the file name.
 */

function checkReadableFile(path: string): number {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new DataError({ file: path }, "is a directory, expected a file");
    size = st.size;
  } catch (e) {
    if (e instanceof DataError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError({ file: path }, code === "ENOENT" ? "no such file" : `cannot open (${code ?? String(e)})`);
  }
  if (size === 0) throw new DataError({ file: path }, "empty file");
  return size;
}

/** True when the file starts with the gzip magic bytes. */
export function isGzipFile(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(2);
    const n = readSync(fd, head, 0, 2, 0);
    return n === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** A stream of the file's (decompressed) bytes in large chunks. */
export function openByteStream(path: string): Readable {
  checkReadableFile(path);
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  if (!isGzipFile(path)) return raw;
  const gunzip = createGunzip({ chunkSize: 1 << 18 });
  raw.on("error", (e) => gunzip.destroy(e));
  return raw.pipe(gunzip);
}

/** Whole (decompressed) file as bytes; for small files (membership, calendars). */
export function readFileBytes(path: string): Buffer {
  checkReadableFile(path);
  const raw = readFileSync(path);
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw);
    } catch (e) {
      throw new DataError({ file: path }, `corrupt gzip data (${(e as Error).message})`);
    }
  }
  return raw;
}

/** Whole file as text lines (BOM and trailing \r removed). */
export function readTextLines(path: string): string[] {
  let text = readFileBytes(path).toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
}
