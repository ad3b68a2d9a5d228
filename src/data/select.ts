import { DataError } from "./errors.ts";
import { parseIsoDate, slotToIso } from "./dates.ts";

/**
 * Most instruments a panel may hold: every date's cross-section is ranked (IC, CSRankNorm, the
 * RANK operators) by RankScratch, whose fast path packs an instrument's index into 16 bits. A
 * market holds far fewer (CSI 300, S&P 500, even all US listings: < 10,000), and such a panel would
 * not fit in memory anyway; this turns the limit into a load error instead of a failure mid-run.
 * (Equal to backtest/stats.ts RANK_SCRATCH_MAX; a test holds them together.)
 */
export const MAX_PANEL_INSTRUMENTS = 1 << 16;

/** Options every loader understands. */
export interface SelectOptions {
  /** Start of the range of interest. Rows before it are KEPT (history for rolling windows); only checked. */
  readonly start?: string;
  /** Rows after this date are dropped (no factor may depend on them anyway). */
  readonly end?: string;
  /** First N instruments in sorted order, or an explicit list (unknown names are an error). */
  readonly instruments?: number | readonly string[];
}

/** Day slot of a user-given option date; a bad date is a DataError naming the option. */
export function optionSlot(file: string, name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const s = parseIsoDate(value);
  if (s < 0) throw new DataError({ file }, `--${name} "${value}" is not a date (YYYY-MM-DD)`);
  return s;
}

/** Apply the `instruments` option to the sorted list of names a source has. */
export function selectInstruments(file: string, sorted: readonly string[], sel: SelectOptions["instruments"]): string[] {
  const names = pickInstruments(file, sorted, sel);
  if (names.length > MAX_PANEL_INSTRUMENTS) {
    throw new DataError({ file }, `${names.length} instruments: a panel holds at most ${MAX_PANEL_INSTRUMENTS} (split the file into smaller universes)`);
  }
  return names;
}

function pickInstruments(file: string, sorted: readonly string[], sel: SelectOptions["instruments"]): string[] {
  if (sel === undefined) return [...sorted];
  if (typeof sel === "number") {
    if (!Number.isInteger(sel) || sel < 1) throw new DataError({ file }, `--instruments must be a positive integer or a list of names, got ${sel}`);
    return sorted.slice(0, sel);
  }
  const have = new Set(sorted);
  const wanted = [...new Set(sel.map((s) => s.trim()).filter((s) => s !== ""))];
  const unknown = wanted.filter((s) => !have.has(s));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 10).join(", ") + (unknown.length > 10 ? `, … (${unknown.length} in all)` : "");
    throw new DataError({ file }, `unknown instrument(s): ${shown}`);
  }
  if (wanted.length === 0) throw new DataError({ file }, "--instruments names no instrument");
  return wanted.sort();
}

/** The calendar must reach `start`, or the range of interest holds no data. */
export function checkStartCovered(file: string, dates: readonly string[], startSlot: number | undefined): void {
  if (startSlot === undefined) return;
  const start = slotToIso(startSlot);
  const last = dates[dates.length - 1];
  if (last === undefined || last < start) {
    throw new DataError({ file }, `no data on or after --start ${start} (data ends ${last ?? "nowhere"})`);
  }
}
