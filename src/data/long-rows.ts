/**
 * The intermediate every long-layout source (CSV, Parquet) parses into before
 * the panel is built: one entry per source row, numeric fields row-major.
 * Nothing here is a Panel yet, so a failure while parsing leaves nothing half-loaded.
 */
export interface LongRows {
  /** File name used in messages. */
  readonly file: string;
  /** "line" for text sources (1-based, header = line 1), "row" for Parquet (1-based data row). */
  readonly unit: "line" | "row";
  readonly nRows: number;
  /** Day slot (see dates.ts) of each row. */
  readonly slot: Int32Array;
  /** Instrument code of each row, indexing `instNames`. */
  readonly inst: Int32Array;
  readonly instNames: readonly string[];
  /** Numeric field names, in source column order. */
  readonly fieldNames: readonly string[];
  /** 1-based source column of each numeric field (date = 1, instrument = 2 in CSV). */
  readonly fieldColumns: readonly number[];
  /** Row-major values: `cells[row * fieldNames.length + k]`. */
  readonly cells: Float64Array;
  /** Source line / row number of each row. */
  readonly where: Int32Array;
}

/** Growable Int32Array (amortised doubling; typed storage, no per-row allocation). */
export class GrowInt32 {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  trimmed(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}

/** Growable Float64Array holding fixed-width records of `stride` values. */
export class GrowRecords {
  data: Float64Array;
  rows = 0;
  constructor(readonly stride: number, capacity = 1024) {
    this.data = new Float64Array(Math.max(1, capacity * stride));
  }
  /** Make room for one more record and return its offset. */
  next(): number {
    const off = this.rows * this.stride;
    if (off + this.stride > this.data.length) {
      const next = new Float64Array(Math.max(this.data.length * 2, off + this.stride));
      next.set(this.data);
      this.data = next;
    }
    this.rows++;
    return off;
  }
  /** Drop the last record (a row that turned out to be filtered). */
  pop(): void {
    this.rows--;
  }
  trimmed(): Float64Array {
    return this.data.subarray(0, this.rows * this.stride);
  }
}
