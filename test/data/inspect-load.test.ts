import { afterAll, describe, expect, it } from "vitest";
import {
  inspectPanel, restrictPanel, loadPanel, sourceKind, parseSyntheticSource, loadCsvPanel, panelFingerprint,
  loadIndexSeries, alignIndexSeries, DataError,
} from "../../src/data/index.ts";
import { scratchDir, HEADER } from "./tmp-files.ts";

const tmp = scratchDir("inspect");
afterAll(() => tmp.cleanup());

const CSV = [
  HEADER,
  "2020-01-02,AAA,10,11,9,10.5,1000",
  "2020-01-03,AAA,10,11,9,,1000",
  "2020-01-07,AAA,10,11,9,10.7,1000",
  "2020-01-03,BBB,20,21,19,20,",
  "2020-01-06,BBB,20,21,19,20,2000",
].join("\n");

describe("inspectPanel / restrictPanel / loadPanel", () => {
  it("inspectPanel counts instruments, dates, fields and missing share inside spans", async () => {
    const { panel } = await loadCsvPanel(tmp.write("a.csv", CSV));
    const info = inspectPanel(panel);
    expect(info).toMatchObject({
      instruments: 2,
      dates: { first: "2020-01-02", last: "2020-01-07", count: 4 },
      fields: ["open", "high", "low", "close", "volume"],
      spanCells: 6, // AAA 4 days, BBB 2 days
    });
    expect(info.missingShare.close).toBeCloseTo(2 / 6, 12); // AAA 01-03 empty, AAA 01-06 no row
    expect(info.missingShare.volume).toBeCloseTo(2 / 6, 12);
    expect(info.missingShare.open).toBeCloseTo(1 / 6, 12);
  });

  it("restrictPanel trims dates, drops empty instruments, keeps values; returns the panel itself when nothing changes", async () => {
    const { panel } = await loadCsvPanel(tmp.write("b.csv", CSV));
    expect(restrictPanel(panel, {})).toBe(panel);
    const r = restrictPanel(panel, { end: "2020-01-06" });
    expect(r.dates).toEqual(["2020-01-02", "2020-01-03", "2020-01-06"]);
    expect([...r.first, ...r.last]).toEqual([0, 1, 1, 2]); // AAA's span now ends 01-03 (01-06 had no row)
    expect(r.fields.get("close")![2]).toBeNaN();
    expect(r.fields.get("volume")![3 + 2]).toBe(2000);
    expect(restrictPanel(panel, { end: "2020-01-02" }).instruments).toEqual(["AAA"]);
    expect(() => restrictPanel(panel, { instruments: ["ZZZ"] })).toThrow(DataError);
    expect(() => restrictPanel(panel, { end: "2019-01-01" })).toThrow(/no data on or before --end/);
  });

  it("loadPanel dispatches on the source string", async () => {
    expect(parseSyntheticSource("synthetic")).toEqual({ seed: 42 });
    expect(parseSyntheticSource("synthetic:7")).toEqual({ seed: 7 });
    expect(parseSyntheticSource("synthetic:abc")).toEqual({ seed: "abc" });
    expect(parseSyntheticSource("data.csv")).toBeUndefined();
    expect(sourceKind("x.parquet")).toBe("parquet");
    expect(sourceKind(tmp.dir)).toBe("qlib");
    expect(sourceKind("x.csv.gz")).toBe("csv");
    const csv = tmp.write("c.csv.gz", CSV, true);
    const l = await loadPanel(csv, { end: "2020-01-06" });
    expect(l.kind).toBe("csv");
    expect(l.panel.nDates).toBe(3);
    expect(panelFingerprint(l.panel)).toBe(panelFingerprint((await loadCsvPanel(csv, { end: "2020-01-06" })).panel));
    await expect(loadPanel(`${tmp.dir}/missing.csv`)).rejects.toThrow(/missing\.csv: no such file/);
    const mem = tmp.write("mem.csv", "instrument,start_date,end_date\nS0001,2015-01-06,2015-01-07\n");
    const s = await loadPanel("synthetic:1", { synthetic: { instruments: 4, days: 40 }, membership: mem });
    expect(s.kind).toBe("synthetic");
    expect([...s.panel.member!.subarray(0, 4)]).toEqual([0, 1, 1, 0]);
  });

  it("index series: one instrument per file or by name; duplicates and unknown names are errors", async () => {
    const path = tmp.write("idx.csv", "date,instrument,close\n2020-01-03,X,101\n2020-01-02,X,100\n2020-01-06,X,\n2020-01-02,Y,5\n");
    const x = await loadIndexSeries(path, "X");
    expect(x.dates).toEqual(["2020-01-02", "2020-01-03", "2020-01-06"]);
    expect([...x.close]).toEqual([100, 101, NaN]);
    expect([...alignIndexSeries(x, ["2020-01-03", "2020-01-04", "2020-01-06"])]).toEqual([101, NaN, NaN]);
    await expect(loadIndexSeries(path, "Z")).rejects.toThrow(/no index "Z" \(has X, Y\)/);
    await expect(loadIndexSeries(path)).rejects.toThrow(/holds 2 indexes/);
    const dup = tmp.write("dup.csv", "date,instrument,close\n2020-01-02,X,1\n2020-01-02,X,2\n");
    await expect(loadIndexSeries(dup)).rejects.toThrow(/dup\.csv: line 3: duplicate \(date, instrument\) \(2020-01-02, X\): lines 2 and 3/);
    await expect(loadIndexSeries(tmp.write("noclose.csv", "date,instrument,open\n2020-01-02,X,1\n"))).rejects.toThrow(/missing required column\(s\) close/);
  });
});
