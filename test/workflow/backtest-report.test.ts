/**
 * What surrounds the pipeline: the `--scores` file reader (strict about unknown rows) and the
 * report data (factor order, the heat-map correlation, a renderable report).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateSyntheticMarket } from "../../src/data/index.ts";
import { runBacktest } from "../../src/workflow/backtest.ts";
import { readScoresFile } from "../../src/workflow/backtest-scores.ts";
import { backtestReportData, modelViewCorrelation, orderByRankIc } from "../../src/workflow/backtest-report.ts";
import { rankCorrelationMatrix } from "../../src/review/correlation.ts";
import { renderReport, parseReportData } from "../../src/report/index.ts";
import { DataError } from "../../src/data/errors.ts";

const market = generateSyntheticMarket({ seed: 11, instruments: 40, days: 400 });
const panel = market.panel;
const dir = mkdtempSync(join(tmpdir(), "quanta-bt-"));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe("readScoresFile", () => {
  const [d0, d1] = [panel.dates[10]!, panel.dates[11]!];
  const [a, b] = [panel.instruments[0]!, panel.instruments[3]!];

  it("places scores on the panel's grid; an empty score is missing", async () => {
    const f = await readScoresFile(file("ok.csv", `date,instrument,score\n${d1},${b},0.5\n${d0},${a},-1.25\n${d0},${b},\n`), panel);
    expect(f.rows).toBe(3);
    expect(f.firstDate).toBe(d0);
    expect(f.lastDate).toBe(d1);
    expect(f.scores[0 * panel.nDates + 10]).toBe(-1.25);
    expect(f.scores[3 * panel.nDates + 11]).toBe(0.5);
    expect(f.scores[3 * panel.nDates + 10]).toBeNaN();
    expect(f.scores.filter((x) => !Number.isNaN(x)).length).toBe(2);
  });

  it("takes a single value column whatever its name", async () => {
    const f = await readScoresFile(file("pred.csv", `date,instrument,pred\n${d0},${a},2\n`), panel);
    expect(f.scores[10]).toBe(2);
  });

  it("names the line of an unknown instrument, an unknown date and a duplicate", async () => {
    await expect(readScoresFile(file("u1.csv", `date,instrument,score\n${d0},${a},1\n${d0},NOPE,1\n`), panel)).rejects.toThrow(
      /u1\.csv: line 3, col 2: instrument NOPE is not in the market data/,
    );
    await expect(readScoresFile(file("u2.csv", `date,instrument,score\n1999-01-04,${a},1\n`), panel)).rejects.toThrow(
      /line 2, col 1: date 1999-01-04 is not a trading date/,
    );
    await expect(readScoresFile(file("u3.csv", `date,instrument,score\n${d0},${a},1\n${d0},${a},2\n`), panel)).rejects.toThrow(
      /line 3: duplicate \(date, instrument\).*lines 2 and 3/,
    );
    await expect(readScoresFile(file("u4.csv", `date,instrument,x,y\n${d0},${a},1,2\n`), panel)).rejects.toThrow(/none named score/);
    await expect(readScoresFile(file("u5.csv", `date,instrument,score\n${d0},${a},abc\n`), panel)).rejects.toThrow(DataError);
  });
});

describe("report data", () => {
  it("lists factors by |test RankIC|, draws the heat-map in that order, and renders", async () => {
    const factors = [...market.scores].map(([name, values]) => ({ name, expression: `planted(${name})`, values }));
    const o = await runBacktest(panel, {
      ranges: { train: { start: "2015-01-01", end: "2015-12-31" }, test: { start: "2016-01-01", end: "2016-07-29" } },
      factors,
      factorMetrics: true,
      topk: { topk: 8, nDrop: 2 },
    });
    const order = orderByRankIc(o);
    const abs = order.map((k) => Math.abs(o.factorMetrics![k]!.metrics.test!.rankIc));
    expect([...abs].sort((x, y) => y - x)).toEqual(abs);
    const data = parseReportData(backtestReportData(panel, o, { source: "synthetic:11", benchmark: "EW", factors, generatedAt: "2024-01-01T00:00:00Z" }));
    expect(data.factors.map((f) => f.name)).toEqual(order.map((k) => factors[k]!.name));
    expect(data.correlation!.names).toEqual(data.factors.map((f) => f.name));
    expect(data.metrics.map((m) => m.range)).toEqual(["train", "test"]);
    expect(data.metrics[1]!.withCost!.arr).toBeCloseTo(o.test.summary!.excessWithCost.arr, 12);
    expect(data.backtest!.dates.length).toBe(o.test.split.nDates);
    // Daily IC spans both ranges on one calendar.
    expect(data.icDaily!.dates[0]).toBe(panel.dates[o.ranges[0]!.split.from]);
    expect(data.icDaily!.dates.at(-1)).toBe(panel.dates[o.test.split.to]);
    const html = renderReport(data);
    for (const chart of ["cumulative", "drawdown", "ic", "correlation"]) expect(html).toContain(`data-chart="${chart}"`);
    expect(html).toContain("planted(");
  });

  it("the heat-map correlation is the mean daily Spearman wherever the factors are complete", () => {
    const values = [...market.scores.values()];
    const w = { from: 100, to: 300 };
    // Make every factor complete on the window's cross-sections (the two definitions differ only on missing values).
    const filled = values.map((v, f) => {
      const out = v.slice();
      for (let i = 0; i < panel.nInst; i++)
        for (let t = w.from; t <= w.to; t++) {
          const p = i * panel.nDates + t;
          if (!Number.isFinite(out[p]!) && t >= panel.first[i]! && t <= panel.last[i]!) out[p] = Math.sin(p * (f + 1));
        }
      return out;
    });
    const ours = modelViewCorrelation(panel, filled, w);
    const ref = rankCorrelationMatrix(panel, filled, w);
    for (let a = 0; a < values.length; a++)
      for (let b = 0; b < values.length; b++) expect(ours[a]![b]!).toBeCloseTo(ref.values[a * values.length + b]!, 10);
    expect(ours[0]![1]).toBe(ours[1]![0]);
  });
});
