/**
 * Ready-made scores for `quanta backtest --scores FILE`: a long CSV (plain or gzip)
 * `date,instrument,score` placed on a panel's grid. Strict, because a silently dropped row would
 * change the portfolio: an instrument or a date the market data does not have, or a duplicate
 * (date, instrument), is an error naming the line. An empty score is missing (NaN).
 */
import type { Panel } from "../../factors/panel.ts";
import { DataError } from "../data/errors.ts";
import { readLongCsv } from "../data/csv-long.ts";
import { slotToIso } from "../data/dates.ts";

export interface ScoresFile {
  /** Instrument-major scores on the panel's grid, NaN where the file has none. */
  readonly scores: Float64Array;
  readonly rows: number;
  /** First and last date in the file. */
  readonly firstDate: string;
  readonly lastDate: string;
}

/** The score column: `score`, or the only value column whatever its name. */
function scoreColumn(file: string, names: readonly string[]): number {
  const k = names.indexOf("score");
  if (k >= 0) return k;
  if (names.length === 1) return 0;
  throw new DataError({ file, line: 1 }, `expected a header date,instrument,score; found ${names.length} value columns (${names.join(", ")}) and none named score`);
}

export async function readScoresFile(path: string, panel: Panel): Promise<ScoresFile> {
  const rows = await readLongCsv(path, { required: [] });
  const nf = rows.fieldNames.length;
  if (nf === 0) throw new DataError({ file: path, line: 1 }, "expected a header date,instrument,score; found no score column");
  const kc = scoreColumn(path, rows.fieldNames);
  const instIndex = new Map(panel.instruments.map((s, i) => [s, i] as const));
  const instOf = rows.instNames.map((s) => instIndex.get(s) ?? -1);
  const dateIndex = new Map(panel.dates.map((d, t) => [d, t] as const));
  const slotDate = new Map<number, number>();
  const { nDates } = panel;
  const scores = new Float64Array(nDates * panel.nInst).fill(NaN);
  const seenAt = new Int32Array(nDates * panel.nInst);
  let minSlot = Infinity;
  let maxSlot = -Infinity;
  for (let r = 0; r < rows.nRows; r++) {
    const line = rows.where[r]!;
    const i = instOf[rows.inst[r]!]!;
    if (i < 0) {
      const unknown = rows.instNames.filter((_, c) => instOf[c]! < 0);
      throw new DataError(
        { file: path, line, column: 2, field: "instrument" },
        `instrument ${rows.instNames[rows.inst[r]!]} is not in the market data` +
          (unknown.length > 1 ? ` (${unknown.length} unknown instruments: ${unknown.slice(0, 5).join(", ")}${unknown.length > 5 ? ", …" : ""})` : ""),
      );
    }
    const slot = rows.slot[r]!;
    let t = slotDate.get(slot);
    if (t === undefined) {
      t = dateIndex.get(slotToIso(slot)) ?? -1;
      slotDate.set(slot, t);
    }
    if (t < 0) {
      throw new DataError({ file: path, line, column: 1, field: "date" }, `date ${slotToIso(slot)} is not a trading date of the market data (${panel.dates[0]} … ${panel.dates[nDates - 1]})`);
    }
    const p = i * nDates + t;
    if (seenAt[p] !== 0) {
      throw new DataError({ file: path, line }, `duplicate (date, instrument) (${panel.dates[t]}, ${panel.instruments[i]}): lines ${seenAt[p]} and ${line}`);
    }
    seenAt[p] = line;
    const v = rows.cells[r * nf + kc]!;
    // ±inf is no ranking information a trader could act on: treat it as missing, like NaN.
    scores[p] = Number.isFinite(v) ? v : NaN;
    if (slot < minSlot) minSlot = slot;
    if (slot > maxSlot) maxSlot = slot;
  }
  if (rows.nRows === 0) throw new DataError({ file: path }, "no score rows");
  return { scores, rows: rows.nRows, firstDate: slotToIso(minSlot), lastDate: slotToIso(maxSlot) };
}
