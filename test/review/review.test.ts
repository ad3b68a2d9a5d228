import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meanCrossSectionalRankCorr } from "../../backtest/ic.ts";
import { generateSyntheticMarket } from "../../src/data/synthetic/market.ts";
import { assemblePanel } from "../../src/data/panel-builder.ts";
import type { FactorLibrary } from "../../src/library/index.ts";
import { rankCorrelationMatrix } from "../../src/review/correlation.ts";
import { factorDetail, qlibTranslation } from "../../src/review/detail.ts";
import { exportFactors } from "../../src/review/export.ts";
import { parseImportJson, parseImportTsv, prepareImport } from "../../src/review/import.ts";
import { parseIds, selectFactors, uniqueNames } from "../../src/review/select.ts";
import { evaluateStoredFactors } from "../../src/review/values.ts";
import { libraryReportData } from "../../src/review/report.ts";
import { renderReport } from "../../src/report/index.ts";
import { formatDetail, formatFactorTable } from "../../src/review/format.ts";
import { buildReviewLibrary, EXPR } from "./fixture.ts";

const dir = mkdtempSync(join(tmpdir(), "quanta-review-"));
let lib: FactorLibrary;
beforeAll(() => {
  lib = buildReviewLibrary(join(dir, "lib.db"));
});
afterAll(() => {
  lib.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("selecting factors", () => {
  it("filters by campaign, status, thresholds and ids, best first", () => {
    expect(selectFactors(lib).map((f) => f.name)).toEqual(["DIV", "REV", "VOL", "LOC", "MA", "MA", "QMA"]);
    expect(selectFactors(lib, { campaign: ["c2"] }).map((f) => f.name)).toEqual(["LOC", "MA"]);
    expect(selectFactors(lib, { minRankIc: 0.035 }).map((f) => f.name)).toEqual(["DIV", "REV", "VOL", "LOC"]);
    expect(selectFactors(lib, { sort: "name", order: "asc", limit: 2 }).map((f) => f.name)).toEqual(["DIV", "LOC"]);
    expect(selectFactors(lib, { source: "import" }).map((f) => f.id)).toEqual([7]);
    expect(selectFactors(lib, { ids: [3, 1], status: ["active"] }).map((f) => f.id)).toEqual([3, 1]);
    expect(() => selectFactors(lib, { campaign: ["nope"] })).toThrow(/no campaign nope/);
    expect(() => selectFactors(lib, { ids: [99] })).toThrow(/no factor 99/);
    expect(parseIds(["1,2", 5, " 7 "])).toEqual([1, 2, 5, 7]);
    expect(() => parseIds(["x"])).toThrow(/bad factor id/);
  });

  it("makes names unique and safe", () => {
    expect(uniqueNames([{ id: 2, name: "MA" }, { id: 6, name: "MA" }, { id: 9, name: "date" }, { id: 4, name: "a b" }], ["date"])).toEqual([
      "MA",
      "MA_6",
      "date_9",
      "a_b",
    ]);
  });

  it("formats a table with the split's metrics", () => {
    const t = formatFactorTable(selectFactors(lib, { limit: 2 }), "valid");
    expect(t.split("\n")[0]).toMatch(/^id\s+name\s+status\s+valid\.rankIc/);
    expect(t).toMatch(/\n 4\s+DIV\s+active\s+0\.0600\s+0\.360\s+0\.0480\s+0\.300\s+c1\s+RANK\(-TS_CORR/);
  });
});

describe("one factor in detail", () => {
  it("shows hypothesis, metrics, gates, feedback, parents and history", () => {
    lib.setStatus(3, "watch", { reason: "looks weak" });
    const d = factorDetail(lib, 4);
    expect(d.trajectory).toMatchObject({ id: "t3", phase: "crossover", round: 2 });
    expect(d.parents.map((p) => p.id)).toEqual(["t1", "t2"]);
    const vol = factorDetail(lib, 3);
    expect(vol.trajectory!.feedback).toBeNull();
    expect(vol.events).toHaveLength(1);
    const text = formatDetail(factorDetail(lib, 1));
    expect(text).toContain("factor 1: REV  [active]");
    expect(text).toContain("hypothesis   hypothesis of t0");
    expect(text).toContain("feedback     [blames parameters] window too short");
    expect(text).toMatch(/pass complexity\s+\(symbolLength=30 limit=250\)/);
    expect(text).toMatch(/valid\s+IC 0\.0400\s+ICIR 0\.250\s+RankIC 0\.0500/);
    expect(formatDetail(vol)).toMatch(/status\s+active → watch: looks weak/);
    lib.setStatus(3, "active");
  });
});

describe("qlib translation and export", () => {
  it("translates exactly where it can, drops an outer RANK with a note, and says when it cannot", () => {
    expect(qlibTranslation({ id: 1, name: "x", expression: EXPR.ma, dialect: "quanta" })).toEqual({ expression: "Mean($close,5)/$close", exact: true, note: null });
    const vol = qlibTranslation({ id: 1, name: "x", expression: EXPR.vol, dialect: "quanta" });
    expect(vol).toMatchObject({ expression: "-Std($close/Ref($close,1)-1,20)", exact: false });
    expect(vol.note).toMatch(/outer RANK is dropped.*CSRankNorm/);
    const div = qlibTranslation({ id: 1, name: "x", expression: EXPR.div, dialect: "quanta" });
    expect(div).toMatchObject({ expression: "-Corr(Delta($close,1),Delta($volume,1),10)", exact: false });
    expect(div.note).toMatch(/^approximate: the outer RANK is dropped.*; qlib's Corr is missing where either operand's rolling std is at most 2e-5/);
    const none = qlibTranslation({ id: 1, name: "x", expression: "TS_MEAN(RANK($close), 5)", dialect: "quanta" });
    expect(none).toEqual({ expression: null, exact: false, note: expect.stringMatching(/qlib has no form of RANK here \(a cross-sectional operator/) as unknown as string });
    expect(qlibTranslation({ id: 1, name: "x", expression: "Mean($close,10)/$close", dialect: "qlib" })).toMatchObject({ exact: true });
  });

  it("writes TSV, qlib TSV and JSON, and JSON reads back as the same factors", () => {
    const active = selectFactors(lib, { campaign: ["c1"], sort: "id" });
    const tsv = exportFactors(active, "tsv", { source: "lib.db" });
    expect(tsv.text.split("\n").slice(0, 3)).toEqual(["# 4 factors from lib.db, dialect quanta (use --dialect quanta to evaluate)", `REV\t${EXPR.rev}`, `MA\t${EXPR.ma}`]);
    expect(parseImportTsv(tsv.text, "x.tsv", "quanta").map((i) => i.expression)).toEqual(active.map((f) => f.expression));

    const q = exportFactors(active, "qlib");
    expect(q.count).toBe(4);
    expect(q.omitted).toEqual([]);
    expect(q.text).toMatch(/# DIV: approximate: /);
    expect(q.text).toContain("MA\tMean($close,5)/$close");
    expect(q.text).toMatch(/# REV: the outer RANK is dropped/);

    expect(() => exportFactors(selectFactors(lib), "tsv")).toThrow(/mix the quanta and qlib dialects/);

    const json = exportFactors(selectFactors(lib), "json");
    const items = parseImportJson(json.text, "x.json", "quanta");
    expect(items).toHaveLength(7);
    expect(items[6]).toMatchObject({ name: "QMA", dialect: "qlib", status: "active" });
    const inputs = prepareImport(items);
    expect(inputs.map((i) => i.canonical)).toEqual(selectFactors(lib).map((f) => f.canonical.replace(/\s+/g, "")));
  });

  it("rejects a bad expression naming the file and line, before importing anything", () => {
    const items = parseImportTsv(`# header\nA\tTS_MEAN($close, 5)\nB\tTS_MEAN($close,\n`, "new.tsv", "quanta");
    expect(() => prepareImport(items)).toThrow(/^new\.tsv:3: factor B: /);
    expect(() => prepareImport(parseImportTsv("C\tDELAY($close, -1)\n", "f.tsv", "quanta"))).toThrow(/f\.tsv:1: factor C: .*(look-ahead|future|negative)/i);
    expect(() => parseImportJson('[{"name": "x"}]', "f.json", "quanta")).toThrow(/^f\.json\[0\]: /);
    expect(() => parseImportJson("{", "f.json", "quanta")).toThrow(/not valid JSON/);
  });
});

describe("correlation matrix", () => {
  it("equals the pair-wise mean daily rank correlation exactly, gaps and all", async () => {
    const m = generateSyntheticMarket({ seed: 3, instruments: 30, days: 120 });
    // A membership mask with holes, so the cross-section changes from day to day.
    const member = new Uint8Array(m.panel.nInst * m.panel.nDates).fill(1);
    for (let c = 0; c < member.length; c += 7) member[c] = 0;
    const panel = assemblePanel({ ...m.panel, member });
    const factors = [EXPR.rev, EXPR.ma, EXPR.vol, EXPR.div, "TS_MEAN($close, 5) > $close ? 1 : 0"].map((expression, k) => ({
      id: k + 1,
      name: `f${k}`,
      expression,
      dialect: "quanta" as const,
    }));
    const ev = await evaluateStoredFactors(panel, factors);
    const values = ev.evaluated.map((e) => e.values);
    const w = { from: 10, to: 110 };
    const mat = rankCorrelationMatrix(panel, values, w);
    for (let a = 0; a < values.length; a++) {
      expect(mat.values[a * mat.n + a]).toBe(1);
      for (let b = 0; b < values.length; b++) {
        if (a === b) continue;
        expect(mat.values[a * mat.n + b], `${a},${b}`).toBe(meanCrossSectionalRankCorr(values[a]!, values[b]!, panel, w));
      }
    }
  });
});

describe("library report", () => {
  it("renders factors, notes and the campaign's lineage tree", () => {
    const factors = selectFactors(lib, { campaign: ["c1"] });
    const data = libraryReportData(lib, { campaign: "c1", factors, generatedAt: "2024-03-01T00:00:00Z" });
    expect(data.lineage!.nodes.map((n) => n.id).sort()).toEqual(["t0", "t1", "t2", "t3"]);
    expect(data.lineage!.edges).toEqual(
      expect.arrayContaining([
        { parent: "t0", child: "t2" },
        { parent: "t1", child: "t3" },
        { parent: "t2", child: "t3" },
      ]),
    );
    expect(data.notes![0]).toBe("4 factors in campaign c1: 4 active; 4 listed below.");
    const html = renderReport(data);
    expect(html).toContain("Lineage");
    expect(html).toContain("DIV #4");
    // Without a campaign, the lineage is the ancestry of the listed factors only.
    const one = libraryReportData(lib, { factors: selectFactors(lib, { ids: [3] }) });
    expect(one.lineage!.nodes.map((n) => n.id).sort()).toEqual(["t0", "t2"]);
  });
});
