/**
 * Writing evaluated factors as a long table `date,instrument,<name>...`: one row for every calendar
 * date inside each instrument's span (first..last row of its data) and inside the requested date
 * window, sorted by instrument then date, NaN as an empty field. CSV (`.gz` → gzip level 1) or
 * Parquet. Always written to a temp file and renamed, so a failure never leaves half a file.
 */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Panel } from "../../factors/panel.ts";
import type { IndexRange } from "../../backtest/split.ts";
import { writeLongCsvCells } from "../data/long-csv-write.ts";
import { QuantaError } from "../../factors/errors.ts";

export type FactorOutputFormat = "csv" | "parquet";

export function outputFormatOf(path: string): FactorOutputFormat {
  if (/\.parquet$/i.test(path)) return "parquet";
  if (/\.csv(\.gz)?$/i.test(path)) return "csv";
  throw new QuantaError(`--out ${path}: unknown format (use .csv, .csv.gz or .parquet)`);
}

/**
 * Reject an output path that cannot be written (missing or read-only directory, a directory as the
 * file) before any work is done: a user error, not a crash after minutes of evaluation.
 */
export function checkOutputPath(path: string): void {
  const dir = dirname(resolve(path));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new QuantaError(`--out ${path}: directory ${dir} does not exist`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new QuantaError(`--out ${path}: directory ${dir} is not writable`);
  }
  if (existsSync(path) && statSync(path).isDirectory()) throw new QuantaError(`--out ${path}: is a directory`);
}

/** File-system failures while writing (ENOSPC, EACCES, …) are the user's to fix: exit 2 naming the file. */
function asWriteError(path: string, e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" && /^E[A-Z]+$/.test(code) ? new QuantaError(`--out ${path}: cannot write (${code}: ${(e as Error).message})`) : e;
}

/** Instrument-major cell indices of the output rows. */
export function spanRowCells(panel: Panel, window: IndexRange): Int32Array {
  let n = 0;
  for (let i = 0; i < panel.nInst; i++) {
    const a = Math.max(panel.first[i]!, window.from);
    const b = Math.min(panel.last[i]!, window.to);
    if (b >= a) n += b - a + 1;
  }
  const cells = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < panel.nInst; i++) {
    const a = Math.max(panel.first[i]!, window.from);
    const b = Math.min(panel.last[i]!, window.to);
    for (let t = a; t <= b; t++) cells[k++] = i * panel.nDates + t;
  }
  return cells;
}

export async function writeFactorTable(
  path: string,
  panel: Panel,
  names: readonly string[],
  values: readonly Float64Array[],
  window: IndexRange,
): Promise<{ rows: number }> {
  const cells = spanRowCells(panel, window);
  try {
    if (outputFormatOf(path) === "parquet") {
      const { nDates } = panel;
      const { writeParquetLong } = await import("../data/parquet.ts"); // its writer only when writing Parquet
      writeParquetLong(path, [
        { name: "date", data: Array.from(cells, (c) => panel.dates[c % nDates]!) },
        { name: "instrument", data: Array.from(cells, (c) => panel.instruments[(c / nDates) | 0]!) },
        ...names.map((name, k) => ({ name, data: Float64Array.from(cells, (c) => values[k]![c]!) })),
      ]);
    } else {
      await writeLongCsvCells(path, panel, names, values, cells);
    }
  } catch (e) {
    throw asWriteError(path, e);
  }
  return { rows: cells.length };
}
