import { renameSync, rmSync, statSync } from "node:fs";
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from "hyparquet";
import { parquetWriteFile } from "hyparquet-writer";
import { DataError } from "./errors.ts";
import { DAY_SLOTS, daySlot, parseIsoDate } from "./dates.ts";
import type { LongRows } from "./long-rows.ts";
import { buildPanelFromRows, type BuildOptions, type LoadResult } from "./panel-builder.ts";
import { REQUIRED_FIELDS } from "./csv-long.ts";
import { optionSlot } from "./select.ts";

/**
 * Parquet in the same long layout as the CSV files (columns date, instrument,
 * open, high, low, close, volume, extra numeric columns), read with hyparquet
 * (pure JS). Dates may be strings (ISO), DATE or TIMESTAMP columns.
 */
export async function loadParquetPanel(path: string, opts: BuildOptions = {}): Promise<LoadResult> {
  const rows = await readLongParquet(path, REQUIRED_FIELDS, opts.end);
  return buildPanelFromRows(rows, opts);
}

type Cell = unknown;

/** Read a long-layout Parquet file into LongRows (rows after `end` dropped). */
export async function readLongParquet(path: string, required: readonly string[], end?: string): Promise<LongRows> {
  const file = path;
  try {
    if (statSync(path).size === 0) throw new DataError({ file }, "empty file");
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError({ file }, (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : `cannot open (${String(e)})`);
  }
  const endSlot = optionSlot(file, "end", end) ?? DAY_SLOTS;
  let names: string[] = [];
  let nRows = 0;
  // Decoded per chunk straight into typed columns (no per-row objects).
  let slotCol = new Int32Array(0), instCol = new Int32Array(0);
  let numCols: Float64Array[] = [];
  let numeric: string[];
  let fieldColumns: number[];
  const instCode = new Map<string, number>();
  const instNames: string[] = [];
  try {
    const buf = await asyncBufferFromFile(path);
    const metadata = await parquetMetadataAsync(buf);
    names = parquetSchema(metadata).children.map((c) => c.element.name);
    nRows = Number(metadata.num_rows);
    const lower = names.map((n) => n.toLowerCase());
    const missing = ["date", "instrument", ...required].filter((c) => !lower.includes(c));
    if (missing.length > 0) throw new DataError({ file }, `missing required column(s) ${missing.join(", ")} (columns: ${names.join(", ")})`);
    const dateName = names[lower.indexOf("date")]!, instName = names[lower.indexOf("instrument")]!;
    numeric = names.filter((n) => n !== dateName && n !== instName);
    fieldColumns = numeric.map((n) => names.indexOf(n) + 1);
    slotCol = new Int32Array(nRows);
    instCol = new Int32Array(nRows);
    numCols = numeric.map(() => new Float64Array(nRows));
    const numIndex = new Map(numeric.map((n, k) => [n, k] as const));
    const dateCache = new Map<string, number>();
    const at = (row: number, name: string) => ({ file, line: row + 1, unit: "row" as const, column: names.indexOf(name) + 1, field: name.toLowerCase() });
    // hyparquet does not propagate exceptions thrown by onChunk: record the first and rethrow.
    let failure: unknown;
    const decode = ({ columnName, columnData, rowStart }: { columnName: string; columnData: ArrayLike<unknown>; rowStart: number }): void => {
      const src = columnData as ArrayLike<Cell>;
      const n = src.length;
      if (columnName === dateName) {
        for (let k = 0; k < n; k++) {
          const sl = toSlot(src[k], dateCache);
          if (sl < 0) throw new DataError(at(rowStart + k, dateName), `date: cannot read ${JSON.stringify(String(src[k]))} as a date`);
          slotCol[rowStart + k] = sl;
        }
      } else if (columnName === instName) {
        for (let k = 0; k < n; k++) {
          const v = src[k];
          let code = typeof v === "string" ? instCode.get(v) : undefined;
          if (code === undefined) {
            const name = typeof v === "string" ? v.trim() : "";
            if (name === "") throw new DataError(at(rowStart + k, instName), "empty instrument");
            code = instNames.length;
            instNames.push(name);
            instCode.set(v as string, code);
          }
          instCol[rowStart + k] = code;
        }
      } else {
        const q = numIndex.get(columnName);
        if (q === undefined) return;
        const dst = numCols[q]!;
        for (let k = 0; k < n; k++) {
          const v = src[k];
          let x: number;
          if (typeof v === "number") x = v;
          else if (v === null || v === undefined) x = NaN;
          else if (typeof v === "bigint") x = Number(v);
          else if (typeof v === "boolean") x = v ? 1 : 0;
          else throw new DataError(at(rowStart + k, columnName), `column "${columnName}": not a number (${JSON.stringify(String(v))})`);
          dst[rowStart + k] = Number.isFinite(x) ? x : NaN;
        }
      }
    };
    await parquetRead({
      file: buf,
      metadata,
      onChunk: (chunk) => {
        if (failure !== undefined) return;
        try {
          decode(chunk);
        } catch (e) {
          failure = e;
        }
      },
    });
    if (failure !== undefined) throw failure;
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError({ file }, `not a readable Parquet file (${(e as Error).message})`);
  }
  if (nRows === 0) throw new DataError({ file }, "no data rows");

  const nf = numeric.length;
  const slot = new Int32Array(nRows), inst = new Int32Array(nRows), where = new Int32Array(nRows);
  const cells = new Float64Array(nRows * nf);
  let kept = 0;
  for (let r = 0; r < nRows; r++) {
    if (slotCol[r]! > endSlot) continue;
    slot[kept] = slotCol[r]!;
    inst[kept] = instCol[r]!;
    where[kept] = r + 1;
    const off = kept * nf;
    for (let k = 0; k < nf; k++) cells[off + k] = numCols[k]![r]!;
    kept++;
  }
  return {
    file,
    unit: "row",
    nRows: kept,
    slot: slot.subarray(0, kept),
    inst: inst.subarray(0, kept),
    instNames,
    fieldNames: numeric.map((n) => n.toLowerCase()),
    fieldColumns,
    cells: cells.subarray(0, kept * nf),
    where: where.subarray(0, kept),
  };
}

function toSlot(v: Cell, cache: Map<string, number>): number {
  if (typeof v === "string") {
    let s = cache.get(v);
    if (s === undefined) cache.set(v, (s = parseIsoDate(v)));
    return s;
  }
  if (v instanceof Date && !Number.isNaN(v.getTime())) return daySlot(v.getUTCFullYear(), v.getUTCMonth() + 1, v.getUTCDate());
  return -1;
}

/** One column of a long table to write: ISO dates / names as strings, values as numbers (NaN = missing). */
export interface LongColumn {
  readonly name: string;
  readonly data: readonly string[] | Float64Array | readonly number[];
}

/**
 * Write a long table as Parquet (string columns → UTF8, numeric → DOUBLE,
 * NaN kept as NaN). Written to a temp file and renamed, so a crash
 * never leaves a truncated file under the final name.
 */
export function writeParquetLong(path: string, columns: readonly LongColumn[]): void {
  if (columns.length === 0) throw new Error("writeParquetLong: no columns");
  const n = columns[0]!.data.length;
  for (const c of columns) {
    if (c.data.length !== n) throw new Error(`writeParquetLong: column ${c.name} has ${c.data.length} rows, expected ${n}`);
  }
  // Numeric columns are REQUIRED DOUBLE with NaN for missing: no definition levels to write or
  // assemble (several times faster both ways); pandas/DuckDB/Arrow read NaN as missing.
  const columnData = columns.map((c) => {
    if (isStringColumn(c.data)) return { name: c.name, data: c.data as string[], type: "STRING" as const, nullable: false };
    const data = c.data instanceof Float64Array ? c.data : Float64Array.from(c.data as readonly number[]);
    return { name: c.name, data, type: "DOUBLE" as const, nullable: false };
  });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    parquetWriteFile({ filename: tmp, columnData, rowGroupSize: 100_000 });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

function isStringColumn(d: LongColumn["data"]): boolean {
  if (d instanceof Float64Array) return false;
  for (let r = 0; r < d.length; r++) {
    const v = d[r];
    if (typeof v === "string") return true;
    if (typeof v === "number") return false;
  }
  return false;
}
