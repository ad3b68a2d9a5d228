/**
 * The layout of a panel-cache entry file, and reading one back — apart from ./panel-cache.ts (no
 * dependencies beyond node:), the byte layout in one place.
 *
 *   0   u32 MAGIC ("QPNL" as little-endian bytes: a big-endian reader sees another number, a miss)
 *   4   u32 FORMAT
 *   8   u32 H, the header's length in bytes
 *   12  header: UTF-8 JSON (key, dates, instruments, field names, membership flag, warnings)
 *   ... (8-aligned) first[nInst], last[nInst] as int32
 *   ... (8-aligned) each field's nInst × nDates float64 values, instrument-major
 *   ... the membership mask's nInst × nDates bytes, if any
 * and nothing after: the file's size must be exactly what the header implies.
 *
 * Readers here check the structure only (magic, format, lengths, a header that parses as JSON with
 * the arrays the layout needs); panel-cache.ts validates the header's content and the key.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

export const MAGIC = 0x4c4e5051;
export const FORMAT = 1;
const PREAMBLE = 12;

/** The header fields the layout depends on. */
export interface EntryShape {
  readonly dates: readonly unknown[];
  readonly instruments: readonly unknown[];
  readonly fields: readonly unknown[];
  readonly member: boolean;
}

const align8 = (n: number) => (n + 7) & ~7;

/** Byte offsets of an entry's arrays after a header of `headerBytes`. */
export function entryLayout(h: EntryShape, headerBytes: number) {
  const nInst = h.instruments.length;
  const nCells = nInst * h.dates.length;
  const spans = align8(PREAMBLE + headerBytes);
  const fields = align8(spans + 8 * nInst);
  const member = fields + 8 * nCells * h.fields.length;
  const total = member + (h.member ? nCells : 0);
  return { nInst, nCells, nFields: h.fields.length, headerAt: PREAMBLE, spans, fields, member, total };
}

/** An entry file read back: its header (parsed JSON, not yet validated) and its arrays. */
export interface EntryParts {
  readonly header: unknown;
  readonly spans: Int32Array;
  /** Each field's values on a SharedArrayBuffer of its own (workers share them). */
  readonly fields: readonly SharedArrayBuffer[];
  readonly member: SharedArrayBuffer | undefined;
}

/** The header and layout of an open entry file, or undefined when its structure is wrong. */
function readLayout(fd: number) {
  const size = fstatSync(fd).size;
  const pre = Buffer.alloc(PREAMBLE);
  if (size < PREAMBLE || readSync(fd, pre, 0, PREAMBLE, 0) !== PREAMBLE) return undefined;
  if (pre.readUInt32LE(0) !== MAGIC || pre.readUInt32LE(4) !== FORMAT) return undefined;
  const headerBytes = pre.readUInt32LE(8);
  if (PREAMBLE + headerBytes > size) return undefined;
  const text = Buffer.alloc(headerBytes);
  if (readSync(fd, text, 0, headerBytes, PREAMBLE) !== headerBytes) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(text.toString("utf8"));
  } catch {
    return undefined;
  }
  const h = header as Partial<EntryShape> | null;
  if (h === null || typeof h !== "object" || !Array.isArray(h.dates) || !Array.isArray(h.instruments) || !Array.isArray(h.fields) || typeof h.member !== "boolean") {
    return undefined;
  }
  const at = entryLayout(h as EntryShape, headerBytes);
  return at.total === size ? { header, at, hasMember: h.member } : undefined;
}

/** Reads `view.length` bytes at `pos` (sync); false when the file ends first. */
function readFully(fd: number, view: Uint8Array, pos: number): boolean {
  let done = 0;
  while (done < view.length) {
    const n = readSync(fd, view, done, view.length - done, pos + done);
    if (n <= 0) return false;
    done += n;
  }
  return true;
}

/** Reads an entry file; undefined when it is absent, unreadable or not structurally an entry. */
export function readEntryParts(file: string): EntryParts | undefined {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return undefined;
  }
  try {
    const l = readLayout(fd);
    if (l === undefined) return undefined;
    const { at } = l;
    const spans = new Int32Array(2 * at.nInst);
    if (!readFully(fd, new Uint8Array(spans.buffer), at.spans)) return undefined;
    const fields: SharedArrayBuffer[] = [];
    for (let k = 0; k < at.nFields; k++) {
      const sab = new SharedArrayBuffer(8 * at.nCells);
      if (!readFully(fd, new Uint8Array(sab), at.fields + 8 * at.nCells * k)) return undefined;
      fields.push(sab);
    }
    let member: SharedArrayBuffer | undefined;
    if (l.hasMember) {
      member = new SharedArrayBuffer(at.nCells);
      if (!readFully(fd, new Uint8Array(member), at.member)) return undefined;
    }
    return { header: l.header, spans, fields, member };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
