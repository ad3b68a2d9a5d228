import type { Panel } from "../../factors/panel.ts";
import { DataError, WARNING_EXAMPLES, type DataWarning, type ImplausibleKind } from "./errors.ts";
import type { LongRows } from "./long-rows.ts";
import { DAY_SLOTS, slotToIso } from "./dates.ts";
import { sharedFloat64Zeroed } from "./shared.ts";
import { readMembership, membershipMask, type MembershipInterval } from "./membership.ts";
import { optionSlot, selectInstruments, checkStartCovered, type SelectOptions } from "./select.ts";

export interface BuildOptions extends SelectOptions {
  /** Implausible values (high < low, negative volume, non-positive price) become errors. */
  readonly strict?: boolean;
  /** Membership file path or intervals → `member` mask. Restricts nothing else. */
  readonly membership?: string | readonly MembershipInterval[];
}

export interface LoadResult {
  readonly panel: Panel;
  readonly warnings: DataWarning[];
}

/** Assemble a Panel from wide arrays, checking that every array has the panel's shape. */
export function assemblePanel(p: {
  dates: readonly string[];
  instruments: readonly string[];
  fields: ReadonlyMap<string, Float64Array>;
  first: Int32Array;
  last: Int32Array;
  member?: Uint8Array | undefined;
}): Panel {
  const nDates = p.dates.length, nInst = p.instruments.length, n = nDates * nInst;
  for (const [name, a] of p.fields) if (a.length !== n) throw new Error(`field ${name}: ${a.length} cells, expected ${n}`);
  if (p.first.length !== nInst || p.last.length !== nInst) throw new Error("first/last length differs from instruments");
  if (p.member && p.member.length !== n) throw new Error(`member mask: ${p.member.length} cells, expected ${n}`);
  return {
    dates: p.dates,
    instruments: p.instruments,
    nDates,
    nInst,
    fields: p.fields,
    first: p.first,
    last: p.last,
    ...(p.member ? { member: p.member } : {}),
  };
}

/**
 * Turn parsed long rows into a Panel: calendar = sorted union of the kept rows'
 * dates, instruments sorted, spans from the rows present, values on shared
 * buffers. Duplicates, empty results and (strict) implausible rows throw;
 * nothing is returned until everything has been checked.
 */
export function buildPanelFromRows(rows: LongRows, opts: BuildOptions = {}): LoadResult {
  const { file } = rows;
  const endSlot = optionSlot(file, "end", opts.end) ?? DAY_SLOTS;
  const startSlot = optionSlot(file, "start", opts.start);
  const nf = rows.fieldNames.length;
  const nCodes = rows.instNames.length;

  // Instruments that have rows up to `end`, sorted, then the user's selection.
  const used = new Uint8Array(nCodes);
  for (let r = 0; r < rows.nRows; r++) if (rows.slot[r]! <= endSlot) used[rows.inst[r]!] = 1;
  const codeOf = new Map<string, number>();
  rows.instNames.forEach((name, code) => { if (used[code]) codeOf.set(name, code); });
  if (codeOf.size === 0) throw new DataError({ file }, opts.end ? `no rows on or before --end ${opts.end}` : "no data rows");
  const instruments = selectInstruments(file, [...codeOf.keys()].sort(), opts.instruments);
  const nInst = instruments.length;
  const codeToI = new Int32Array(nCodes).fill(-1);
  instruments.forEach((name, i) => { codeToI[codeOf.get(name)!] = i; });

  // Calendar: mark day slots, read them back in order (no sort needed).
  const seen = new Uint8Array(DAY_SLOTS);
  for (let r = 0; r < rows.nRows; r++) {
    const s = rows.slot[r]!;
    if (s <= endSlot && codeToI[rows.inst[r]!]! >= 0) seen[s] = 1;
  }
  const slotToT = new Int32Array(DAY_SLOTS).fill(-1);
  const dates: string[] = [];
  for (let s = 0; s < DAY_SLOTS; s++) if (seen[s]) { slotToT[s] = dates.length; dates.push(slotToIso(s)); }
  const nDates = dates.length;
  checkStartCovered(file, dates, startSlot);

  // Place rows on the grid; a second row for the same cell is a duplicate.
  const nCells = nInst * nDates;
  const rowAt = new Int32Array(nCells).fill(-1);
  for (let r = 0; r < rows.nRows; r++) {
    const s = rows.slot[r]!;
    const i = codeToI[rows.inst[r]!]!;
    if (s > endSlot || i < 0) continue;
    const c = i * nDates + slotToT[s]!;
    const prev = rowAt[c]!;
    if (prev >= 0) {
      const u = rows.unit;
      throw new DataError(
        { file, line: rows.where[r]!, unit: u },
        `duplicate (date, instrument) (${slotToIso(s)}, ${instruments[i]}): ${u}s ${rows.where[prev]} and ${rows.where[r]}`,
      );
    }
    rowAt[c] = r;
  }

  const warnings = checkImplausible(rows, { endSlot, codeToI, slotToT }, dates, instruments, opts.strict === true);

  const first = new Int32Array(nInst).fill(nDates);
  const last = new Int32Array(nInst).fill(-1);
  for (let i = 0; i < nInst; i++) {
    const base = i * nDates;
    for (let t = 0; t < nDates; t++) if (rowAt[base + t]! >= 0) { first[i] = t; break; }
    for (let t = nDates - 1; t >= 0; t--) if (rowAt[base + t]! >= 0) { last[i] = t; break; }
  }

  // One pass writes every cell (value or NaN): fresh memory is touched once, not filled and then overwritten.
  const fields = new Map<string, Float64Array>();
  const arrays = rows.fieldNames.map((name) => {
    const a = sharedFloat64Zeroed(nCells);
    fields.set(name, a);
    return a;
  });
  const cells = rows.cells;
  for (let k = 0; k < nf; k++) {
    const dst = arrays[k]!;
    for (let c = 0; c < nCells; c++) {
      const r = rowAt[c]!;
      dst[c] = r < 0 ? NaN : cells[r * nf + k]!;
    }
  }

  let member: Uint8Array | undefined;
  if (opts.membership !== undefined) {
    const intervals = typeof opts.membership === "string" ? readMembership(opts.membership) : opts.membership;
    const m = membershipMask(dates, instruments, intervals);
    member = m.member;
    if (m.withoutData.length > 0 && opts.instruments === undefined) {
      const mfile = typeof opts.membership === "string" ? opts.membership : "membership";
      warnings.push({
        kind: "membership without data",
        file: mfile,
        count: m.withoutData.length,
        firstLines: [],
        examples: m.withoutData.slice(0, WARNING_EXAMPLES),
        message: `${mfile}: ${m.withoutData.length} member instrument(s) have no rows in ${file} (e.g. ${m.withoutData.slice(0, 3).join(", ")}); they are never in the cross-section`,
      });
    }
  }

  return { panel: assemblePanel({ dates, instruments, fields, first, last, member }), warnings };
}

interface Tally {
  count: number;
  firstLines: number[];
  examples: string[];
}

const PRICE_FIELDS = ["open", "high", "low", "close"] as const;

/** Where a kept row goes: its instrument's index and its date's (rows after `endSlot` are not kept). */
interface RowPlacement {
  readonly endSlot: number;
  readonly codeToI: Int32Array;
  readonly slotToT: Int32Array;
}

/** Count implausible kept rows by kind; in strict mode the first one (in source order) is an error. */
function checkImplausible(
  rows: LongRows,
  place: RowPlacement,
  dates: readonly string[],
  instruments: readonly string[],
  strict: boolean,
): DataWarning[] {
  const { file, fieldNames, cells } = rows;
  const nf = fieldNames.length;
  const kh = fieldNames.indexOf("high"), kl = fieldNames.indexOf("low"), kv = fieldNames.indexOf("volume");
  const priceKs = PRICE_FIELDS.map((f) => fieldNames.indexOf(f));
  const tallies = new Map<ImplausibleKind, Tally>();
  const { endSlot, codeToI, slotToT } = place;

  // Rows are stored in source order, so the first cases found are the earliest lines.
  for (let r = 0; r < rows.nRows; r++) {
    const s = rows.slot[r]!;
    if (s > endSlot || codeToI[rows.inst[r]!]! < 0) continue;
    const off = r * nf;
    let kind: ImplausibleKind | undefined;
    let what = "";
    let k = -1;
    const h = kh >= 0 ? cells[off + kh]! : NaN, l = kl >= 0 ? cells[off + kl]! : NaN;
    if (h < l) { kind = "high<low"; what = `high ${h} < low ${l}`; k = kh; }
    else if (kv >= 0 && cells[off + kv]! < 0) { kind = "negative volume"; what = `volume ${cells[off + kv]} < 0`; k = kv; }
    else {
      for (let p = 0; p < priceKs.length; p++) {
        const kp = priceKs[p]!;
        if (kp >= 0 && cells[off + kp]! <= 0) { kind = "non-positive price"; what = `${PRICE_FIELDS[p]} ${cells[off + kp]} <= 0`; k = kp; break; }
      }
    }
    if (kind === undefined) continue;
    const label = `${instruments[codeToI[rows.inst[r]!]!]} ${dates[slotToT[s]!]}`;
    if (strict) {
      throw new DataError(
        { file, line: rows.where[r]!, unit: rows.unit, column: rows.fieldColumns[k]!, field: fieldNames[k]! },
        `implausible value ${what} (${label}) [strict]`,
      );
    }
    let t = tallies.get(kind);
    if (!t) tallies.set(kind, (t = { count: 0, firstLines: [], examples: [] }));
    t.count++;
    if (t.firstLines.length < WARNING_EXAMPLES) {
      t.firstLines.push(rows.where[r]!);
      t.examples.push(`${label} (${rows.unit} ${rows.where[r]}): ${what}`);
    }
  }
  return [...tallies].map(([kind, t]) => ({
    kind,
    file,
    count: t.count,
    firstLines: t.firstLines,
    examples: t.examples,
    message: `${file}: ${t.count} row(s) with ${kind} loaded as is (first: ${t.examples[0]}); use strict to reject`,
  }));
}
