import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { DataError, type DataWarning } from "./errors.ts";
import { readTextLines } from "./source-file.ts";
import { parseIsoDate, slotToIso } from "./dates.ts";
import { sharedFloat64 } from "./shared.ts";
import { membershipMask, readMembership, type MembershipInterval } from "./membership.ts";
import { assemblePanel, type BuildOptions, type LoadResult } from "./panel-builder.ts";
import { optionSlot, selectInstruments, checkStartCovered } from "./select.ts";
import { REQUIRED_FIELDS } from "./csv-long.ts";
import { scanImplausible } from "./implausible-wide.ts";

export interface QlibLoadOptions extends BuildOptions {
  /**
   * Instrument file under `instruments/` (without `.txt`), default "all". A
   * market other than "all" (e.g. "csi300") also becomes the member mask.
   */
  readonly market?: string;
  /** Fields to load (default: every `*.day.bin` found). */
  readonly fields?: readonly string[];
}

/**
 * Load a qlib binary data directory: `calendars/day.txt`, `instruments/<market>.txt`
 * (`NAME<TAB>start<TAB>end` lines) and `features/<name lowercase>/<field>.day.bin`
 * (float32 LE; the first float is the start index into the calendar).
 * An instrument's span is the extent of its bins; NaNs inside it stay NaN.
 */
export function loadQlibDir(dir: string, opts: QlibLoadOptions = {}): LoadResult {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new DataError({ file: dir }, "no such directory");
  const calFile = join(dir, "calendars", "day.txt");
  const endSlot = optionSlot(dir, "end", opts.end);
  const startSlot = optionSlot(dir, "start", opts.start);

  const calendar = readCalendar(calFile);
  let nDates = calendar.length;
  if (endSlot !== undefined) {
    const end = slotToIso(endSlot);
    while (nDates > 0 && calendar[nDates - 1]! > end) nDates--;
  }
  const dates = calendar.slice(0, nDates);
  if (nDates === 0) throw new DataError({ file: calFile }, `no calendar dates on or before --end ${opts.end}`);
  checkStartCovered(dir, dates, startSlot);

  const market = opts.market ?? "all";
  const instFile = join(dir, "instruments", `${market}.txt`);
  const intervals = readQlibInstruments(instFile);

  // Instruments with a features directory, then the user's selection.
  const featuresDir = join(dir, "features");
  const withData = [...new Set(intervals.map((iv) => iv.instrument))]
    .filter((name) => existsSync(join(featuresDir, name.toLowerCase())))
    .sort();
  if (withData.length === 0) throw new DataError({ file: featuresDir }, `no instrument of ${instFile} has a features directory`);
  const candidates = selectInstruments(dir, withData, opts.instruments);

  // Field set: requested, or the union of the bins present.
  const fieldSet = new Set<string>(opts.fields ?? []);
  if (!opts.fields) {
    for (const name of candidates) {
      for (const f of readdirSync(join(featuresDir, name.toLowerCase()))) {
        if (f.endsWith(".day.bin")) fieldSet.add(f.slice(0, -".day.bin".length));
      }
    }
  }
  const missing = REQUIRED_FIELDS.filter((f) => !fieldSet.has(f));
  if (missing.length > 0) throw new DataError({ file: featuresDir }, `no ${missing.map((f) => `${f}.day.bin`).join(", ")} for any instrument`);
  const fieldNames = [...fieldSet].sort((a, b) => fieldOrder(a) - fieldOrder(b) || (a < b ? -1 : 1));

  // Read every bin of every instrument into one stripe per instrument; keep only instruments with data up to `end`.
  const stripes: { name: string; first: number; last: number; values: Map<string, { start: number; data: Float32Array }> }[] = [];
  for (const name of candidates) {
    const values = new Map<string, { start: number; data: Float32Array }>();
    let first = nDates, last = -1;
    for (const field of fieldNames) {
      const bin = join(featuresDir, name.toLowerCase(), `${field}.day.bin`);
      if (!existsSync(bin)) continue;
      const { start, data } = readBin(bin, calendar.length);
      values.set(field, { start, data });
      if (data.length > 0 && start < nDates) {
        first = Math.min(first, start);
        last = Math.max(last, Math.min(nDates - 1, start + data.length - 1));
      }
    }
    if (last >= first) stripes.push({ name, first, last, values });
  }
  if (stripes.length === 0) throw new DataError({ file: dir }, "no instrument has data in the selected range");

  const instruments = stripes.map((s) => s.name);
  const nInst = instruments.length;
  const fields = new Map(fieldNames.map((f) => [f, sharedFloat64(nInst * nDates)] as const));
  const first = new Int32Array(nInst), last = new Int32Array(nInst);
  stripes.forEach((s, i) => {
    first[i] = s.first;
    last[i] = s.last;
    for (const [field, { start, data }] of s.values) {
      const dst = fields.get(field)!;
      const base = i * nDates;
      const n = Math.min(data.length, nDates - start);
      for (let k = 0; k < n; k++) {
        const v = data[k]!;
        dst[base + start + k] = Number.isFinite(v) ? v : NaN;
      }
    }
  });

  const panelNoMask = assemblePanel({ dates, instruments, fields, first, last });
  const warnings: DataWarning[] = scanImplausible(panelNoMask, dir, opts.strict === true);
  let member: Uint8Array | undefined;
  const memberIntervals: readonly MembershipInterval[] | undefined =
    opts.membership !== undefined
      ? typeof opts.membership === "string" ? readMembership(opts.membership) : opts.membership
      : market !== "all" ? intervals : undefined;
  if (memberIntervals) member = membershipMask(dates, instruments, memberIntervals).member;
  return { panel: assemblePanel({ dates, instruments, fields, first, last, member }), warnings };
}

/** Fields in the conventional order first, others alphabetically after. */
function fieldOrder(f: string): number {
  const k = ["open", "high", "low", "close", "volume", "vwap", "amount", "factor"].indexOf(f);
  return k < 0 ? 100 : k;
}

function readCalendar(path: string): string[] {
  if (!existsSync(path)) throw new DataError({ file: path }, "no such file (a qlib directory needs calendars/day.txt)");
  const lines = readTextLines(path);
  const dates: string[] = [];
  lines.forEach((text, n) => {
    if (text.trim() === "") return;
    const s = parseIsoDate(text.trim().slice(0, 10));
    if (s < 0) throw new DataError({ file: path, line: n + 1, column: 1 }, `cannot parse "${text}" as YYYY-MM-DD`);
    const d = slotToIso(s);
    if (dates.length > 0 && d <= dates[dates.length - 1]!) throw new DataError({ file: path, line: n + 1, column: 1 }, `calendar not strictly increasing (${d} after ${dates[dates.length - 1]})`);
    dates.push(d);
  });
  if (dates.length === 0) throw new DataError({ file: path }, "empty calendar");
  return dates;
}

/** `instruments/<market>.txt`: NAME<TAB>start<TAB>end per line (spaces tolerated). */
export function readQlibInstruments(path: string): MembershipInterval[] {
  if (!existsSync(path)) throw new DataError({ file: path }, "no such file (instrument list)");
  const out: MembershipInterval[] = [];
  readTextLines(path).forEach((text, n) => {
    if (text.trim() === "") return;
    const cols = text.trim().split(/\s+/);
    const at = { file: path, line: n + 1 };
    if (cols.length < 3) throw new DataError(at, `expected NAME<TAB>start<TAB>end, got "${text}"`);
    const s = parseIsoDate(cols[1]!), e = parseIsoDate(cols[2]!);
    if (s < 0) throw new DataError({ ...at, column: 2 }, `cannot parse start "${cols[1]}" as YYYY-MM-DD`);
    if (e < 0) throw new DataError({ ...at, column: 3 }, `cannot parse end "${cols[2]}" as YYYY-MM-DD`);
    out.push({ instrument: cols[0]!, start: slotToIso(s), end: slotToIso(e) });
  });
  if (out.length === 0) throw new DataError({ file: path }, "empty instrument list");
  return out;
}

function readBin(path: string, calendarLength: number): { start: number; data: Float32Array } {
  const raw = readFileSync(path);
  if (raw.length < 4 || raw.length % 4 !== 0) throw new DataError({ file: path }, `not a qlib .bin (size ${raw.length} is not a positive multiple of 4)`);
  const all = new Float32Array(raw.length / 4);
  new Uint8Array(all.buffer).set(raw);
  if (!littleEndianHost) throw new Error("big-endian hosts are not supported");
  const start = all[0]!;
  if (!Number.isInteger(start) || start < 0 || start >= calendarLength) {
    throw new DataError({ file: path }, `start index ${start} is outside the calendar (0..${calendarLength - 1})`);
  }
  const data = all.subarray(1);
  if (start + data.length > calendarLength) {
    throw new DataError({ file: path }, `${data.length} values from index ${start} run past the calendar's ${calendarLength} days`);
  }
  return { start, data };
}

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
