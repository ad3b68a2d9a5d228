/**
 * `quanta eval` and `quanta ic` end to end against the pandas reference (shared/reference/factor_ref.py
 * and metrics_ref.py, run live with Debian's python; skipped when pandas is absent) on the committed
 * S&P 500 slice: same rows (span ∩ window), values within |a − b| ≤ 1e-6·|b| + 1e-9 with NaN exactly
 * where the reference has NaN, and IC / ICIR / RankIC / RankICIR / days equal to 1e-6.
 * Quanta dialect with and without a --universe membership file (cross-sectional ops and IC see members
 * only), and a slice of Alpha158 in the qlib dialect (VWAP0 is skipped on both sides: no $vwap).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_FIXTURES, close, readTable, referenceAvailable, runCli, runReference, SP500_SLICE, tableDiff } from "./harness.ts";

const hasReference = referenceAvailable();
const dir = mkdtempSync(join(tmpdir(), "quanta-cli-parity-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const QUANTA = `${CLI_FIXTURES}quanta_set.tsv`;
const ALPHA = `${CLI_FIXTURES}alpha158_subset.tsv`;
const MEMBERS = `${CLI_FIXTURES}sp500_slice_membership.csv`;
const WINDOW = ["--start", "2014-06-01", "--end", "2016-05-31"];
const out = (name: string) => join(dir, name);

interface IcRow {
  name: string;
  ic: number | null;
  icir: number | null;
  rankIc: number | null;
  rankIcir: number | null;
  days: number;
}

beforeAll(async () => {
  if (!hasReference) return;
  await runReference([
    ["factor_ref", "eval", "--data", SP500_SLICE, "--exprs", QUANTA, "--dialect", "quanta", ...WINDOW, "--out", out("ref_q.csv")],
    ["metrics_ref", "ic", "--factors", out("ref_q.csv"), "--data", SP500_SLICE, ...WINDOW, "--out", out("ref_q_ic.json")],
    ["factor_ref", "eval", "--data", SP500_SLICE, "--exprs", QUANTA, "--dialect", "quanta", ...WINDOW, "--membership", MEMBERS, "--out", out("ref_qm.csv")],
    ["metrics_ref", "ic", "--factors", out("ref_qm.csv"), "--data", SP500_SLICE, ...WINDOW, "--membership", MEMBERS, "--out", out("ref_qm_ic.json")],
    ["factor_ref", "eval", "--data", SP500_SLICE, "--exprs", ALPHA, "--dialect", "qlib", "--start", "2015-03-01", "--out", out("ref_a.csv")],
  ]);
});

async function quanta(argv: string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await runCli([argv[0]!, "--threads", "1", ...argv.slice(1)]);
  expect(r.code, r.stderr).toBe(0);
  return r;
}

function icJson(stdout: string): IcRow[] {
  return JSON.parse(stdout) as IcRow[];
}

function icDiff(ours: IcRow[], ref: (IcRow & { rankDays?: number })[]): string[] {
  const problems: string[] = [];
  if (ours.map((r) => r.name).join() !== ref.map((r) => r.name).join()) return [`names ${ours.map((r) => r.name)} vs ${ref.map((r) => r.name)}`];
  ours.forEach((o, k) => {
    const b = ref[k]!;
    for (const key of ["ic", "icir", "rankIc", "rankIcir"] as const) {
      const x = o[key] ?? NaN, y = b[key] ?? NaN;
      if (!close(x, y)) problems.push(`${o.name}.${key}: ${x} vs ${y}`);
    }
    if (o.days !== b.days) problems.push(`${o.name}.days: ${o.days} vs ${b.days}`);
  });
  return problems;
}

describe.skipIf(!hasReference)("quanta eval / ic = the pandas reference on the S&P 500 slice", () => {
  it("eval, quanta dialect, --start/--end: same rows, values to 1e-6", async () => {
    await quanta(["eval", "--data", SP500_SLICE, "--exprs", QUANTA, ...WINDOW, "--out", out("q.csv")]);
    const [ours, ref] = [await readTable(out("q.csv")), await readTable(out("ref_q.csv"))];
    expect(ref.dates.length).toBeGreaterThan(5000);
    expect(ref.columns.length).toBe(2 + 13);
    expect(tableDiff(ours, ref)).toEqual([]);
  });

  it("eval with --universe: cross-sectional operators see members only", async () => {
    const r = await quanta(["eval", "--data", SP500_SLICE, "--exprs", QUANTA, ...WINDOW, "--universe", MEMBERS, "--out", out("qm.csv")]);
    expect(r.stderr).toMatch(/ZZZ/); // a member without data is worth a warning
    const [ours, ref, plain] = [await readTable(out("qm.csv")), await readTable(out("ref_qm.csv")), await readTable(out("ref_q.csv"))];
    expect(tableDiff(ours, ref)).toEqual([]);
    // the membership file really changes the cross-sectional factors (else this test proves little)
    expect(tableDiff(plain, ref).some((p) => p.startsWith("rk:"))).toBe(true);
  });

  it("eval, qlib dialect (Alpha158 lines): VWAP0 skipped with a warning, the rest to 1e-6", async () => {
    const r = await quanta(["eval", "--data", SP500_SLICE, "--exprs", ALPHA, "--dialect", "qlib", "--start", "2015-03-01", "--out", out("a.parquet")]);
    expect(r.stderr).toMatch(/warning: skipped VWAP0: .*\$vwap/);
    const [ours, ref] = [await readTable(out("a.parquet")), await readTable(out("ref_a.csv"))];
    expect(ref.columns).not.toContain("VWAP0");
    expect(ref.columns.length).toBe(2 + 23);
    expect(tableDiff(ours, ref)).toEqual([]);
  });

  it("ic --json: shape and numbers of metrics_ref.py", async () => {
    const { stdout } = await quanta(["ic", "--data", SP500_SLICE, "--exprs", QUANTA, ...WINDOW, "--json"]);
    const ours = icJson(stdout);
    for (const row of ours) {
      expect(Object.keys(row)).toEqual(["name", "ic", "icir", "rankIc", "rankIcir", "days"]);
      expect(Number.isInteger(row.days)).toBe(true);
    }
    const ref = JSON.parse(readFileSync(out("ref_q_ic.json"), "utf8")) as IcRow[];
    expect(ref[0]!.days).toBeGreaterThan(400);
    expect(icDiff(ours, ref)).toEqual([]);
  });

  it("ic --json --universe: IC over members only", async () => {
    const { stdout } = await quanta(["ic", "--data", SP500_SLICE, "--exprs", QUANTA, ...WINDOW, "--universe", MEMBERS, "--json"]);
    const ref = JSON.parse(readFileSync(out("ref_qm_ic.json"), "utf8")) as IcRow[];
    const plain = JSON.parse(readFileSync(out("ref_q_ic.json"), "utf8")) as IcRow[];
    expect(icDiff(plain, ref)).not.toEqual([]);
    expect(icDiff(icJson(stdout), ref)).toEqual([]);
  });

  it("ic without --json: a table with one line per factor", async () => {
    const { stdout } = await quanta(["ic", "--data", SP500_SLICE, "--exprs", QUANTA, ...WINDOW]);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^name\s+ic\s+icir\s+rankIc\s+rankIcir\s+days$/);
    expect(lines.length).toBe(1 + 13);
    const ref = JSON.parse(readFileSync(out("ref_q_ic.json"), "utf8")) as IcRow[];
    ref.forEach((r, k) => {
      const cells = lines[k + 1]!.trim().split(/\s+/);
      expect(cells[0]).toBe(r.name);
      if (r.rankIc === null) expect(cells[3]).toBe("nan"); // e.g. SKEW(…) is constant across instruments
      else expect(Number(cells[3])).toBeCloseTo(r.rankIc, 5);
      expect(Number(cells[5])).toBe(r.days);
    });
  });
});
