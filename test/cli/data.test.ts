/**
 * `quanta data inspect` and `quanta data synth`: inspect's numbers on a file whose answers are known,
 * synth's determinism per seed, its JSON summary, and that what synth writes loads back and evaluates.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseExpr } from "../../factors/parser.ts";
import { CLI_FIXTURES, readTable, runCli } from "./harness.ts";

const dir = mkdtempSync(join(tmpdir(), "quanta-cli-data-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TINY = `${CLI_FIXTURES}tiny.csv`;

async function ok(argv: string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await runCli(argv);
  expect(r.code, r.stderr).toBe(0);
  return r;
}

describe("data inspect", () => {
  it("--json: instruments, dates, fields, span cells, missing share", async () => {
    const s = JSON.parse((await ok(["data", "inspect", TINY, "--json"])).stdout);
    expect(s.instruments).toBe(3);
    expect(s.dates).toEqual({ first: "2020-01-02", last: "2020-01-10", count: 7 });
    expect(s.fields).toEqual(expect.arrayContaining(["open", "high", "low", "close", "volume"]));
    expect(s.spanCells).toBe(7 + 5 + 4);
    expect(s.missingShare.close).toBeCloseTo(1 / 16, 15); // BBB's gap on 2020-01-08
    expect(s.missingShare.volume).toBeCloseTo(1 / 16, 15);
    expect(s.warnings).toEqual([]);
  });

  it("text output", async () => {
    const { stdout } = await ok(["data", "inspect", TINY]);
    expect(stdout).toMatch(/^instruments\s+3$/m);
    expect(stdout).toMatch(/^dates\s+7 \(2020-01-02 \.\. 2020-01-10\)$/m);
    expect(stdout).toMatch(/^fields\s+.*\$close/m);
    expect(stdout).toMatch(/^missing\s+.*\$close 6\.25%/m);
  });

  it("--json reports implausible ticks as warnings (and --strict rejects them)", async () => {
    const f = join(dir, "tick.csv");
    writeFileSync(f, "date,instrument,open,high,low,close,volume\n2020-01-02,AAA,10,9,11,10,100\n2020-01-03,AAA,10,11,9,10,100\n");
    const s = JSON.parse((await ok(["data", "inspect", f, "--json"])).stdout);
    expect(s.warnings).toHaveLength(1);
    expect(s.warnings[0]).toMatch(/high<low/);
    expect((await runCli(["data", "inspect", f, "--strict"])).code).toBe(2);
  });
});

describe("data synth", () => {
  const synth = (out: string, seed: number, ...extra: string[]) =>
    ok(["data", "synth", "--out", out, "--seed", String(seed), "--instruments", "12", "--days", "120", ...extra]);

  it("is deterministic for a seed and differs across seeds", async () => {
    await synth(join(dir, "a.csv"), 7);
    await synth(join(dir, "b.csv"), 7);
    await synth(join(dir, "c.csv"), 8);
    const [a, b, c] = ["a", "b", "c"].map((n) => readFileSync(join(dir, `${n}.csv`), "utf8")) as [string, string, string];
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(a.split("\n")[0]).toMatch(/^date,instrument,open,high,low,close,volume/);
  });

  it("--json summary: planted signals with parseable expressions and their true IC", async () => {
    const out = join(dir, "s.csv.gz");
    const s = JSON.parse((await synth(out, 3, "--json")).stdout);
    expect(s).toMatchObject({ out, seed: 3, instruments: 12, days: 120 });
    expect(Number.isFinite(s.oracle.rankIc)).toBe(true);
    expect(s.planted.length).toBeGreaterThanOrEqual(3);
    for (const p of s.planted) {
      expect(Object.keys(p).sort()).toEqual(["description", "expression", "name", "rankIc"]);
      expect(() => parseExpr(p.expression, "quanta")).not.toThrow();
    }
    // the file loads back with the promised shape
    const info = JSON.parse((await ok(["data", "inspect", out, "--json"])).stdout);
    expect(info.instruments).toBe(12);
    expect(info.dates.count).toBe(120);
  });

  it("parquet output equals the CSV output, and eval runs on it", async () => {
    await synth(join(dir, "p.parquet"), 5);
    await synth(join(dir, "p.csv"), 5);
    const a = JSON.parse((await ok(["data", "inspect", join(dir, "p.parquet"), "--json"])).stdout);
    const b = JSON.parse((await ok(["data", "inspect", join(dir, "p.csv"), "--json"])).stdout);
    expect(a).toEqual(b);
    const exprs = join(dir, "e.tsv");
    writeFileSync(exprs, "m\tTS_MEAN($return, 5)\nr\tRANK($volume)\n");
    for (const data of ["p.parquet", "p.csv"]) {
      await ok(["eval", "--threads", "1", "--data", join(dir, data), "--exprs", exprs, "--out", join(dir, `${data}.out.csv`)]);
    }
    const [x, y] = [await readTable(join(dir, "p.parquet.out.csv")), await readTable(join(dir, "p.csv.out.csv"))];
    expect(x.dates.length).toBeGreaterThan(12 * 100);
    expect([...y.values.get("m")!]).toEqual([...x.values.get("m")!]);
  });

  it("text output names the planted signals", async () => {
    const { stdout } = await synth(join(dir, "t.csv"), 1);
    expect(stdout).toMatch(/^wrote .*t\.csv: 12 instruments × 120 days \(seed 1\)/);
    expect(stdout).toMatch(/planted signals:/);
  });
});
