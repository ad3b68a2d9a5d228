/**
 * Smoke tests of the real executable (bin/quanta.mjs as a child process): exit codes and stderr as a
 * user sees them, and the worker pool (default threads) giving exactly what in-process evaluation
 * gives. Everything else is tested in-process (faster) in the sibling suites.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_FIXTURES, runBinary, runCli, SP500_SLICE, type CliResult } from "./harness.ts";

const dir = mkdtempSync(join(tmpdir(), "quanta-cli-bin-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const exprs = join(dir, "set.tsv");
writeFileSync(
  exprs,
  ["a\tTS_MEAN($return, 10)", "b\tRANK(TS_STD($close, 20))", "c\tTS_CORR($close, $volume, 15)", "d\tZSCORE(DELTA($volume, 3))", "e\tREGRESI($close, SEQUENCE(20), 20)"].join("\n") + "\n",
);
const badExprs = join(dir, "bad.tsv");
writeFileSync(badExprs, "fine\t$close\nbroken\tTS_MEAN($close, 5\n");

let bad: CliResult, help: CliResult, pooled: CliResult, pooledIc: CliResult;
beforeAll(async () => {
  [bad, help, pooled, pooledIc] = await Promise.all([
    runBinary(["eval", "--data", `${CLI_FIXTURES}tiny.csv`, "--exprs", badExprs, "--out", join(dir, "never.csv")]),
    runBinary(["--help"]),
    runBinary(["eval", "--data", SP500_SLICE, "--exprs", exprs, "--start", "2015-01-01", "--out", join(dir, "pool.csv")]),
    runBinary(["ic", "--data", SP500_SLICE, "--exprs", exprs, "--start", "2014-06-01", "--end", "2016-05-31", "--json"]),
  ]);
});

describe("bin/quanta.mjs", () => {
  it("a user error: exit 2, `error:` + the located message on stderr, no stack, no output file", () => {
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(new RegExp(`^error: ${badExprs.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:2:\\d+: factor broken: `));
    expect(bad.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(bad.stderr).not.toMatch(/internal error/);
    expect(() => readFileSync(join(dir, "never.csv"))).toThrow();
  });

  it("--help lists the commands and exits 0", () => {
    expect(help.code).toBe(0);
    for (const c of ["eval", "ic", "data"]) expect(help.stdout).toMatch(new RegExp(`quanta ${c}\\b`));
  });

  it("eval on the worker pool writes exactly what in-process evaluation writes", async () => {
    expect(pooled.code, pooled.stderr).toBe(0);
    const local = join(dir, "local.csv");
    const r = await runCli(["eval", "--threads", "1", "--data", SP500_SLICE, "--exprs", exprs, "--start", "2015-01-01", "--out", local]);
    expect(r.code, r.stderr).toBe(0);
    const a = readFileSync(join(dir, "pool.csv"), "utf8");
    expect(a.split("\n").length).toBeGreaterThan(3000);
    expect(a).toBe(readFileSync(local, "utf8"));
  });

  it("ic on the worker pool prints exactly what in-process screening prints", async () => {
    expect(pooledIc.code, pooledIc.stderr).toBe(0);
    const r = await runCli(["ic", "--threads", "1", "--data", SP500_SLICE, "--exprs", exprs, "--start", "2014-06-01", "--end", "2016-05-31", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(pooledIc.stdout) as { name: string }[];
    expect(rows.map((x) => x.name)).toEqual(["a", "b", "c", "d", "e"]);
    expect(pooledIc.stdout).toBe(r.stdout);
  });
});
