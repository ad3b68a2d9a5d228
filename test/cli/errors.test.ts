/**
 * Bad input through the whole CLI: every case of DESIGN §2 and every malformed expression exits 2 with
 * one message naming the problem and where it is (file, line, column; for expressions the factor and
 * its TSV line:column), prints no stack trace unless --verbose, and leaves no --out file behind.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI_FIXTURES, runCli, type CliResult } from "./harness.ts";

const dir = mkdtempSync(join(tmpdir(), "quanta-cli-errors-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TINY = `${CLI_FIXTURES}tiny.csv`;
const HEADER = "date,instrument,open,high,low,close,volume";
const GOOD = ["2020-01-02,AAA,10,11,9,10,100", "2020-01-03,AAA,11,12,10,11,200", "2020-01-02,BBB,5,6,4,5,50", "2020-01-03,BBB,6,7,5,6,60"];

let fileNo = 0;
function write(name: string, content: string): string {
  const path = join(dir, `${fileNo++}-${name}`);
  writeFileSync(path, content);
  return path;
}
const csv = (...rows: string[]) => write("data.csv", [HEADER, ...rows].join("\n") + "\n");
const tsv = (...lines: string[]) => write("exprs.tsv", lines.join("\n") + "\n");
const OK_TSV = tsv("ok\tTS_MEAN($close, 2)");

/** `quanta eval` into a fresh --out path; returns the result and whether the output exists. */
async function evalCli(data: string, exprs: string, ...extra: string[]): Promise<CliResult & { wrote: boolean }> {
  const out = join(dir, `out-${fileNo++}.csv`);
  const r = await runCli(["eval", "--threads", "1", "--data", data, "--exprs", exprs, "--out", out, ...extra]);
  return { ...r, wrote: existsSync(out) };
}

/** Exit 2, one `error:` line first, no stack, nothing written. Returns the error text. */
function userError(r: CliResult & { wrote?: boolean }): string {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(/^error: /);
  expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack frames
  expect(r.stdout).toBe("");
  if (r.wrote !== undefined) expect(r.wrote).toBe(false);
  return r.stderr;
}

describe("bad market data → exit 2 naming file, line and column", () => {
  it("missing file", async () => {
    const missing = join(dir, "nope.csv");
    expect(userError(await evalCli(missing, OK_TSV))).toContain(`${missing}: no such file`);
  });

  it("empty file", async () => {
    const empty = write("empty.csv", "");
    expect(userError(await evalCli(empty, OK_TSV))).toContain(`${empty}: empty file`);
  });

  it("header only", async () => {
    expect(userError(await evalCli(csv(), OK_TSV))).toMatch(/no data rows/);
  });

  it("wrong header", async () => {
    const f = write("bad-header.csv", `instrument,date,open,high,low,close,volume\n${GOOD[0]}\n`);
    expect(userError(await evalCli(f, OK_TSV))).toContain(`${f}: line 1, col 1: header must start with date,instrument`);
  });

  it("missing required column", async () => {
    const f = write("no-volume.csv", "date,instrument,open,high,low,close\n2020-01-02,AAA,1,2,0.5,1\n");
    expect(userError(await evalCli(f, OK_TSV))).toMatch(/line 1: header: missing required column\(s\) volume/);
  });

  it("unparseable number", async () => {
    const f = csv(GOOD[0]!, "2020-01-03,AAA,11,12,10,1O.5,200");
    const msg = userError(await evalCli(f, OK_TSV));
    expect(msg).toContain(`${f}: line 3, col 6`);
    expect(msg).toContain('"1O.5"');
  });

  it("unparseable date", async () => {
    const f = csv(GOOD[0]!, GOOD[1]!, "2020-13-01,BBB,5,6,4,5,50");
    const msg = userError(await evalCli(f, OK_TSV));
    expect(msg).toContain(`${f}: line 4, col 1`);
    expect(msg).toContain('"2020-13-01"');
  });

  it("duplicate (date, instrument) names both lines", async () => {
    const f = csv(GOOD[0]!, GOOD[1]!, GOOD[2]!, "2020-01-02,AAA,10,11,9,10,100");
    const msg = userError(await evalCli(f, OK_TSV));
    expect(msg).toContain(f);
    expect(msg).toMatch(/duplicate/);
    expect(msg).toMatch(/\b2\b.*\b5\b/); // lines 2 and 5
    expect(msg).toContain("2020-01-02");
    expect(msg).toContain("AAA");
  });

  it.each([
    ["high < low", "2020-01-03,AAA,11,9,10,11,200", /high 9 < low 10/],
    ["negative volume", "2020-01-03,AAA,11,12,10,11,-5", /volume/],
    ["non-positive price", "2020-01-03,AAA,11,12,10,0,200", /close|price/],
  ])("implausible tick (%s): loaded with a warning, an error under --strict", async (_what, row, detail) => {
    const f = csv(GOOD[0]!, row, GOOD[2]!, GOOD[3]!);
    const loose = await evalCli(f, OK_TSV);
    expect(loose.code, loose.stderr).toBe(0);
    expect(loose.wrote).toBe(true);
    expect(loose.stderr).toMatch(/^warning: .*1 row/m);
    expect(loose.stderr).toMatch(/line 3/);
    const strict = userError(await evalCli(f, OK_TSV, "--strict"));
    expect(strict).toContain(`${f}: line 3`);
    expect(strict).toMatch(detail);
    expect(strict).toMatch(/2020-01-03/);
  });

  it("the same cases through `quanta ic` and `quanta data inspect`", async () => {
    const f = csv(GOOD[0]!, "2020-01-03,AAA,11,12,10,abc,200");
    const ic = await runCli(["ic", "--threads", "1", "--data", f, "--exprs", OK_TSV]);
    expect(userError(ic)).toContain(`${f}: line 3, col 6`);
    const inspect = await runCli(["data", "inspect", f]);
    expect(userError(inspect)).toContain(`${f}: line 3, col 6`);
    const strict = await runCli(["data", "inspect", "--strict", csv(GOOD[0]!, "2020-01-03,AAA,11,9,10,11,200")]);
    expect(userError(strict)).toMatch(/line 3/);
  });
});

describe("bad membership file (--universe) → exit 2", () => {
  it.each([
    ["empty", "", /empty file/],
    ["wrong header", "name,from,to\nAAA,2020-01-01,2020-12-31\n", /line 1: membership header must contain instrument,start_date,end_date/],
    ["bad start date", "instrument,start_date,end_date\nAAA,2020-01-01,2020-12-31\nBBB,2020-02-30,2020-12-31\n", /line 3, col 2: start_date: cannot parse "2020-02-30"/],
    ["end before start", "instrument,start_date,end_date\nAAA,2020-06-01,2020-01-01\n", /line 2, col 3: end_date 2020-01-01 is before start_date 2020-06-01/],
    ["ragged row", "instrument,start_date,end_date\nAAA,2020-01-01\n", /line 2: expected 3 columns, got 2/],
  ])("%s", async (_what, content, detail) => {
    const m = write("members.csv", content);
    const msg = userError(await evalCli(TINY, OK_TSV, "--universe", m));
    expect(msg).toContain(m);
    expect(msg).toMatch(detail);
  });

  it("missing membership file", async () => {
    const m = join(dir, "no-members.csv");
    expect(userError(await evalCli(TINY, OK_TSV, "--universe", m))).toContain(m);
  });
});

/**
 * Each malformed expression sits on line 3 of its TSV, after a comment and a good factor; `at` is
 * the text the error must point at (its first character gives the expected TSV column).
 */
describe("malformed expressions → exit 2 naming the factor, TSV line:column and the problem", () => {
  const cases: [string, string, string | null, RegExp][] = [
    ["unbalanced: missing )", "TS_MEAN($close, 5", null, /missing '\)'|unbalanced|expected '\)'/i],
    ["unbalanced: extra )", "TS_MEAN($close, 5))", ")", /unexpected|unbalanced|extra/i],
    ["unbalanced: stray (", "($close + 1", null, /missing '\)'|unbalanced|expected '\)'/i],
    ["unknown operator", "RANK(FOO($close, 5))", "FOO", /unknown operator 'FOO'/],
    ["operator of the other dialect", "Mean($close, 5)", "Mean", /qlib/],
    ["wrong arity", "TS_MEAN($close)", "TS_MEAN", /TS_MEAN takes 2 argument/],
    ["too many arguments", "RANK($close, 3, 4)", "RANK", /RANK takes/],
    ["negative shift", "DELAY($close, -1)", "-1", /negative shift|look-ahead|future/],
    ["negative DELTA", "DELTA($close, -3) + 1", "-3", /negative shift|look-ahead|future/],
    ["bad number", "$close * 1.2.3", "1.2.3", /malformed number/],
    ["unexpected character", "$close @ 2", "@", /unexpected character '@'/],
    ["non-literal window", "TS_MEAN($close, $volume)", "$volume", /literal|window/i],
  ];

  it.each(cases)("%s", async (_what, expr, at, detail) => {
    const line = `bad_one\t${expr}`;
    const f = tsv("# a comment", "ok\tTS_MEAN($close, 2)", line);
    const msg = userError(await evalCli(TINY, f));
    const col = at === null ? line.length + 1 : line.lastIndexOf(at) + 1;
    expect(msg).toContain(`${f}:3:${col}: factor bad_one: `);
    expect(msg).toMatch(detail);
    // the message's own caret line points at the same character of the expression
    const lines = msg.split("\n");
    const caret = lines.findIndex((l) => /^\s*\^$/.test(l));
    expect(caret).toBeGreaterThan(0);
    expect(lines[caret]!.indexOf("^") - lines[caret - 1]!.indexOf(expr)).toBe(col - (line.length - expr.length) - 1);
  });

  it("leading spaces before the expression still give the right TSV column", async () => {
    const line = "spaced\t   $close @ 2";
    const f = tsv(line);
    expect(userError(await evalCli(TINY, f))).toContain(`${f}:1:${line.indexOf("@") + 1}: factor spaced: `);
  });

  it("unknown field: skipped with a warning naming it; an error naming it under --strict", async () => {
    const f = tsv("ok\tTS_MEAN($close, 2)", "needs_vwap\tTS_MEAN($vwap, 5) / $close");
    const out = join(dir, `vwap-${fileNo++}.csv`);
    const loose = await runCli(["eval", "--threads", "1", "--data", TINY, "--exprs", f, "--out", out]);
    expect(loose.code, loose.stderr).toBe(0);
    expect(loose.stderr).toMatch(/^warning: skipped needs_vwap: .*\$vwap/m);
    expect(readFileSync(out, "utf8").split("\n")[0]).toBe("date,instrument,ok");
    const strict = userError(await evalCli(TINY, f, "--strict"));
    expect(strict).toContain(`${f}:2: factor needs_vwap: `);
    expect(strict).toContain("$vwap");
  });

  it("every factor needing an absent field: exit 2", async () => {
    const f = tsv("a\t$vwap + 1", "b\t$amount");
    expect(userError(await evalCli(TINY, f))).toMatch(/no factor left/);
  });

  it("`quanta ic` reports expression errors the same way", async () => {
    const f = tsv("ok\t$close", "bad_ic\tTS_MEAN($close 5)");
    const r = await runCli(["ic", "--threads", "1", "--data", TINY, "--exprs", f]);
    expect(userError(r)).toMatch(new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:2:\\d+: factor bad_ic: `));
  });
});

describe("bad TSV → exit 2 naming file and line", () => {
  it.each([
    ["no tab", ["ok\t$close", "bad $close"], /:2: expected name<TAB>expression, found no tab/],
    ["duplicate name", ["a\t$close", "b\t$open", "a\t$high"], /:3: duplicate factor name "a"/],
    ["empty expression", ["a\t$close", "b\t  "], /:2: empty expression for b/],
    ["bad name", ["a\t$close", "1x\t$open"], /:2: bad factor name "1x"/],
    ["only comments", ["# nothing here", ""], /: no expressions/],
  ])("%s", async (_what, lines, detail) => {
    const f = tsv(...lines);
    const msg = userError(await evalCli(TINY, f));
    expect(msg).toContain(f);
    expect(msg).toMatch(detail);
  });

  it("empty and missing TSV files", async () => {
    const empty = write("empty.tsv", "");
    expect(userError(await evalCli(TINY, empty))).toContain(empty);
    const missing = join(dir, "missing.tsv");
    expect(userError(await evalCli(TINY, missing))).toContain(`${missing}: no such file`);
  });
});

describe("flags", () => {
  it("unknown flag → exit 2", async () => {
    expect(userError(await evalCli(TINY, OK_TSV, "--frobnicate"))).toMatch(/Unknown argument.*frobnicate/);
  });

  it.each([
    ["eval without --exprs", ["eval", "--data", TINY, "--out", "x.csv"], /Missing required argument.*exprs/],
    ["eval without --out", ["eval", "--data", TINY, "--exprs", "x.tsv"], /Missing required argument.*out/],
    ["ic without --data", ["ic", "--exprs", "x.tsv"], /Missing required argument.*data/],
    ["data synth without --out", ["data", "synth"], /Missing required argument.*out/],
    ["no command", [], /command/i],
    ["data without a subcommand", ["data"], /command|argument/i],
    ["unknown command", ["frobnicate"], /frobnicate/],
    ["bad --dialect", ["eval", "--data", TINY, "--exprs", "x.tsv", "--out", "x.csv", "--dialect", "sql"], /dialect/],
    ["bad --start", ["eval", "--data", TINY, "--exprs", "x.tsv", "--out", "x.csv", "--start", "01/02/2020"], /--start.*YYYY-MM-DD/],
    ["bad --threads", ["ic", "--data", TINY, "--exprs", "x.tsv", "--threads", "0"], /--threads/],
    ["bad synth --out", ["data", "synth", "--out", join(dir, "m.txt")], /--out/],
  ])("%s", async (_what, argv, detail) => {
    expect(userError(await runCli(argv))).toMatch(detail);
  });

  it("unknown --out format is rejected before any work", async () => {
    const r = await runCli(["eval", "--threads", "1", "--data", TINY, "--exprs", OK_TSV, "--out", join(dir, "x.xlsx")]);
    expect(userError(r)).toMatch(/--out .*x\.xlsx: unknown format/);
    expect(existsSync(join(dir, "x.xlsx"))).toBe(false);
  });

  it.each(["x.csv", "x.csv.gz", "x.parquet"])("--out %s in a directory that does not exist → exit 2 before any work", async (name) => {
    const out = join(dir, "no-such-dir", name);
    const r = await runCli(["eval", "--threads", "1", "--data", TINY, "--exprs", OK_TSV, "--out", out]);
    expect(userError(r)).toContain(`--out ${out}: directory ${join(dir, "no-such-dir")} does not exist`);
  });

  it("data synth --out in a directory that does not exist → exit 2", async () => {
    const out = join(dir, "no-such-dir", "m.csv");
    expect(userError(await runCli(["data", "synth", "--out", out, "--instruments", "10", "--days", "100"]))).toContain(`--out ${out}: directory`);
  });

  it("--out naming a directory → exit 2", async () => {
    const sub = mkdtempSync(join(dir, "d-"));
    const out = `${sub}/x.csv`;
    mkdirSync(out);
    const r = await runCli(["eval", "--threads", "1", "--data", TINY, "--exprs", OK_TSV, "--out", out]);
    expect(userError(r)).toContain(`--out ${out}: is a directory`);
  });

  it("--start after the data ends → exit 2", async () => {
    expect(userError(await evalCli(TINY, OK_TSV, "--start", "2021-01-01"))).toMatch(/no data on or after --start 2021-01-01/);
  });
});

describe("stack traces only with --verbose; nothing half-written", () => {
  it("--verbose adds the stack of a user error", async () => {
    const f = tsv("bad\tFOO($close)");
    const quiet = userError(await evalCli(TINY, f));
    const loud = await evalCli(TINY, f, "--verbose");
    expect(loud.code).toBe(2);
    expect(loud.stderr.startsWith(quiet.trimEnd())).toBe(true);
    expect(loud.stderr).toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it("a failure leaves neither the --out file nor a temp file behind (csv, csv.gz, parquet)", async () => {
    const sub = mkdtempSync(join(dir, "out-"));
    const bad = tsv("ok\t$close", "bad\tTS_MEAN(");
    for (const name of ["o.csv", "o.csv.gz", "o.parquet"]) {
      const r = await runCli(["eval", "--threads", "1", "--data", TINY, "--exprs", bad, "--out", join(sub, name)]);
      expect(r.code).toBe(2);
    }
    const badData = csv(GOOD[0]!, "2020-01-03,AAA,11,12,10,x,200");
    const r = await runCli(["eval", "--threads", "1", "--data", badData, "--exprs", OK_TSV, "--out", join(sub, "p.parquet")]);
    expect(r.code).toBe(2);
    expect(readdirSync(sub)).toEqual([]);
  });
});
