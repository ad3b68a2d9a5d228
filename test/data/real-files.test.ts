import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { loadCsvPanel, loadIndexSeries, alignIndexSeries, readMembership } from "../../src/data/index.ts";

/** The shared real data (not in the repo): these tests skip when it is absent. */
const DATA = "/work/shared/data";
const SP500 = `${DATA}/sp500_5yr_2013_2018.csv.gz`;
const CSI300 = `${DATA}/csi300_2010_2018.csv.gz`;
const CSI_MEMBERS = `${DATA}/csi300_membership_2010_2018.csv.gz`;
const INDEX_CN = `${DATA}/index_cn_2010_2018.csv.gz`;
const INDEX_SPX = `${DATA}/index_sp500_gspc_1927_2023.csv.gz`;

describe.skipIf(!existsSync(SP500))("S&P 500 5-year file", () => {
  it("loads 505 × 1259 with the AOS 2014-05-19 high<low row as a warning", async () => {
    const t0 = performance.now();
    const { panel, warnings } = await loadCsvPanel(SP500);
    const ms = performance.now() - t0;
    console.log(`S&P 500 load: ${ms.toFixed(0)} ms`);
    expect(panel.nInst).toBe(505);
    expect(panel.nDates).toBe(1259);
    expect(panel.dates[0]).toBe("2013-02-08");
    expect(panel.dates[1258]).toBe("2018-02-07");
    const hl = warnings.find((w) => w.kind === "high<low")!;
    expect(hl.count).toBe(1);
    expect(hl.firstLines).toEqual([54263]);
    expect(hl.examples[0]).toContain("AOS 2014-05-19");
    const i = panel.instruments.indexOf("AOS"), t = panel.dates.indexOf("2014-05-19");
    expect(panel.fields.get("high")![i * panel.nDates + t]).toBe(23.595);
    // 11 rows with an empty open (README)
    let emptyOpen = 0;
    const open = panel.fields.get("open")!, close = panel.fields.get("close")!;
    for (let c = 0; c < open.length; c++) if (Number.isNaN(open[c]!) && !Number.isNaN(close[c]!)) emptyOpen++;
    expect(emptyOpen).toBe(11);
    // strict: the same row is an error (end cuts the parse short; the row is before it)
    await expect(loadCsvPanel(SP500, { strict: true, end: "2014-06-30" })).rejects.toThrow(/line 54263, col 4: implausible value high 23.595 < low 23.85 \(AOS 2014-05-19\)/);
  });
});

describe.skipIf(!existsSync(CSI300))("CSI 300 2010–2018 file", () => {
  it("loads 675 instruments with factor and the point-in-time membership mask", async () => {
    const t0 = performance.now();
    const { panel } = await loadCsvPanel(CSI300, { membership: CSI_MEMBERS });
    console.log(`CSI 300 load (with membership): ${(performance.now() - t0).toFixed(0)} ms`);
    expect(panel.nInst).toBe(675);
    expect(panel.dates[0]).toBe("2010-01-04");
    expect(panel.dates[panel.nDates - 1]).toBe("2018-12-28");
    expect([...panel.fields.keys()]).toEqual(["open", "high", "low", "close", "volume", "factor"]);
    let rows = 0;
    for (let i = 0; i < panel.nInst; i++) for (let t = panel.first[i]!; t <= panel.last[i]!; t++) if (!Number.isNaN(panel.fields.get("close")![i * panel.nDates + t]!)) rows++;
    expect(rows).toBeLessThanOrEqual(1_277_168);
    // README: ~257–284 members with prices per date
    const counts: number[] = [];
    for (let t = 0; t < panel.nDates; t += 50) {
      let n = 0;
      for (let i = 0; i < panel.nInst; i++) n += panel.member![i * panel.nDates + t]!;
      counts.push(n);
    }
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(240);
    expect(Math.max(...counts)).toBeLessThanOrEqual(300);
    // SH600004 membership: 2010-01-04..2011-12-12 and again from 2018-12-17 (inclusive ends)
    const i = panel.instruments.indexOf("SH600004");
    const m = (d: string) => panel.member![i * panel.nDates + panel.dates.indexOf(d)];
    expect([m("2011-12-12"), m("2011-12-13"), m("2018-12-14"), m("2018-12-17")]).toEqual([1, 0, 0, 1]);
  });

  it("membership file parses all 712 intervals", () => {
    expect(readMembership(CSI_MEMBERS)).toHaveLength(712);
  });
});

describe.skipIf(!existsSync(INDEX_CN))("index series", () => {
  it("SH000300 from the China index file; SPX alone in its file", async () => {
    const csi = await loadIndexSeries(INDEX_CN, "SH000300");
    expect(csi.dates).toHaveLength(2187);
    expect(csi.dates[0]).toBe("2010-01-04");
    expect(csi.close.every((v) => v > 1000 && v < 6000)).toBe(true);
    await expect(loadIndexSeries(INDEX_CN)).rejects.toThrow(/holds 5 indexes .*name one/);
    const aligned = alignIndexSeries(csi, ["2009-12-31", "2010-01-04"]);
    expect(aligned[0]).toBeNaN();
    expect(aligned[1]).toBe(csi.close[0]);
    const spx = await loadIndexSeries(INDEX_SPX);
    expect(spx.instrument).toBe("SPX");
    expect(spx.dates[0]).toBe("1927-12-30");
    expect(spx.close[0]).toBe(17.66);
  });
});
