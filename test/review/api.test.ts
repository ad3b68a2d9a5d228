import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateOne } from "../../factors/evaluate.ts";
import { parseExpr } from "../../factors/parser.ts";
import { loadPanel } from "../../src/data/load.ts";
import {
  factorColumn,
  listFactors,
  loadFactorMetrics,
  loadFactorMetricsFrame,
  loadFactorValues,
  loadFactorValuesFrame,
  openLibrary,
  toDataFrame,
} from "../../src/api.ts";
import { buildReviewLibrary, EXPR, writeSmallMarket } from "./fixture.ts";

const dir = mkdtempSync(join(tmpdir(), "quanta-api-"));
const db = join(dir, "lib.db");
let market = "";
beforeAll(async () => {
  const lib = buildReviewLibrary(db);
  lib.importFactors([{ name: "needs_vwap2", expression: "RANK($vwap2)", canonical: "RANK($vwap2)" }]);
  lib.close();
  market = await writeSmallMarket(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("library API", () => {
  it("opens read-only by default and lists factors by a selection", () => {
    const lib = openLibrary(db);
    try {
      expect(() => lib.setStatus(1, "retired")).toThrow(/readonly/i);
      expect(listFactors(lib, { campaign: ["c1"], minRankIc: 0.045 }).map((f) => f.name)).toEqual(["DIV", "REV"]);
    } finally {
      lib.close();
    }
    expect(listFactors(db, { ids: [5] })[0]!.expression).toBe(EXPR.loc);
  });

  it("loads stored metrics as typed columns", () => {
    const m = loadFactorMetrics(db, { campaign: ["c1"], sort: "id", order: "asc" });
    expect(m.split).toBe("valid");
    expect(Array.from(m.id)).toEqual([1, 2, 3, 4]);
    expect(m.rankIc).toBeInstanceOf(Float64Array);
    expect(Array.from(m.rankIc)).toEqual([0.05, 0.03, 0.04, 0.06]);
    expect(Number.isNaN(loadFactorMetrics(db, { ids: [1], split: "test" }).ic[0]!)).toBe(true);
  });

  it("evaluates factors on a data file into plain columns, one row per instrument-day", async () => {
    const skipped: string[] = [];
    const cols = await loadFactorValues(db, market, { ids: [1, 2, 6, 7, 8], start: "2015-06-01", onSkip: (f, why) => skipped.push(`${f.name}: ${why}`) });
    expect(skipped).toEqual(["needs_vwap2: needs $vwap2, which the data lacks"]);
    expect(Object.keys(cols)).toEqual(["date", "instrument", "REV", "MA", "MA_6", "QMA"]);
    const { panel } = await loadPanel(market);
    const n = cols.date.length;
    expect(cols.instrument).toHaveLength(n);
    expect(cols.date.every((d) => d >= "2015-06-01")).toBe(true);
    // Each value is the factor evaluated on the whole panel at that row's (instrument, date).
    const rev = evaluateOne(panel, parseExpr(EXPR.rev, "quanta"), "quanta");
    const qma = evaluateOne(panel, parseExpr("Mean($close, 10)/$close", "qlib"), "qlib");
    const col = factorColumn(cols, "REV");
    for (const r of [0, 1, Math.floor(n / 2), n - 1]) {
      const i = panel.instruments.indexOf(cols.instrument[r]!);
      const t = panel.dates.indexOf(cols.date[r]!);
      expect(col[r]).toBe(rev[i * panel.nDates + t]);
      expect(factorColumn(cols, "QMA")[r]).toBe(qma[i * panel.nDates + t]);
    }
    expect(factorColumn(cols, "MA")).toEqual(factorColumn(cols, "MA_6"));
    expect(() => factorColumn(cols, "date")).toThrow(/no factor column "date"/);
  });

  it("says how to get DataFrames when danfojs is absent, and builds them when it is there", async () => {
    await expect(toDataFrame({ a: [1] })).rejects.toThrow(/danfojs, which is not installed: install the optional peer dependency with `npm install danfojs@1\.1\.2`/);
    class FakeFrame {
      constructor(readonly data: Record<string, unknown[]>) {}
    }
    const load = async () => ({ DataFrame: FakeFrame });
    const df = (await loadFactorMetricsFrame(db, { ids: [1, 4], load })) as FakeFrame;
    expect(Object.keys(df.data)).toEqual(["id", "name", "expression", "status", "ic", "icir", "rankIc", "rankIcir"]);
    expect(df.data["rankIc"]).toEqual([0.05, 0.06]);
    expect(Array.isArray(df.data["id"])).toBe(true);
    const vf = (await loadFactorValuesFrame(db, market, { ids: [1], end: "2015-03-31", load })) as FakeFrame;
    expect(vf.data["REV"]!.length).toBe(vf.data["date"]!.length);
    expect(vf.data["date"]!.every((d) => (d as string) <= "2015-03-31")).toBe(true);
  });
});
