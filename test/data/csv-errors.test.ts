import { afterAll, describe, expect, it } from "vitest";
import { loadCsvPanel, DataError } from "../../src/data/index.ts";
import { QuantaError } from "../../factors/errors.ts";
import { MAX_PANEL_INSTRUMENTS } from "../../src/data/select.ts";
import { RANK_SCRATCH_MAX } from "../../backtest/stats.ts";
import { scratchDir, HEADER } from "./tmp-files.ts";

const tmp = scratchDir("csv-errors");
afterAll(() => tmp.cleanup());

const GOOD_ROW = "2020-01-02,AAA,10,11,9,10.5,1000";

/** Load and return the DataError (fails the test if loading succeeds). */
async function errorOf(name: string, content: string, opts = {}): Promise<DataError> {
  const path = tmp.write(name, content);
  try {
    await loadCsvPanel(path, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    expect(e).toBeInstanceOf(QuantaError);
    expect((e as DataError).exitCode).toBe(2);
    expect((e as DataError).message).toContain(path);
    return e as DataError;
  }
  throw new Error(`expected ${name} to fail`);
}

describe("long CSV: bad input is a DataError naming file, line and column", () => {
  it("missing file", async () => {
    await expect(loadCsvPanel(`${tmp.dir}/nope.csv`)).rejects.toThrow(/nope\.csv: no such file/);
  });

  it("empty file (0 bytes and empty gzip)", async () => {
    expect((await errorOf("empty.csv", "")).message).toMatch(/empty file/);
    const gz = tmp.write("empty.csv.gz", "", true);
    await expect(loadCsvPanel(gz)).rejects.toThrow(/empty file/);
  });

  it("corrupt gzip", async () => {
    const path = tmp.write("corrupt.csv.gz", Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    await expect(loadCsvPanel(path)).rejects.toThrow(/corrupt\.csv\.gz: line \d+: read failed/);
  });

  it("header only", async () => {
    expect((await errorOf("header-only.csv", `${HEADER}\n`)).message).toMatch(/no data rows/);
  });

  it("header not starting with date,instrument", async () => {
    const e = await errorOf("bad-header.csv", `instrument,date,open,high,low,close,volume\n${GOOD_ROW}\n`);
    expect(e.message).toMatch(/line 1, col 1: header must start with date,instrument/);
    expect(e.line).toBe(1);
  });

  it("missing required column", async () => {
    const e = await errorOf("no-volume.csv", "date,instrument,open,high,low,close\n2020-01-02,AAA,10,11,9,10.5\n");
    expect(e.message).toMatch(/line 1: header: missing required column\(s\) volume/);
  });

  it("duplicate header column", async () => {
    const e = await errorOf("dup-col.csv", `${HEADER},close\n${GOOD_ROW},1\n`);
    expect(e.message).toMatch(/line 1, col 8: header: duplicate column "close"/);
  });

  it("unparseable number names column, text, line and column", async () => {
    const e = await errorOf("bad-num.csv", `${HEADER}\n${GOOD_ROW}\n2020-01-03,AAA,10,11,9,1O.5,1000\n`);
    expect(e.message).toContain("line 3, col 6");
    expect(e.message).toContain('column "close": cannot parse "1O.5" as a number');
    expect([e.line, e.column, e.field]).toEqual([3, 6, "close"]);
  });

  it.each([
    ["2020-13-01", "month 13"],
    ["2020/01/02", "slashes"],
    ["2021-02-29", "not a leap year"],
    ["", "empty"],
  ])("unparseable date %j (%s)", async (date) => {
    const e = await errorOf(`bad-date-${date.replace(/\//g, "_") || "empty"}.csv`, `${HEADER}\n${GOOD_ROW}\n${date},AAA,10,11,9,10.5,1000\n`);
    expect(e.message).toContain(`line 3, col 1: date: cannot parse "${date}" as YYYY-MM-DD`);
  });

  it("duplicate (date, instrument) names both lines", async () => {
    const e = await errorOf("dup-row.csv", `${HEADER}\n${GOOD_ROW}\n2020-01-03,AAA,1,1,1,1,1\n${GOOD_ROW}\n`);
    expect(e.message).toContain("line 4");
    expect(e.message).toContain("duplicate (date, instrument) (2020-01-02, AAA): lines 2 and 4");
  });

  it("ragged rows: too few and too many fields", async () => {
    const few = await errorOf("few.csv", `${HEADER}\n${GOOD_ROW}\n2020-01-03,AAA,10,11,9\n`);
    expect(few.message).toContain("line 3, col 6: expected 7 columns, got 5");
    const many = await errorOf("many.csv", `${HEADER}\n2020-01-03,AAA,10,11,9,10,5,7,8\n`);
    expect(many.message).toContain("line 2, col 8: expected 7 columns, got 9");
    const one = await errorOf("one.csv", `${HEADER}\n2020-01-03\n`);
    expect(one.message).toContain("line 2, col 1: expected 7 columns, got 1");
  });

  it("empty instrument", async () => {
    const e = await errorOf("empty-inst.csv", `${HEADER}\n2020-01-03,,10,11,9,10,5\n`);
    expect(e.message).toContain("line 2, col 2: empty instrument");
  });

  it("unknown instrument in the selection and bad option dates", async () => {
    const path = tmp.write("ok.csv", `${HEADER}\n${GOOD_ROW}\n`);
    await expect(loadCsvPanel(path, { instruments: ["AAA", "ZZZ"] })).rejects.toThrow(/unknown instrument\(s\): ZZZ/);
    await expect(loadCsvPanel(path, { end: "yesterday" })).rejects.toThrow(/--end "yesterday" is not a date/);
    await expect(loadCsvPanel(path, { end: "2019-12-31" })).rejects.toThrow(/no rows on or before --end 2019-12-31/);
    await expect(loadCsvPanel(path, { start: "2021-01-01" })).rejects.toThrow(/no data on or after --start 2021-01-01/);
  });

  it("implausible rows load with a warning; strict makes the first one an error", async () => {
    const content = [
      HEADER,
      GOOD_ROW,
      "2020-01-03,AAA,10,9,11,10,1000", // high < low (line 3)
      "2020-01-06,AAA,10,11,9,10,-5", // negative volume (line 4)
      "2020-01-07,AAA,0,11,9,10,5", // non-positive price (line 5)
      "2020-01-08,AAA,10,8,9.5,10,5", // high < low (line 6)
    ].join("\n");
    const path = tmp.write("implausible.csv", content);
    const { panel, warnings } = await loadCsvPanel(path);
    expect(panel.nDates).toBe(5);
    expect(panel.fields.get("high")![1]).toBe(9); // loaded as is
    const byKind = Object.fromEntries(warnings.map((w) => [w.kind, w]));
    expect(byKind["high<low"]).toMatchObject({ count: 2, firstLines: [3, 6] });
    expect(byKind["negative volume"]).toMatchObject({ count: 1, firstLines: [4] });
    expect(byKind["non-positive price"]).toMatchObject({ count: 1, firstLines: [5] });
    expect(byKind["high<low"]!.examples[0]).toContain("AAA 2020-01-03 (line 3): high 9 < low 11");
    const e = await errorOf("implausible-strict.csv", content, { strict: true });
    expect(e.message).toContain("line 3, col 4: implausible value high 9 < low 11 (AAA 2020-01-03) [strict]");
  });
});

describe("instrument limit", () => {
  it("a file with more instruments than a cross-section can rank is a DataError at load, not a failure mid-run", async () => {
    expect(MAX_PANEL_INSTRUMENTS).toBe(RANK_SCRATCH_MAX);
    const rows = [HEADER];
    for (let i = 0; i <= MAX_PANEL_INSTRUMENTS; i++) rows.push(`2020-01-02,I${i},10,11,9,10.5,1000`);
    const e = await errorOf("too-many.csv", rows.join("\n") + "\n");
    expect(e.message).toMatch(new RegExp(`${MAX_PANEL_INSTRUMENTS + 1} instruments: a panel holds at most ${MAX_PANEL_INSTRUMENTS}`));
    // One fewer loads.
    const ok = tmp.write("at-limit.csv", rows.slice(0, -1).join("\n") + "\n");
    expect((await loadCsvPanel(ok)).panel.nInst).toBe(MAX_PANEL_INSTRUMENTS);
  });
});
