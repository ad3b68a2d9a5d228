/** Test helpers: a tiny long-CSV panel loader for the golden fixtures and a panel builder. */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import type { Panel } from "../../factors/panel.ts";
import { mulberry32 } from "../helpers/rng.ts";

/** Seeded uniform [0,1) (mulberry32). */
export const rng = mulberry32;

export const FIXTURES = fileURLToPath(new URL("../fixtures/backtest/", import.meta.url));

function readText(path: string): string {
  const raw = readFileSync(path);
  return (path.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
}

export interface LongTable {
  readonly header: string[];
  readonly rows: string[][];
}

export function readLong(path: string): LongTable {
  const lines = readText(path).split("\n").filter((l) => l.length > 0);
  return { header: lines[0]!.split(","), rows: lines.slice(1).map((l) => l.split(",")) };
}

const num = (s: string | undefined): number => (s === undefined || s === "" ? NaN : Number(s));

/** Load a long CSV `date,instrument,<fields>` into a Panel (span = first..last row). */
export function loadPanel(path: string, membershipPath?: string): Panel {
  const { header, rows } = readLong(path);
  const dates = [...new Set(rows.map((r) => r[0]!))].sort();
  const instruments = [...new Set(rows.map((r) => r[1]!))].sort();
  const di = new Map(dates.map((d, k) => [d, k]));
  const ii = new Map(instruments.map((s, k) => [s, k]));
  const nDates = dates.length;
  const nInst = instruments.length;
  const fields = new Map<string, Float64Array>();
  const names = header.slice(2);
  for (const f of names) fields.set(f, new Float64Array(nDates * nInst).fill(NaN));
  const first = new Int32Array(nInst).fill(nDates);
  const last = new Int32Array(nInst).fill(-1);
  for (const r of rows) {
    const t = di.get(r[0]!)!;
    const i = ii.get(r[1]!)!;
    names.forEach((f, c) => (fields.get(f)![i * nDates + t] = num(r[c + 2])));
    if (t < first[i]!) first[i] = t;
    if (t > last[i]!) last[i] = t;
  }
  let member: Uint8Array | undefined;
  if (membershipPath) {
    member = new Uint8Array(nDates * nInst);
    for (const r of readLong(membershipPath).rows) {
      const i = ii.get(r[0]!);
      if (i === undefined) continue;
      for (let t = 0; t < nDates; t++) if (dates[t]! >= r[1]! && dates[t]! <= r[2]!) member[i * nDates + t] = 1;
    }
  }
  return { dates, instruments, nDates, nInst, fields, first, last, ...(member ? { member } : {}) };
}

/** Read a factor file `date,instrument,<names>` onto a panel's grid: name → instrument-major array. */
export function loadFactors(path: string, panel: Panel): Map<string, Float64Array> {
  const { header, rows } = readLong(path);
  const di = new Map(panel.dates.map((d, k) => [d, k]));
  const ii = new Map(panel.instruments.map((s, k) => [s, k]));
  const out = new Map<string, Float64Array>();
  const names = header.slice(2);
  for (const n of names) out.set(n, new Float64Array(panel.nDates * panel.nInst).fill(NaN));
  for (const r of rows) {
    const p = ii.get(r[1]!)! * panel.nDates + di.get(r[0]!)!;
    names.forEach((n, c) => (out.get(n)![p] = num(r[c + 2])));
  }
  return out;
}

/**
 * A panel from per-instrument arrays given date-major for readability: fields[name][t][i].
 * Span: first..last date with a finite close. No member mask unless given (member[t][i]).
 */
export function makePanel(
  dates: string[],
  instruments: string[],
  fieldsByDate: Record<string, number[][]>,
  memberByDate?: number[][],
): Panel {
  const nDates = dates.length;
  const nInst = instruments.length;
  const fields = new Map<string, Float64Array>();
  for (const [name, grid] of Object.entries(fieldsByDate)) {
    const a = new Float64Array(nDates * nInst);
    for (let t = 0; t < nDates; t++) for (let i = 0; i < nInst; i++) a[i * nDates + t] = grid[t]![i]!;
    fields.set(name, a);
  }
  const close = fields.get("close")!;
  const first = new Int32Array(nInst).fill(nDates);
  const last = new Int32Array(nInst).fill(-1);
  for (let i = 0; i < nInst; i++)
    for (let t = 0; t < nDates; t++)
      if (Number.isFinite(close[i * nDates + t]!)) {
        if (t < first[i]!) first[i] = t;
        last[i] = t;
      }
  let member: Uint8Array | undefined;
  if (memberByDate) {
    member = new Uint8Array(nDates * nInst);
    for (let t = 0; t < nDates; t++) for (let i = 0; i < nInst; i++) member[i * nDates + t] = memberByDate[t]![i]!;
  }
  return { dates, instruments, nDates, nInst, fields, first, last, ...(member ? { member } : {}) };
}

/** Instrument-major array from a date-major grid grid[t][i]. */
export function byDate(grid: number[][], nDates: number, nInst: number): Float64Array {
  const a = new Float64Array(nDates * nInst);
  for (let t = 0; t < nDates; t++) for (let i = 0; i < nInst; i++) a[i * nDates + t] = grid[t]![i]!;
  return a;
}

