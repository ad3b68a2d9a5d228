import { DataError } from "./errors.ts";
import { readLongCsv } from "./csv-long.ts";
import { DAY_SLOTS, slotToIso, lowerBound } from "./dates.ts";

/** A benchmark / index close series, dates ascending. */
export interface IndexSeries {
  readonly instrument: string;
  readonly dates: string[];
  /** Close per date; NaN where the file has the row but no close. */
  readonly close: Float64Array;
}

/**
 * Load one index from a long CSV (`date,instrument,...,close,...`, plain or gzip),
 * e.g. SH000300 from index_cn_2010_2018.csv.gz or SPX from index_sp500_gspc.
 * `instrument` may be omitted when the file holds a single one.
 */
export async function loadIndexSeries(path: string, instrument?: string): Promise<IndexSeries> {
  const rows = await readLongCsv(path, { required: ["close"] });
  const names = rows.instNames;
  let code: number;
  if (instrument === undefined) {
    if (names.length !== 1) throw new DataError({ file: path }, `holds ${names.length} indexes (${[...names].sort().join(", ")}); name one`);
    code = 0;
    instrument = names[0]!;
  } else {
    code = names.indexOf(instrument);
    if (code < 0) throw new DataError({ file: path }, `no index "${instrument}" (has ${[...names].sort().join(", ")})`);
  }
  const kc = rows.fieldNames.indexOf("close");
  const nf = rows.fieldNames.length;
  const closeAt = new Float64Array(DAY_SLOTS).fill(NaN);
  const lineAt = new Int32Array(DAY_SLOTS);
  const slots: number[] = [];
  for (let r = 0; r < rows.nRows; r++) {
    if (rows.inst[r] !== code) continue;
    const s = rows.slot[r]!;
    if (lineAt[s] !== 0) {
      throw new DataError({ file: path, line: rows.where[r]! }, `duplicate (date, instrument) (${slotToIso(s)}, ${instrument}): lines ${lineAt[s]} and ${rows.where[r]}`);
    }
    lineAt[s] = rows.where[r]!;
    closeAt[s] = rows.cells[r * nf + kc]!;
    slots.push(s);
  }
  slots.sort((a, b) => a - b);
  return { instrument, dates: slots.map(slotToIso), close: Float64Array.from(slots, (s) => closeAt[s]!) };
}

/**
 * The series' close on each date of a calendar (NaN where the index has no
 * value that day), so a benchmark return can be taken on the panel's grid.
 */
export function alignIndexSeries(series: IndexSeries, dates: readonly string[]): Float64Array {
  const out = new Float64Array(dates.length).fill(NaN);
  for (let t = 0; t < dates.length; t++) {
    const k = lowerBound(series.dates, dates[t]!);
    if (k < series.dates.length && series.dates[k] === dates[t]) out[t] = series.close[k]!;
  }
  return out;
}
