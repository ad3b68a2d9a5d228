import { writeLongCsvCells } from "./long-csv-write.ts";
import type { Panel } from "../../factors/panel.ts";
import type { LongColumn } from "./parquet.ts";

/** Conventional field order for writing: OHLCV first, the rest alphabetically. */
export function orderedFieldNames(panel: Panel): string[] {
  const rank = (f: string) => {
    const k = ["open", "high", "low", "close", "volume", "vwap", "amount", "factor"].indexOf(f);
    return k < 0 ? 100 : k;
  };
  return [...panel.fields.keys()].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
}

/**
 * Cells of a panel that become rows of a long table, instrument-major: inside
 * each span, where some field has a value, plus the span's first and last day
 * (so a reload reproduces the spans).
 */
export function longRowCells(panel: Panel, arrays: readonly Float64Array[]): Int32Array {
  const out: number[] = [];
  const { nDates } = panel;
  for (let i = 0; i < panel.nInst; i++) {
    const f = panel.first[i]!, l = panel.last[i]!;
    for (let t = f; t <= l; t++) {
      const c = i * nDates + t;
      let any = t === f || t === l;
      for (let k = 0; !any && k < arrays.length; k++) any = !Number.isNaN(arrays[k]![c]!);
      if (any) out.push(c);
    }
  }
  return Int32Array.from(out);
}

function fieldArrays(panel: Panel, names: readonly string[]): Float64Array[] {
  return names.map((n) => {
    const a = panel.fields.get(n);
    if (!a) throw new Error(`panel has no field ${n}`);
    return a;
  });
}

/** The panel as long columns (date, instrument, fields…), e.g. for writeParquetLong. */
export function panelToLongColumns(panel: Panel, fieldNames?: readonly string[]): LongColumn[] {
  const names = fieldNames ?? orderedFieldNames(panel);
  const arrays = fieldArrays(panel, names);
  const cells = longRowCells(panel, arrays);
  const { nDates } = panel;
  const date = Array.from(cells, (c) => panel.dates[c % nDates]!);
  const instrument = Array.from(cells, (c) => panel.instruments[Math.floor(c / nDates)]!);
  const out: LongColumn[] = [{ name: "date", data: date }, { name: "instrument", data: instrument }];
  names.forEach((n, k) => {
    const a = arrays[k]!;
    out.push({ name: n, data: Float64Array.from(cells, (c) => a[c]!) });
  });
  return out;
}

/**
 * Write a panel as a long CSV (`.gz` → gzip level 1): header
 * `date,instrument,<fields>`, sorted by instrument then date, NaN as an empty
 * field, numbers in JS's shortest round-trip form (reloads bit-exactly).
 * Written to a temp file and renamed.
 */
export async function writeLongCsv(path: string, panel: Panel, fieldNames?: readonly string[]): Promise<void> {
  const names = fieldNames ?? orderedFieldNames(panel);
  const arrays = fieldArrays(panel, names);
  await writeLongCsvCells(path, panel, names, arrays, longRowCells(panel, arrays));
}
