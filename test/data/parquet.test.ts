import { afterAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { parquetWriteFile } from "hyparquet-writer";
import { loadCsvPanel, loadParquetPanel, loadPanel, writeParquetLong, panelToLongColumns, panelFingerprint, generateSyntheticMarket } from "../../src/data/index.ts";
import { scratchDir, HEADER } from "./tmp-files.ts";

const tmp = scratchDir("parquet");
afterAll(() => tmp.cleanup());

describe("Parquet", () => {
  it("round trip: panel → long Parquet → panel is identical (NaN kept, spans kept)", async () => {
    const { panel } = await loadCsvPanel(tmp.write("a.csv", [
      `${HEADER},vwap`,
      "2020-01-03,BBB,20,21,19,20.5,2000,20.1",
      "2020-01-02,AAA,10,11,9,10.5,1000,",
      "2020-01-06,AAA,,,,,,",
      "2020-01-03,CCC,5,6,4,5.5,300,5.2",
    ].join("\n")));
    const path = join(tmp.dir, "a.parquet");
    writeParquetLong(path, panelToLongColumns(panel));
    const back = await loadParquetPanel(path);
    expect(back.warnings).toEqual([]);
    expect(panelFingerprint(back.panel)).toBe(panelFingerprint(panel));
    expect([...back.panel.last]).toEqual([2, 1, 1]); // the all-empty AAA row still ends AAA's span
    const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path) });
    expect(rows[0]).toEqual({ date: "2020-01-02", instrument: "AAA", open: 10, high: 11, low: 9, close: 10.5, volume: 1000, vwap: NaN });
  });

  it("synthetic market round trip, and end/instruments/membership options apply", async () => {
    const m = generateSyntheticMarket({ seed: 5, instruments: 20, days: 80 });
    const path = join(tmp.dir, "syn.parquet");
    writeParquetLong(path, panelToLongColumns(m.panel));
    const loaded = await loadPanel(path);
    expect(loaded.kind).toBe("parquet");
    expect(panelFingerprint(loaded.panel)).toBe(panelFingerprint(m.panel));
    const mem = tmp.write("mem.csv", `instrument,start_date,end_date\nS0002,${m.panel.dates[3]},${m.panel.dates[5]}\n`);
    const sub = await loadParquetPanel(path, { end: m.panel.dates[9], instruments: 3, membership: mem });
    expect(sub.panel.nDates).toBe(10);
    expect(sub.panel.instruments).toEqual(m.panel.instruments.slice(0, 3));
    expect([...sub.panel.member!.subarray(10, 20)]).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0, 0]);
  });

  it("long tables with arbitrary columns; bad files are DataErrors", async () => {
    const path = join(tmp.dir, "scores.parquet");
    writeParquetLong(path, [
      { name: "date", data: ["2020-01-02", "2020-01-03"] },
      { name: "instrument", data: ["A", "A"] },
      { name: "alpha", data: new Float64Array([0.5, NaN]) },
      { name: "beta", data: [1, 2] },
    ]);
    const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path) });
    expect(rows).toEqual([{ date: "2020-01-02", instrument: "A", alpha: 0.5, beta: 1 }, { date: "2020-01-03", instrument: "A", alpha: NaN, beta: 2 }]);
    await expect(loadParquetPanel(path)).rejects.toThrow(/scores\.parquet: missing required column\(s\) open, high, low, close, volume/);
    await expect(loadParquetPanel(tmp.write("junk.parquet", "not parquet at all"))).rejects.toThrow(/junk\.parquet: not a readable Parquet file/);
    await expect(loadParquetPanel(join(tmp.dir, "none.parquet"))).rejects.toThrow(/none\.parquet: no such file/);
    expect(() => writeParquetLong(join(tmp.dir, "x.parquet"), [{ name: "a", data: [1] }, { name: "b", data: [1, 2] }])).toThrow(/column b has 2 rows, expected 1/);
  });

  it("reads nullable columns written by other tools (null → NaN) and DATE columns", async () => {
    const path = join(tmp.dir, "nullable.parquet");
    parquetWriteFile({
      filename: path,
      columnData: [
        { name: "date", data: [new Date("2020-01-03T00:00:00Z"), new Date("2020-01-02T00:00:00Z")], type: "TIMESTAMP" },
        { name: "instrument", data: ["B", "A"], type: "STRING" },
        ...["open", "high", "low", "close"].map((name) => ({ name, data: [1.5, null], type: "DOUBLE" as const })),
        { name: "volume", data: [10, 20], type: "INT32" as const },
      ],
    });
    const { panel } = await loadParquetPanel(path);
    expect(panel.dates).toEqual(["2020-01-02", "2020-01-03"]);
    expect(panel.instruments).toEqual(["A", "B"]);
    expect([...panel.fields.get("close")!]).toEqual([NaN, NaN, NaN, 1.5]);
    expect([...panel.fields.get("volume")!]).toEqual([20, NaN, NaN, 10]);
  });

  it("duplicate rows and bad dates name the row", async () => {
    const cols = (dates: string[]) => [
      { name: "date", data: dates },
      { name: "instrument", data: dates.map(() => "A") },
      ...["open", "high", "low", "close", "volume"].map((name) => ({ name, data: dates.map(() => 1) })),
    ];
    const dup = join(tmp.dir, "dup.parquet");
    writeParquetLong(dup, cols(["2020-01-02", "2020-01-03", "2020-01-02"]));
    await expect(loadParquetPanel(dup)).rejects.toThrow(/dup\.parquet: row 3: duplicate \(date, instrument\) \(2020-01-02, A\): rows 1 and 3/);
    const bad = join(tmp.dir, "bad.parquet");
    writeParquetLong(bad, cols(["2020-01-02", "02/01/2020"]));
    await expect(loadParquetPanel(bad)).rejects.toThrow(/bad\.parquet: row 2, col 1: date: cannot read "02\/01\/2020" as a date/);
  });
});
