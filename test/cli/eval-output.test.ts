/**
 * `quanta eval` output: long table `date,instrument,<names>` sorted by instrument then date, one row
 * per calendar date in each instrument's first..last span ∩ [--start, --end], NaN as an empty field;
 * .csv.gz and .parquet hold the same values. Checked on a tiny hand-made file (unsorted rows, a late
 * start, a gap, an early end) whose expected values are worked out here.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_FIXTURES, readTable, runCli, SP500_SLICE, tableDiff, type LongTable } from "./harness.ts";

const dir = mkdtempSync(join(tmpdir(), "quanta-cli-eval-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TINY = `${CLI_FIXTURES}tiny.csv`;
const EXPRS = join(dir, "exprs.tsv");
writeFileSync(
  EXPRS,
  ["# comment line, then the factors", "c\t$close", "d\tDELAY($close, 1)", "r\tRANK($close)", "s\tTS_SUM($volume, 2)", "sd\tTS_STD($close, 3)", ""].join("\n"),
);

/** tiny.csv, by instrument: date → close (volume = close-independent, see below). */
const CLOSE: Record<string, Record<string, number>> = {
  AAA: { "2020-01-02": 10, "2020-01-03": 11, "2020-01-06": 12, "2020-01-07": 13, "2020-01-08": 14, "2020-01-09": 15, "2020-01-10": 16 },
  BBB: { "2020-01-06": 20, "2020-01-07": 19, "2020-01-09": 21, "2020-01-10": 22 },
  CCC: { "2020-01-02": 5, "2020-01-03": 6, "2020-01-06": 7, "2020-01-07": 8 },
};
const CALENDAR = ["2020-01-02", "2020-01-03", "2020-01-06", "2020-01-07", "2020-01-08", "2020-01-09", "2020-01-10"];

/** The rows the spec asks for: per instrument (sorted), every calendar date of its span within [start, end]. */
function expectedKeys(start = "0000", end = "9999"): [string, string][] {
  const calendar = CALENDAR.filter((d) => d <= end);
  const keys: [string, string][] = [];
  for (const inst of Object.keys(CLOSE).sort()) {
    const own = Object.keys(CLOSE[inst]!).filter((d) => d <= end).sort();
    const first = own[0]!, last = own[own.length - 1]!;
    for (const d of calendar) if (d >= first && d <= last && d >= start) keys.push([d, inst]);
  }
  return keys;
}

async function evalTo(name: string, ...extra: string[]): Promise<LongTable> {
  const out = join(dir, name);
  const r = await runCli(["eval", "--threads", "1", "--data", TINY, "--exprs", EXPRS, "--out", out, ...extra]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toBe(""); // results go to the file, the summary to stderr
  expect(r.stderr).toMatch(new RegExp(`wrote .*${name.replace(/\./g, "\\.")}: \\d+ rows × 5 factors`));
  return readTable(out);
}

let full: LongTable;
beforeAll(async () => {
  full = await evalTo("full.csv");
});

describe("eval: long CSV layout", () => {
  it("header, sort order and one row per calendar date inside each span", () => {
    expect(full.columns).toEqual(["date", "instrument", "c", "d", "r", "s", "sd"]);
    const keys = full.dates.map((d, r) => [d, full.instruments[r]!]);
    expect(keys).toEqual(expectedKeys());
    expect(keys.length).toBe(7 + 5 + 4);
  });

  it("values: a field, a lag over a gap, a cross-sectional rank, a rolling sum, NaN as empty", () => {
    const at = (inst: string, date: string) => full.dates.findIndex((d, r) => d === date && full.instruments[r] === inst);
    const v = (name: string, inst: string, date: string) => full.values.get(name)![at(inst, date)]!;
    for (const [inst, byDate] of Object.entries(CLOSE)) for (const [d, c] of Object.entries(byDate)) expect(v("c", inst, d)).toBe(c);
    expect(v("c", "BBB", "2020-01-08")).toBeNaN(); // gap inside the span: a row with NaN
    expect(v("d", "AAA", "2020-01-02")).toBeNaN();
    expect(v("d", "AAA", "2020-01-03")).toBe(10);
    expect(v("d", "BBB", "2020-01-06")).toBeNaN(); // before the span
    expect(v("d", "BBB", "2020-01-09")).toBeNaN(); // yesterday is the gap
    expect(v("d", "BBB", "2020-01-10")).toBe(21);
    // RANK: pct rank per date over in-span instruments with a value
    expect(v("r", "AAA", "2020-01-06")).toBeCloseTo(2 / 3, 15);
    expect(v("r", "BBB", "2020-01-06")).toBe(1);
    expect(v("r", "CCC", "2020-01-06")).toBeCloseTo(1 / 3, 15);
    expect(v("r", "AAA", "2020-01-08")).toBe(1); // BBB is NaN that day, CCC out of span
    expect(v("r", "BBB", "2020-01-08")).toBeNaN();
    // TS_SUM($volume, 2) skips the gap's NaN
    expect(v("s", "AAA", "2020-01-02")).toBe(100);
    expect(v("s", "AAA", "2020-01-03")).toBe(300);
    expect(v("s", "BBB", "2020-01-09")).toBe(3000);
    expect(v("sd", "CCC", "2020-01-02")).toBeNaN(); // one point: ddof=1 std undefined
    expect(v("sd", "CCC", "2020-01-03")).toBeCloseTo(Math.SQRT1_2, 15);
  });

  it("NaN is an empty field, numbers are plain shortest round-trip decimals", () => {
    const raw = readFileSync(join(dir, "full.csv"), "utf8");
    expect(raw).not.toMatch(/NaN|Infinity|null|undefined/);
    const lines = raw.trimEnd().split("\n");
    expect(lines[0]).toBe("date,instrument,c,d,r,s,sd");
    expect(lines[1]).toBe("2020-01-02,AAA,10,,1,100,");
    // the gap row: no close, yesterday's close, no rank, the 2-day volume sum, std of (20, 19)
    expect(lines).toContain("2020-01-08,BBB,,19,,2000,0.7071067811865476");
  });

  it("--start / --end: the span ∩ the window; data after --end is not read", async () => {
    const t = await evalTo("window.csv", "--start", "2020-01-07", "--end", "2020-01-09");
    expect(t.dates.map((d, r) => [d, t.instruments[r]!])).toEqual(expectedKeys("2020-01-07", "2020-01-09"));
    // history before --start is used
    const i = t.dates.findIndex((d, r) => d === "2020-01-07" && t.instruments[r] === "AAA");
    expect(t.values.get("d")![i]).toBe(12);
    // same values as the full run on the rows both have
    for (let r = 0; r < t.dates.length; r++) {
      const j = full.dates.findIndex((d, k) => d === t.dates[r] && full.instruments[k] === t.instruments[r]);
      for (const n of ["c", "d", "r", "s", "sd"]) expect(Object.is(t.values.get(n)![r], full.values.get(n)![j])).toBe(true);
    }
  });

  it(".csv.gz and .parquet read back with the same rows and bit-identical values", async () => {
    const gz = await evalTo("full.csv.gz");
    expect(tableDiff(gz, full, Object.is)).toEqual([]);
    const pq = await evalTo("full.parquet");
    expect(pq.columns).toEqual(full.columns);
    expect(tableDiff(pq, full, Object.is)).toEqual([]);
  });
});

describe("eval on real data (S&P 500 slice): CSV, CSV.gz and Parquet agree; later data cannot change earlier rows", () => {
  const exprs = join(dir, "slice.tsv");
  writeFileSync(exprs, "m\tTS_MEAN($return, 20)\nz\tZSCORE(TS_CORR($close, $volume, 10))\nq\tTS_QUANTILE($low, 15, 0.25) / $close\n");

  it("the three formats", async () => {
    const tables: LongTable[] = [];
    for (const name of ["s.csv", "s.csv.gz", "s.parquet"]) {
      const r = await runCli(["eval", "--threads", "1", "--data", SP500_SLICE, "--exprs", exprs, "--out", join(dir, name), "--start", "2016-01-01"]);
      expect(r.code, r.stderr).toBe(0);
      tables.push(await readTable(join(dir, name)));
    }
    expect(tables[0]!.dates.length).toBeGreaterThan(1000);
    expect(tableDiff(tables[1]!, tables[0]!, Object.is)).toEqual([]);
    expect(tableDiff(tables[2]!, tables[0]!, Object.is)).toEqual([]);
  });

  it("rows ≤ t are unchanged when the file's rows after t are altered or deleted", async () => {
    const t = "2015-06-30";
    const lines = gunzipSync(readFileSync(SP500_SLICE)).toString("utf8").trimEnd().split("\n");
    let k = 0;
    const altered = [lines[0]!];
    for (const line of lines.slice(1)) {
      const cells = line.split(",");
      if (cells[0]! <= t) altered.push(line);
      else if (k++ % 7 === 0) continue; // deleted row
      else altered.push([cells[0], cells[1], ...cells.slice(2).map((x, j) => (x === "" || (k + j) % 11 === 0 ? "" : String(Number(x) * 1.37 + j)))].join(","));
    }
    const changed = join(dir, "altered.csv");
    writeFileSync(changed, altered.join("\n") + "\n");
    const upToT: string[][] = [];
    for (const data of [SP500_SLICE, changed]) {
      const out = join(dir, "lookahead.csv");
      const r = await runCli(["eval", "--threads", "1", "--data", data, "--exprs", exprs, "--out", out]);
      expect(r.code, r.stderr).toBe(0);
      upToT.push(readFileSync(out, "utf8").split("\n").filter((l) => l.slice(0, 10) <= t));
    }
    expect(upToT[0]!.length).toBeGreaterThan(3000);
    expect(upToT[1]).toEqual(upToT[0]);
  });
});
