/**
 * Readers for the factor-engine parity fixtures (test/fixtures/factors/, made by
 * make_golden.py): a tiny long-CSV → Panel loader (independent of src/data so
 * the factor tests only depend on factors/), the name<TAB>expression lists, and
 * the reference's golden values.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import type { Panel } from "../../factors/panel.ts";

export const FACTOR_FIXTURES = fileURLToPath(new URL("../fixtures/factors/", import.meta.url));

function readText(path: string): string {
  const raw = readFileSync(path);
  return (path.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
}

function parseCell(s: string): number {
  return s === "" ? NaN : Number(s);
}

/** Long CSV `date,instrument,field…` → Panel on the union calendar; spans from first to last row. */
export function loadLongCsvPanel(path: string): Panel {
  const lines = readText(path).split("\n").filter((l) => l.length > 0);
  const header = lines[0]!.split(",");
  const fieldNames = header.slice(2);
  const rows = lines.slice(1).map((l) => l.split(","));
  const dates = [...new Set(rows.map((r) => r[0]!))].sort();
  const instruments = [...new Set(rows.map((r) => r[1]!))].sort();
  const T = dates.length;
  const N = instruments.length;
  const di = new Map(dates.map((d, i) => [d, i]));
  const ii = new Map(instruments.map((s, i) => [s, i]));
  const fields = new Map<string, Float64Array>(fieldNames.map((f) => [f, new Float64Array(N * T).fill(NaN)]));
  const first = new Int32Array(N).fill(T);
  const last = new Int32Array(N).fill(-1);
  for (const r of rows) {
    const t = di.get(r[0]!)!;
    const i = ii.get(r[1]!)!;
    fieldNames.forEach((f, k) => {
      fields.get(f)![i * T + t] = parseCell(r[k + 2]!);
    });
    if (t < first[i]!) first[i] = t;
    if (t > last[i]!) last[i] = t;
  }
  return { dates, instruments, nDates: T, nInst: N, fields, first, last };
}

export interface NamedExpr {
  readonly name: string;
  readonly text: string;
}

/** `name<TAB>expression` lines; blank lines and `#` comments skipped. */
export function readExprList(path: string): NamedExpr[] {
  return readText(path)
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.trimStart().startsWith("#"))
    .map((l) => {
      const tab = l.indexOf("\t");
      return { name: l.slice(0, tab).trim(), text: l.slice(tab + 1).trim() };
    });
}

export interface Golden {
  readonly names: readonly string[];
  /** (date, instrument) of each row */
  readonly dates: readonly string[];
  readonly instruments: readonly string[];
  /** values by factor name, one per row */
  readonly columns: ReadonlyMap<string, Float64Array>;
}

/** The reference's `date,instrument,<factor>…` output (NaN = empty field). */
export function readGolden(path: string): Golden {
  const lines = readText(path).split("\n").filter((l) => l.length > 0);
  const names = lines[0]!.split(",").slice(2);
  const n = lines.length - 1;
  const columns = new Map(names.map((f) => [f, new Float64Array(n)]));
  const dates: string[] = [];
  const instruments: string[] = [];
  for (let r = 0; r < n; r++) {
    const cells = lines[r + 1]!.split(",");
    dates.push(cells[0]!);
    instruments.push(cells[1]!);
    names.forEach((f, k) => {
      columns.get(f)![r] = parseCell(cells[k + 2]!);
    });
  }
  return { names, dates, instruments, columns };
}
