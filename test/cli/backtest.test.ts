/**
 * `quanta backtest` end to end, in-process: a factor set, ready scores (the daily series match the
 * qlib transliteration's golden files to 1e-9), a factor library, and every bad input exiting 2
 * with a message naming the problem.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { CLI_FIXTURES, SP500_SLICE, runCli } from "./harness.ts";
import { FactorLibrary } from "../../src/library/index.ts";

const BT = fileURLToPath(new URL("../fixtures/backtest/", import.meta.url));
const TOPK_DATA = `${BT}sp500_ic_slice.csv.gz`;
const dir = mkdtempSync(join(tmpdir(), "quanta-backtest-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The S&P slice's three ranges (2014-01-02 … 2016-06-30). */
const RANGES = ["--train", "2014-01-01:2014-12-31", "--valid", "2015-01-01:2015-06-30", "--test", "2015-07-01:2016-06-30"];
const SMALL = ["--topk", "4", "--n-drop", "1", "--threads", "1"];

function csv(path: string): string[][] {
  return readFileSync(path, "utf8").trim().split("\n").map((l) => l.split(","));
}

describe("quanta backtest with a factor set", () => {
  it("prints every metric per range as JSON, writes the daily series and the report", async () => {
    const daily = join(dir, "daily.csv");
    const report = join(dir, "report.html");
    const r = await runCli([
      "backtest", "--data", SP500_SLICE, "--exprs", `${CLI_FIXTURES}alpha158_subset.tsv`, "--dialect", "qlib",
      ...RANGES, ...SMALL, "--json", "--daily", daily, "--report", report,
    ]);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      ranges: Record<string, Record<string, unknown> & { annual: Record<string, unknown>[] }>;
      model: { kind: string };
      timings: Record<string, number>;
      factors: { name: string }[];
    };
    expect(Object.keys(out.ranges)).toEqual(["train", "valid", "test"]);
    const keys = ["ic", "icir", "rankIc", "rankIcir", "arr", "ir", "mdd", "calmar", "turnover", "winRate", "arrWithCost", "irWithCost", "mddWithCost", "calmarWithCost", "annual"];
    for (const [name, m] of Object.entries(out.ranges)) {
      for (const k of keys) expect(m, `${name}.${k}`).toHaveProperty(k);
      for (const k of keys.filter((k) => k !== "annual")) expect(typeof m[k], `${name}.${k}`).toBe("number");
      expect((m.arrWithCost as number) < (m.arr as number)).toBe(true);
    }
    expect(out.ranges.test!.start).toBe("2015-07-01");
    expect(out.ranges.test!.annual.map((y) => y.year)).toEqual([2015, 2016]);
    expect(out.model.kind).toBe("linear");
    for (const step of ["load", "evaluate", "fit", "score", "ic", "portfolio", "report", "total"]) expect(out.timings[step], step).toBeGreaterThanOrEqual(0);
    expect(out.factors.length).toBeGreaterThan(10);
    expect(r.stderr).toMatch(/backtest: fit .* s: linear/);

    const rows = csv(daily);
    expect(rows[0]).toEqual(["date", "value", "return", "cost", "turnover", "bench", "excess", "excessWithCost", "holdings"]);
    expect(rows[1]![0]).toBe("2015-07-01");
    expect(rows[1]![8]).toBe(""); // the first day holds cash
    expect(rows[2]![8]!.split(" ").length).toBe(4);
    for (const row of rows.slice(1)) expect(Number(row[6]) - (Number(row[2]) - Number(row[5]))).toBeCloseTo(0, 12);

    const html = readFileSync(report, "utf8");
    for (const chart of ["cumulative", "drawdown", "ic", "correlation"]) expect(html).toContain(`data-chart="${chart}"`);
    expect(html).toContain("KMID");
  });

  it("fits the gbdt model, early-stopped on valid", async () => {
    const r = await runCli([
      "backtest", "--data", SP500_SLICE, "--exprs", `${CLI_FIXTURES}alpha158_subset.tsv`, "--dialect", "qlib",
      ...RANGES, ...SMALL, "--model", "gbdt", "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { model: { kind: string; trees: number; roundsTrained: number }; ranges: Record<string, { rankIc: number }> };
    expect(out.model.kind).toBe("gbdt");
    expect(out.model.trees).toBeGreaterThan(0);
    expect(out.model.trees).toBeLessThanOrEqual(out.model.roundsTrained);
    expect(Number.isFinite(out.ranges.test!.rankIc)).toBe(true);
  });

  it("averages --gbdt-seeds models fitted with consecutive seeds, with --gbdt-param over the defaults", async () => {
    const base = ["backtest", "--data", SP500_SLICE, "--exprs", `${CLI_FIXTURES}alpha158_subset.tsv`, "--dialect", "qlib", ...RANGES, ...SMALL, "--model", "gbdt", "--json", "--seed", "3"];
    const params = ["--gbdt-param", "max_depth=3,eta=0.1", "--gbdt-param", "min_child_weight=20"];
    type Out = { model: { trees: number; members?: number[] }; settings: { gbdtSeeds: number; gbdtParams: Record<string, unknown> }; ranges: Record<string, { rankIc: number }> };
    const one = await runCli([...base, ...params]);
    const avg = await runCli([...base, ...params, "--gbdt-seeds", "3"]);
    expect(one.code, one.stderr).toBe(0);
    expect(avg.code, avg.stderr).toBe(0);
    const o1 = JSON.parse(one.stdout) as Out;
    const o3 = JSON.parse(avg.stdout) as Out;
    expect(o1.model.members).toBeUndefined();
    expect(o3.settings.gbdtSeeds).toBe(3);
    expect(o3.settings.gbdtParams).toEqual({ max_depth: 3, eta: 0.1, min_child_weight: 20 });
    // Member k is the model of seed 3 + k: the first is the single model of --seed 3.
    expect(o3.model.members).toHaveLength(3);
    expect(o3.model.members![0]).toBe(o1.model.trees);
    expect(o3.model.trees).toBe(o3.model.members!.reduce((x, y) => x + y, 0));
    expect(o3.ranges.test!.rankIc).not.toBe(o1.ranges.test!.rankIc);
    // The parameters reach the booster: other ones grow another model.
    const deep = await runCli([...base, "--gbdt-param", "max_depth=6,eta=0.1,min_child_weight=20"]);
    expect(deep.code, deep.stderr).toBe(0);
    expect((JSON.parse(deep.stdout) as Out).ranges.test!.rankIc).not.toBe(o1.ranges.test!.rankIc);
  });

  it("takes a library's factors (transfer to another market)", async () => {
    const db = join(dir, "lib.db");
    const lib = FactorLibrary.open(db);
    lib.importFactors([
      { name: "mom", expression: "TS_MEAN($return, 10)", canonical: "TS_MEAN($return,10)" },
      { name: "vol", expression: "TS_STD($return, 20)", canonical: "TS_STD($return,20)" },
      { name: "old", expression: "DELTA($close, 3)", canonical: "DELTA($close,3)", status: "retired" },
    ]);
    lib.close();
    const r = await runCli(["backtest", "--data", SP500_SLICE, "--library", db, ...RANGES, ...SMALL, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { features: string[]; signal: { kind: string }; factors?: unknown };
    expect(out.signal.kind).toBe("library");
    expect(out.features.sort()).toEqual(["mom", "vol"]);
    expect(out.factors).toBeUndefined(); // per-factor metrics only come with --report
    const bad = await runCli(["backtest", "--data", SP500_SLICE, "--library", db, "--status", "zombie", ...RANGES]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--status zombie: expected one of/);
  });
});

describe("quanta backtest --scores matches the qlib transliteration to 1e-9", () => {
  /** The slice with a `factor` column 1, 1.5, 2, 1, … by instrument (as topk-golden.test.ts), so lots are rounded. */
  function withFactor(): string {
    const lines = gunzipSync(readFileSync(TOPK_DATA)).toString("utf8").trim().split("\n");
    const names = [...new Set(lines.slice(1).map((l) => l.split(",")[1]!))].sort();
    const idx = new Map(names.map((s, i) => [s, i]));
    const out = [`${lines[0]},factor`, ...lines.slice(1).map((l) => `${l},${1 + (idx.get(l.split(",")[1]!)! % 3) * 0.5}`)];
    const p = join(dir, "slice_factor.csv");
    writeFileSync(p, out.join("\n") + "\n");
    return p;
  }
  const cases = [
    { name: "random_close", scores: "topk_scores_random.csv.gz", deal: "close", factor: false, cash: "1e6" },
    { name: "random_open_factor", scores: "topk_scores_random.csv.gz", deal: "open", factor: true, cash: "1e6" },
    { name: "foresight_close_factor", scores: "topk_scores_foresight.csv.gz", deal: "close", factor: true, cash: "1e8" },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const daily = join(dir, `${c.name}.csv`);
      const r = await runCli([
        "backtest", "--data", c.factor ? withFactor() : TOPK_DATA, "--scores", `${BT}${c.scores}`, "--test", "2014-09-30:2015-11-06",
        "--topk", "10", "--n-drop", "2", "--deal-price", c.deal, "--init-cash", c.cash, "--daily", daily, "--json",
      ]);
      expect(r.code, r.stderr).toBe(0);
      const got = csv(daily).slice(1);
      const exp = csv(`${BT}topk_expected_${c.name}.csv`).slice(1);
      expect(got.length).toBe(exp.length);
      const near = (a: string, b: string) => expect(Math.abs(Number(a) - Number(b))).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(Number(b))));
      exp.forEach(([date, value, ret, cost, turnover, holdings], k) => {
        const g = got[k]!;
        expect(g[0]).toBe(date);
        near(g[1]!, value!);
        near(g[2]!, ret!);
        near(g[3]!, cost!);
        near(g[4]!, turnover!);
        expect(g[8] ?? "").toBe(holdings ?? "");
      });
      const out = JSON.parse(r.stdout) as { model: null; ranges: Record<string, { turnover: number }> };
      expect(out.model).toBeNull();
      expect(Object.keys(out.ranges)).toEqual(["test"]);
      expect(out.ranges.test!.turnover).toBeGreaterThan(0);
    });
  }
});

describe("quanta backtest rejects bad input with exit 2", () => {
  const scores = join(dir, "s.csv");
  writeFileSync(scores, "date,instrument,score\n2015-07-01,AAPL,1\n2015-07-01,ZZZZ,2\n");
  const early = join(dir, "early.csv");
  writeFileSync(early, "date,instrument,score\n2014-03-03,AAPL,1\n");
  const exprs = ["--exprs", `${CLI_FIXTURES}quanta_set.tsv`];
  const cases: [string, string[], RegExp][] = [
    ["no signal", [...RANGES], /name what to backtest: --exprs/],
    ["two signals", [...exprs, "--scores", scores, ...RANGES], /--exprs and --scores: give only one/],
    ["a bad range", [...exprs, "--train", "2014-13-01:2014-12-31", "--test", "2015"], /bad date range "2014-13-01:2014-12-31"/],
    ["a misordered range", [...exprs, "--train", "2015:2014", "--test", "2016"], /start 2015-01-01 is after end 2014-12-31/],
    ["overlapping ranges", [...exprs, "--train", "2014-01-01:2015-03-31", "--valid", "2015-01-01:2015-06-30", "--test", "2015-07-01:2016-06-30"], /overlap or are out of order/],
    ["ranges out of order", [...exprs, "--train", "2015-07-01:2016-06-30", "--test", "2014-01-01:2014-12-31"], /overlap or are out of order/],
    ["a range without data", [...exprs, "--train", "2014", "--test", "2019"], /split test 2019-01-01:2019-12-31: no trading date/],
    ["a model without --train", [...exprs, "--test", "2015"], /--train is required/],
    ["gbdt without --valid", [...exprs, "--train", "2014", "--test", "2015", "--model", "gbdt"], /--valid is required with --model gbdt/],
    ["unknown score instrument", ["--scores", scores, "--test", "2015-07-01:2016-06-30"], /s\.csv: line 3, col 2: instrument ZZZZ is not in the market data/],
    ["scores outside the test range", ["--scores", early, "--test", "2015-07-01:2016-06-30"], /no score on any date of the test range/],
    ["a missing benchmark instrument", [...exprs, ...RANGES, "--benchmark", `${SP500_SLICE}:SPX`], /no index "SPX"/],
    ["a missing file", ["--exprs", join(dir, "nope.tsv"), ...RANGES], /nope\.tsv: no such file/],
    ["a bad option value", [...exprs, ...RANGES, "--topk", "0"], /--topk/],
    ["gbdt seeds with the linear model", [...exprs, ...RANGES, "--gbdt-seeds", "2"], /--gbdt-seeds applies to --model gbdt only/],
    ["a gbdt parameter without a value", [...exprs, ...RANGES, "--model", "gbdt", "--gbdt-param", "max_depth"], /--gbdt-param.*expected KEY=VALUE/],
    ["zero gbdt seeds", [...exprs, ...RANGES, "--model", "gbdt", "--gbdt-seeds", "0"], /--gbdt-seeds/],
  ];
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const r = await runCli(["backtest", "--data", SP500_SLICE, ...args]);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
    });
  }
});
