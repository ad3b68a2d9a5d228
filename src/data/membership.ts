import { DataError } from "./errors.ts";
import { readTextLines } from "./source-file.ts";
import { parseIsoDate, slotToIso, lowerBound, upperBound } from "./dates.ts";
import { sharedUint8 } from "./shared.ts";

/** One membership interval; both ends inclusive, ISO dates. */
export interface MembershipInterval {
  readonly instrument: string;
  readonly start: string;
  readonly end: string;
}

/**
 * Read a universe membership file: header with `instrument,start_date,end_date`
 * (any order, extra columns ignored), one interval per line, plain or gzip.
 */
export function readMembership(path: string): MembershipInterval[] {
  const lines = readTextLines(path);
  const header = (lines[0] ?? "").split(",").map((c) => c.trim().toLowerCase());
  if (header.length === 1 && header[0] === "") throw new DataError({ file: path }, "empty file");
  const need = ["instrument", "start_date", "end_date"] as const;
  const missing = need.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new DataError({ file: path, line: 1 }, `membership header must contain instrument,start_date,end_date; missing ${missing.join(", ")} (got "${lines[0]}")`);
  }
  const [ci, cs, ce] = need.map((c) => header.indexOf(c)) as [number, number, number];
  const out: MembershipInterval[] = [];
  for (let n = 1; n < lines.length; n++) {
    const text = lines[n]!;
    if (text.trim() === "") continue;
    const line = n + 1;
    const cols = text.split(",");
    if (cols.length !== header.length) {
      throw new DataError({ file: path, line }, `expected ${header.length} columns, got ${cols.length}`);
    }
    const instrument = cols[ci]!.trim();
    if (instrument === "") throw new DataError({ file: path, line, column: ci + 1, field: "instrument" }, "empty instrument");
    const s = parseIsoDate(cols[cs]!);
    if (s < 0) throw new DataError({ file: path, line, column: cs + 1, field: "start_date" }, `start_date: cannot parse "${cols[cs]}" as YYYY-MM-DD`);
    const e = parseIsoDate(cols[ce]!);
    if (e < 0) throw new DataError({ file: path, line, column: ce + 1, field: "end_date" }, `end_date: cannot parse "${cols[ce]}" as YYYY-MM-DD`);
    if (e < s) throw new DataError({ file: path, line, column: ce + 1, field: "end_date" }, `end_date ${slotToIso(e)} is before start_date ${slotToIso(s)}`);
    out.push({ instrument, start: slotToIso(s), end: slotToIso(e) });
  }
  if (out.length === 0) throw new DataError({ file: path }, "no membership intervals");
  return out;
}

/**
 * Instrument-major member mask (1 = in the universe that day) on a
 * SharedArrayBuffer. Intervals of instruments the panel lacks are reported, not errors.
 */
export function membershipMask(
  dates: readonly string[],
  instruments: readonly string[],
  intervals: readonly MembershipInterval[],
): { member: Uint8Array; withoutData: string[] } {
  const nDates = dates.length;
  const index = new Map(instruments.map((s, i) => [s, i] as const));
  const member = sharedUint8(nDates * instruments.length);
  const withoutData = new Set<string>();
  for (const iv of intervals) {
    const i = index.get(iv.instrument);
    if (i === undefined) {
      withoutData.add(iv.instrument);
      continue;
    }
    const t0 = lowerBound(dates, iv.start);
    const t1 = upperBound(dates, iv.end);
    if (t1 > t0) member.fill(1, i * nDates + t0, i * nDates + t1);
  }
  return { member, withoutData: [...withoutData].sort() };
}
