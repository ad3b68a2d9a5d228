import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FactorLibrary } from "../../src/library/index.ts";
import { runCli } from "../retrain/cli.ts";
import { buildReviewLibrary, EXPR, writeSmallMarket } from "./fixture.ts";

const dir = mkdtempSync(join(tmpdir(), "quanta-review-cli-"));
const db = join(dir, "lib.db");
let market = "";
beforeAll(async () => {
  buildReviewLibrary(db).close();
  market = await writeSmallMarket(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lib = (...args: string[]) => runCli(["library", ...args, "--library", db]);

describe("quanta library (read-only commands)", () => {
  it("list: filters and prints a table or JSON", async () => {
    const t = await lib("list", "--campaign", "c1", "--min-rank-ic", "0.04");
    expect(t.code).toBe(0);
    expect(t.stdout.trim().split("\n").slice(1).map((l) => l.split(/\s+/)[2])).toEqual(["DIV", "REV", "VOL"]);
    const j = await lib("list", "--status", "active,watch", "--sort", "id", "--order", "asc", "--limit", "3", "--json");
    const rows = JSON.parse(j.stdout) as { id: number; name: string; qlib: string | null; metrics: Record<string, { rankIc: number }> }[];
    expect(rows.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(rows[1]).toMatchObject({ name: "MA", qlib: "Mean($close,5)/$close" });
    expect(rows[0]!.metrics["valid"]!.rankIc).toBe(0.05);
    const bad = await lib("list", "--status", "alive");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --status/);
  });

  it("show and lineage: text, JSON and an HTML lineage report", async () => {
    const s = await lib("show", "4");
    expect(s.stdout).toContain("factor 4: DIV  [active]");
    expect(s.stdout).toMatch(/trajectory\s+t3 \(crossover, round 2/);
    expect(s.stdout).toMatch(/parents\n {2}t1 .*\n {2}t2 /);
    const sj = JSON.parse((await lib("show", "1", "--json")).stdout) as { factor: { name: string }; trajectory: { feedback: { text: string } } };
    expect(sj.trajectory.feedback.text).toBe("window too short");

    const l = await lib("lineage", "4");
    expect(l.code).toBe(0);
    expect(l.stdout.split("\n").slice(0, 4)).toEqual([
      expect.stringMatching(/^t3 \[crossover r2\] reward 0\.0600, 1\/1 accepted — hypothesis of t3$/),
      expect.stringMatching(/^├─ t1 \[original r0\]/),
      expect.stringMatching(/^└─ t2 \[mutation r1\]/),
      expect.stringMatching(/^ {3}└─ t0 \[original r0\]/),
    ]);
    const out = join(dir, "lineage.html");
    const lj = await lib("lineage", "t2", "--json", "--out", out);
    expect((JSON.parse(lj.stdout) as { nodes: { id: string }[] }).nodes.map((n) => n.id)).toEqual(["t0", "t2"]);
    expect(readFileSync(out, "utf8")).toContain("Lineage");
    const imported = await lib("lineage", "7");
    expect(imported.code).toBe(2);
    expect(imported.stderr).toMatch(/was imported and has no lineage/);
    expect((await lib("show", "99")).stderr).toMatch(/^error: no factor 99 in library/);
  });

  it("never creates a library it is asked to read", async () => {
    const missing = join(dir, "missing.db");
    const r = await runCli(["library", "list", "--library", missing]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no library at/);
    expect(existsSync(missing)).toBe(false);
  });

  it("corr: the matrix of chosen factors on a date range", async () => {
    const r = await lib("corr", "--data", market, "--ids", "1,2,5", "--start", "2015-03-02", "--threads", "1", "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { window: { start: string }; factors: { id: number }[]; matrix: number[][] };
    expect(j.window.start).toBe("2015-03-02");
    expect(j.factors.map((f) => f.id)).toEqual([1, 2, 5]);
    expect(j.matrix[0]![0]).toBe(1);
    expect(j.matrix[0]![2]).toBe(j.matrix[2]![0]);
    expect(Math.abs(j.matrix[0]![2]!)).toBeGreaterThan(0.3); // reversal and close location overlap by construction
    const text = await lib("corr", "--data", market, "--ids", "1,2", "--threads", "1");
    expect(text.stdout).toMatch(/^#1 REV\s+1\.000\s+-?0\.\d{3}\s+\[1\]$/m);
    expect((await lib("corr", "--data", market, "--ids", "1", "--threads", "1")).stderr).toMatch(/at least 2 factors/);
  });

  it("compare: two campaigns on stored metrics, or a campaign and a file on data", async () => {
    const r = await lib("compare", "c1", "c2", "--json");
    const c = JSON.parse(r.stdout) as { sides: { count: number; meanRankIc: number; best: string }[]; shared: string[] };
    expect(c.sides.map((s) => s.count)).toEqual([4, 2]);
    expect(c.sides[0]!.best).toBe("DIV");
    expect(c.sides[0]!.meanRankIc).toBeCloseTo((0.05 + 0.03 + 0.04 + 0.06) / 4, 12);
    expect(c.shared).toEqual(["TS_MEAN($close,5)/$close"]);

    const tsv = join(dir, "side.tsv");
    writeFileSync(tsv, `rev_again\t${EXPR.rev}\nother\tTS_MEAN($volume, 5)/$volume\n`);
    const d = await lib("compare", "c2", tsv, "--data", market, "--threads", "1");
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/A: c2 \(campaign\)\s+B: .*side\.tsv \(file\)/);
    expect(d.stdout).toMatch(/covered by other \(\|corr\| ≥ 0\.7\)/);
    expect((await lib("compare", "c1", "nope")).stderr).toMatch(/"nope" is not a campaign/);
  });

  it("export: TSV, qlib TSV and JSON to stdout or a file", async () => {
    const tsv = await lib("export", "--campaign", "c2");
    expect(tsv.stdout.trim().split("\n").slice(1)).toEqual([`LOC\t${EXPR.loc}`, `MA\t${EXPR.ma}`]);
    const out = join(dir, "out", "f.qlib.tsv");
    const q = await lib("export", "--format", "qlib", "--out", out, "--json");
    expect(JSON.parse(q.stdout)).toMatchObject({ out, format: "qlib", count: 7, omitted: [] });
    const text = readFileSync(out, "utf8");
    expect(text).toContain("QMA\tMean($close,10)/$close");
    // DIV's TS_CORR becomes qlib's Corr, with the caveat written above it.
    expect(text).toMatch(/# DIV: approximate: .*near-constant windows\)\nDIV\t-Corr\(Delta\(\$close,1\),Delta\(\$volume,1\),10\)\n/);
    expect(q.stderr).not.toMatch(/left out/);
    const mixed = await lib("export", "--format", "tsv");
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/mix the quanta and qlib dialects/);
    expect((await lib("export", "--dialect", "qlib")).stdout).toMatch(/dialect qlib/);
  });

  it("report: the HTML report of a campaign with a correlation heat-map", async () => {
    const out = join(dir, "c1.html");
    const r = await lib("report", "--campaign", "c1", "--out", out, "--data", market, "--threads", "1", "--json");
    expect(JSON.parse(r.stdout)).toEqual({ out, factors: 4, correlation: 4 });
    const html = readFileSync(out, "utf8");
    for (const s of ["Factor correlation", "Lineage", "campaign c1", "REV #1"]) expect(html).toContain(s);
  });
});

describe("quanta library (commands that write)", () => {
  it("status: changes a status with a reason, logged in the history", async () => {
    const r = await lib("status", "2", "retired", "--reason", "duplicate of c2's MA", "--json");
    expect(JSON.parse(r.stdout)).toEqual({ id: 2, name: "MA", from: "active", to: "retired", reason: "duplicate of c2's MA" });
    const s = await lib("show", "2");
    expect(s.stdout).toMatch(/status\s+active → retired: duplicate of c2's MA/);
    expect((await lib("status", "2", "active")).stdout).toBe("factor 2 (MA): retired → active (set by hand)\n");
    expect((await lib("status", "42", "watch")).stderr).toMatch(/no factor 42/);
  });

  it("import: parses, measures on a range with --data, skips what is already there", async () => {
    const file = join(dir, "new.tsv");
    writeFileSync(file, `# candidates\nNEW_MOM\tTS_MEAN($return, 10)\nREV_DUP\t${EXPR.rev}\n`);
    const r = await lib("import", file, "--data", market, "--start", "2015-06-01", "--split", "is", "--threads", "1", "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { imported: { id: number; name: string }[]; skipped: string[] };
    expect(j.imported).toEqual([{ id: 8, name: "NEW_MOM" }]);
    expect(j.skipped).toEqual(["RANK(-TS_PCTCHANGE($close,5))"]);
    const back = FactorLibrary.open(db, { readonly: true });
    try {
      const f = back.getFactor(8)!;
      expect(f.source).toBe("import");
      expect(Number.isFinite(f.metrics["is"]!.rankIc)).toBe(true);
      expect(f.metrics["is"]!["days"]).toBeGreaterThan(100);
    } finally {
      back.close();
    }
    const bad = join(dir, "bad.tsv");
    writeFileSync(bad, "X\tTS_MEAN($close, 5)\nY\tFOO($close)\n");
    const e = await lib("import", bad);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/bad\.tsv:2: factor Y: /);
    const after = FactorLibrary.open(db, { readonly: true });
    expect(after.listFactors().map((f) => f.name)).not.toContain("X");
    after.close();
  });
});
