import { DataError } from "./errors.ts";
import { statSync } from "node:fs";
import { openByteStream, isGzipFile } from "./source-file.ts";
import { prefetchedBytes } from "./prefetch.ts";
import { parseDateBytes as parseDateBytesImported, DAY_SLOTS } from "./dates.ts";
import { parseNumberBytes as parseNumberBytesImported, numberParse } from "./numbers.ts";
import { GrowInt32, GrowRecords, type LongRows } from "./long-rows.ts";
import { buildPanelFromRows, type BuildOptions, type LoadResult } from "./panel-builder.ts";
import { optionSlot } from "./select.ts";

/** Columns a market-data file must have besides date and instrument. */
export const REQUIRED_FIELDS = ["open", "high", "low", "close", "volume"] as const;

export interface CsvLoadOptions extends BuildOptions {
  /** File name used in messages (defaults to the path). */
  readonly displayName?: string;
}

/**
 * Load a long CSV (`date,instrument,open,high,low,close,volume[,...]`, plain or
 * gzip) into a Panel. Extra numeric columns become fields; empty = NaN.
 */
export async function loadCsvPanel(path: string, opts: CsvLoadOptions = {}): Promise<LoadResult> {
  const rows = await readLongCsv(path, { required: REQUIRED_FIELDS, ...opts });
  return buildPanelFromRows(rows, opts);
}

export interface ReadLongCsvOptions {
  /** Numeric columns that must be in the header. */
  readonly required: readonly string[];
  readonly end?: string;
  readonly displayName?: string;
}

/** Stream-parse a long CSV into LongRows (rows after `end` skipped unparsed). */
export async function readLongCsv(path: string, opts: ReadLongCsvOptions): Promise<LongRows> {
  const file = opts.displayName ?? path;
  const endSlot = optionSlot(file, "end", opts.end) ?? DAY_SLOTS;
  const prefetched = await prefetchedBytes(path);
  if (prefetched !== undefined) {
    // Already read and decompressed while the CLI started (prefetch.ts): parse it in the pieces a
    // stream would have delivered.
    const parser = new LongCsvParser(file, opts.required, endSlot, estimateRows(path));
    for (let at = 0; at < prefetched.length; at += PIECE) parser.feed(prefetched.subarray(at, at + PIECE));
    return parser.finish();
  }
  const stream = openByteStream(path); // checks the file first: its errors name it
  const parser = new LongCsvParser(file, opts.required, endSlot, estimateRows(path));
  try {
    for await (const chunk of stream) parser.feed(chunk as Buffer);
  } catch (e) {
    stream.destroy();
    if (e instanceof DataError) throw e;
    throw new DataError({ file, line: parser.lineNo }, `read failed: ${(e as Error).message}`);
  }
  return parser.finish();
}

/** Piece size when parsing a prefetched file (as openByteStream's gunzip chunks). */
const PIECE = 1 << 18;

/** Rough row count from the file size (gzip of these files is ~4.5:1, rows ~55–70 bytes), capped. */
function estimateRows(path: string): number {
  const size = statSync(path).size;
  const bytes = isGzipFile(path) ? size * 4.5 : size;
  return Math.max(1024, Math.min(1 << 23, Math.ceil(bytes / 60)));
}

const COMMA = 44, NL = 10, CR = 13;
// As in numbers.ts: 10^k is an exact double for k ≤ 22, and integers below 2^53 are exact.
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
const TWO53 = 9007199254740992;
// Local bindings for the per-field calls: direct calls even under transforms that turn imports into property reads.
const parseNumberBytes = parseNumberBytesImported;
const parseDateBytes = parseDateBytesImported;
const parseState = numberParse;

/**
 * Byte-level parser: splits lines and fields by hand and parses numbers from
 * bytes (no per-field strings or regexes), carrying a partial line across chunks.
 */
class LongCsvParser {
  lineNo = 0;
  private header: string[] | undefined;
  private fieldNames: string[] = [];
  private nf = 0;
  private carry: Buffer | undefined;
  private readonly slot: GrowInt32;
  private readonly inst: GrowInt32;
  private readonly where: GrowInt32;
  private records: GrowRecords = new GrowRecords(1, 1);
  private readonly instCode = new Map<string, number>();
  private readonly instNames: string[] = [];
  // The previous row's instrument bytes: files sorted by instrument repeat it, so compare bytes before decoding.
  private prevInst = new Uint8Array(64);
  private prevInstLen = -1;
  private prevInstCode = -1;

  constructor(
    private readonly file: string,
    private readonly required: readonly string[],
    private readonly endSlot: number,
    /** Expected number of rows (from the file size), so buffers rarely grow. */
    private readonly rowsHint: number,
  ) {
    this.slot = new GrowInt32(rowsHint);
    this.inst = new GrowInt32(rowsHint);
    this.where = new GrowInt32(rowsHint);
  }

  feed(chunk: Buffer): void {
    let start = 0;
    if (this.carry) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return;
      }
      const line = Buffer.concat([this.carry, chunk.subarray(0, nl)]);
      this.carry = undefined;
      this.line(line, 0, line.length);
      start = nl + 1;
    }
    // Whole lines up to the chunk's last newline; the rest waits for the next chunk.
    const end = chunk.lastIndexOf(NL) + 1;
    if (end <= start) {
      if (start < chunk.length) this.carry = Buffer.from(chunk.subarray(start));
      return;
    }
    while (start < end) {
      const next = this.header ? this.fastLine(chunk, start, end) : -1;
      if (next >= 0) {
        start = next;
        continue;
      }
      const nl = chunk.indexOf(NL, start);
      this.line(chunk, start, nl);
      start = nl + 1;
    }
    if (end < chunk.length) this.carry = Buffer.from(chunk.subarray(end));
  }

  finish(): LongRows {
    if (this.carry && this.carry.length > 0) {
      const line = this.carry;
      this.carry = undefined;
      this.line(line, 0, line.length);
    }
    if (!this.header) throw new DataError({ file: this.file }, "empty file (no header line)");
    if (this.slot.length === 0 && this.lastDataLine === 0) throw new DataError({ file: this.file }, "no data rows (only a header)");
    return {
      file: this.file,
      unit: "line",
      nRows: this.slot.length,
      slot: this.slot.trimmed(),
      inst: this.inst.trimmed(),
      instNames: this.instNames,
      fieldNames: this.fieldNames,
      fieldColumns: this.fieldNames.map((_, k) => k + 3),
      cells: this.records.trimmed(),
      where: this.where.trimmed(),
    };
  }

  private lastDataLine = 0;

  private fail(column: number | undefined, what: string, field?: string): never {
    throw new DataError({ file: this.file, line: this.lineNo, ...(column !== undefined ? { column } : {}), ...(field ? { field } : {}) }, what);
  }

  private text(b: Uint8Array, s: number, e: number): string {
    return Buffer.from(b.buffer, b.byteOffset + s, e - s).toString("utf8");
  }

  private line(b: Buffer, s: number, e: number): void {
    this.lineNo++;
    if (e > s && b[e - 1] === CR) e--;
    if (!this.header) {
      // Skip a UTF-8 BOM and leading blank lines.
      if (this.lineNo === 1 && e - s >= 3 && b[s] === 0xef && b[s + 1] === 0xbb && b[s + 2] === 0xbf) s += 3;
      if (s === e) return;
      this.parseHeader(b.toString("utf8", s, e));
      return;
    }
    if (s === e) return;
    this.lastDataLine = this.lineNo;

    // date
    let p = s;
    while (p < e && b[p] !== COMMA) p++;
    const slot = parseDateBytes(b, s, p);
    if (slot < 0) this.fail(1, `date: cannot parse "${this.text(b, s, p)}" as YYYY-MM-DD`, "date");
    if (p === e) this.fail(1, `expected ${this.header.length} columns, got 1`);
    if (slot > this.endSlot) return;

    // instrument
    const q = ++p;
    while (p < e && b[p] !== COMMA) p++;
    const len = p - q;
    let code = this.prevInstCode;
    let same = len === this.prevInstLen;
    if (same) {
      const prev = this.prevInst;
      for (let k = 0; k < len; k++) if (b[q + k] !== prev[k]) { same = false; break; }
    }
    if (!same) code = this.internInstrument(b, q, p);

    // numeric fields
    const nf = this.nf;
    const rec = this.records;
    const off = rec.next();
    const cells = rec.data;
    for (let k = 0; k < nf; k++) {
      if (p === e) {
        rec.pop();
        this.fail(k + 3, `expected ${this.header.length} columns, got ${k + 2}`);
      }
      const fs = ++p;
      while (p < e && b[p] !== COMMA) p++;
      const v = parseNumberBytes(b, fs, p);
      if (parseState.failed) {
        rec.pop();
        this.fail(k + 3, `column "${this.fieldNames[k]}": cannot parse "${this.text(b, fs, p)}" as a number`, this.fieldNames[k]);
      }
      cells[off + k] = v;
    }
    if (p !== e) {
      rec.pop();
      let n = nf + 2;
      for (let k = p; k < e; k++) if (b[k] === COMMA) n++;
      this.fail(nf + 3, `expected ${this.header.length} columns, got ${n}`);
    }
    this.slot.push(slot);
    this.inst.push(code);
    this.where.push(this.lineNo);
  }

  /**
   * The common case of `line` in one pass: the line at s (complete: a newline comes before `end`)
   * has a plain date, the previous row's instrument or a new one, and plain decimals, split and
   * parsed as `line` does them but without a call per field and without scanning a field twice.
   * Returns the next line's start, or −1 with nothing recorded when the line needs `line`
   * (a date after `end`, CR LF, another number form, a wrong column count, an error to report).
   */
  private fastLine(b: Buffer, s: number, end: number): number {
    if (s + 11 > end || b[s + 10] !== COMMA) return -1;
    const slot = parseDateBytes(b, s, s + 10);
    if (slot < 0 || slot > this.endSlot) return -1;
    let p = s + 11;
    const q = p;
    while (b[p] !== COMMA && b[p] !== NL) p++;
    const len = p - q;
    if (b[p] !== COMMA || len === 0) return -1;
    let code = this.prevInstCode;
    let same = len === this.prevInstLen;
    if (same) {
      const prev = this.prevInst;
      for (let k = 0; k < len; k++) if (b[q + k] !== prev[k]) { same = false; break; }
    }
    if (!same) code = this.internInstrument(b, q, p); // what `line` would do next, should we bail out
    const nf = this.nf;
    const rec = this.records;
    const off = rec.next();
    const cells = rec.data;
    for (let k = 0; k < nf; k++) {
      if (b[p] !== COMMA) {
        rec.pop();
        return -1;
      }
      p++;
      // [-]digits[.digits]: the fast path of parseNumberBytes, same arithmetic.
      const neg = b[p] === 45;
      if (neg) p++;
      let mant = 0;
      let digits = 0;
      let frac = 0;
      let c = b[p]! - 48;
      while (c >= 0 && c <= 9) {
        mant = mant * 10 + c;
        digits++;
        c = b[++p]! - 48;
      }
      if (c === -2) {
        c = b[++p]! - 48;
        while (c >= 0 && c <= 9) {
          mant = mant * 10 + c;
          digits++;
          frac++;
          c = b[++p]! - 48;
        }
      }
      if (digits === 0 || mant >= TWO53 || frac >= 23) {
        rec.pop();
        return -1;
      }
      const v = frac === 0 ? mant : mant / POW10[frac]!;
      cells[off + k] = neg ? -v : v;
    }
    if (b[p] !== NL) {
      rec.pop();
      return -1;
    }
    this.lineNo++;
    this.lastDataLine = this.lineNo;
    this.slot.push(slot);
    this.inst.push(code);
    this.where.push(this.lineNo);
    return p + 1;
  }

  private internInstrument(b: Buffer, q: number, p: number): number {
    const name = b.toString("utf8", q, p).trim();
    if (name === "") this.fail(2, "empty instrument", "instrument");
    let code = this.instCode.get(name);
    if (code === undefined) {
      code = this.instNames.length;
      this.instNames.push(name);
      this.instCode.set(name, code);
    }
    const len = p - q;
    if (len > this.prevInst.length) this.prevInst = new Uint8Array(len * 2);
    this.prevInst.set(b.subarray(q, p));
    this.prevInstLen = len;
    this.prevInstCode = code;
    return code;
  }

  private parseHeader(text: string): void {
    const cols = text.split(",").map((c) => c.trim().toLowerCase().replace(/^"(.*)"$/, "$1"));
    if (cols[0] !== "date" || cols[1] !== "instrument") {
      this.fail(cols[0] !== "date" ? 1 : 2, `header must start with date,instrument; got "${text}"`);
    }
    const seen = new Set<string>();
    cols.forEach((c, k) => {
      if (c === "") this.fail(k + 1, `header: empty column name`);
      if (seen.has(c)) this.fail(k + 1, `header: duplicate column "${c}"`);
      seen.add(c);
    });
    const missing = this.required.filter((c) => !seen.has(c));
    if (missing.length > 0) this.fail(undefined, `header: missing required column(s) ${missing.join(", ")} (got "${text}")`);
    this.header = cols;
    this.fieldNames = cols.slice(2);
    this.nf = this.fieldNames.length;
    this.records = new GrowRecords(this.nf, this.rowsHint);
  }
}
