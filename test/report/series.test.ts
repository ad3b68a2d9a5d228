import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { computeAnnual, cumsum, downsample, drawdown, rollingMean, writeReportAtomic } from "../../src/report/index.ts";

describe("series helpers", () => {
  it("cumsum skips missing days; drawdown is measured from the running peak", () => {
    const c = cumsum([0.1, null, -0.05, 0.2]);
    [0.1, 0.1, 0.05, 0.25].forEach((x, i) => expect(c[i]).toBeCloseTo(x, 12));
    const dd = drawdown([0.1, 0.3, 0.2, 0.1, 0.4]);
    expect(dd.map((x) => Number(x.toFixed(10)))).toEqual([0, 0, -0.1, -0.2, 0]);
  });

  it("rollingMean averages the valid values of the trailing window, null until half of it is valid", () => {
    expect(rollingMean([1, 2, 3, 4, null, 6], 4)).toEqual([null, 1.5, 2, 2.5, 3, 13 / 3]);
  });

  it("downsample keeps ≤ maxPoints, the extremes and date order", () => {
    const n = 10_000;
    const dates = Array.from({ length: n }, (_, i) => `d${String(i).padStart(5, "0")}`);
    const ys = Array.from({ length: n }, (_, i) => Math.sin(i / 50));
    ys[1234] = 9; // a spike
    ys[7777] = -9; // a trough
    const out = downsample(dates, ys, 2000);
    expect(out.length).toBeLessThanOrEqual(2000);
    expect(out.length).toBeGreaterThan(1500);
    expect(out).toContainEqual(["d01234", 9]);
    expect(out).toContainEqual(["d07777", -9]);
    for (let i = 1; i < out.length; i++) expect(out[i]![0] > out[i - 1]![0]).toBe(true);
    expect(downsample(["a", "b"], [1, null])).toEqual([["a", 1], ["b", null]]);
  });

  it("computeAnnual groups by range and year", () => {
    const ranges = [
      { name: "valid", start: "2015-01-01", end: "2015-06-30" },
      { name: "test", start: "2015-07-01", end: "2016-12-31" },
    ];
    const dates = ["2015-03-02", "2015-08-03", "2015-09-01", "2016-01-04"];
    const rows = computeAnnual(
      { dates, return: [0.02, 0.03, -0.01, 0.01], bench: [0.01, 0.01, 0.0, 0.02], cost: [0.001, 0.002, 0.001, 0.0] },
      { dates, ic: [0.1, 0.2, null, 0.4], rankIc: [0.1, 0.3, 0.5, 0.4], window: 20 },
      ranges,
    );
    expect(rows.map((r) => [r.year, r.range])).toEqual([
      [2015, "valid"],
      [2015, "test"],
      [2016, "test"],
    ]);
    const t15 = rows[1]!;
    expect(t15.ic).toBeCloseTo(0.2, 12); // the missing day is skipped
    expect(t15.rankIc).toBeCloseTo(0.4, 12);
    expect(t15.excessWithoutCost).toBeCloseTo(0.02 - 0.01, 12);
    expect(t15.excessWithCost).toBeCloseTo(0.02 - 0.002 - 0.01 - 0.001, 12);
    expect(t15.mdd).toBeCloseTo(-0.011, 12);
  });
});

describe("writeReportAtomic", () => {
  it("writes the file, replaces an old one, and leaves no temporary file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "quanta-report-"));
    const path = join(dir, "sub", "report.html");
    await writeReportAtomic(path, "<p>one</p>");
    await writeReportAtomic(path, "<p>two ü</p>");
    expect(readFileSync(path, "utf8")).toBe("<p>two ü</p>");
    expect(readdirSync(join(dir, "sub"))).toEqual(["report.html"]);
  });

  it("fails without leaving anything behind when the target cannot be replaced", async () => {
    const dir = mkdtempSync(join(tmpdir(), "quanta-report-"));
    const blocker = join(dir, "file");
    writeFileSync(blocker, "x");
    await expect(writeReportAtomic(join(blocker, "r.html"), "x")).rejects.toThrow();
    const asDir = join(dir, "dir.html");
    await writeReportAtomic(join(asDir, "inner.html"), "x"); // makes dir.html a directory
    await expect(writeReportAtomic(asDir, "y")).rejects.toThrow();
    expect(readdirSync(dir).sort()).toEqual(["dir.html", "file"]);
  });
});
