import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { FactorLibrary } from "../../src/library/index.ts";
import { loadLibraryFactorSet } from "../../src/review/transfer.ts";
import { prepareFactorSet } from "../../src/workflow/factor-set.ts";
import { screenFactors, windowOf } from "../../src/workflow/screen.ts";
import { loadData } from "../../src/workflow/load.ts";
import { EvalPool } from "../../src/pool/pool.ts";
import { SIGNALS } from "../../src/data/synthetic/signals.ts";
import { buildReviewLibrary } from "./fixture.ts";

const dir = mkdtempSync(join(tmpdir(), "quanta-transfer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SP500 = fileURLToPath(new URL("../fixtures/factors/sp500_slice.csv.gz", import.meta.url));

describe("transfer: a library evaluated on another market", () => {
  it("evaluates quanta-dialect factors mined on the synthetic market on the S&P 500 slice", async () => {
    const db = join(dir, "synthetic.db");
    const lib = FactorLibrary.open(db);
    lib.importFactors(SIGNALS.map((s) => ({ name: s.name, expression: s.expression, canonical: s.expression.replace(/\s+/g, "") })));
    lib.importFactors([{ name: "old", expression: "TS_MEAN($close, 3)", canonical: "TS_MEAN($close,3)", status: "retired" }]);
    lib.close();

    const set = loadLibraryFactorSet(db);
    expect(set.dialect).toBe("quanta");
    expect(set.items.map((i) => i.name).sort()).toEqual(SIGNALS.map((s) => s.name).sort());
    expect(set.source).toMatch(/synthetic\.db \(4 active factors\)$/);

    const { panel } = await loadData(SP500, { onWarning: () => {} });
    expect(panel.instruments).toContain("AAPL");
    const prepared = prepareFactorSet(set.items, set.dialect, panel, { source: set.source });
    const pool = new EvalPool({ threads: 1 });
    try {
      const ic = await screenFactors(panel, prepared.factors, set.dialect, windowOf(panel), pool);
      expect(ic).toHaveLength(4);
      for (const r of ic) {
        expect(r.days).toBeGreaterThan(400);
        expect(Number.isFinite(r.rankIc)).toBe(true);
        expect(Math.abs(r.rankIc)).toBeLessThan(0.5);
      }
    } finally {
      await pool.close();
    }
  });

  it("filters by status and campaign, and refuses a silent mix of dialects", () => {
    const db = join(dir, "review.db");
    buildReviewLibrary(db).close();
    const c2 = loadLibraryFactorSet(db, { campaign: "c2" });
    expect(c2.items).toEqual([
      { name: "LOC", expression: expect.stringContaining("TS_MEAN(($close") as unknown as string, line: 5 },
      { name: "MA", expression: "TS_MEAN($close, 5)/$close", line: 6 },
    ]);
    expect(() => loadLibraryFactorSet(db)).toThrow(/mix dialects \(6 quanta, 1 qlib\); choose one with --dialect/);
    expect(loadLibraryFactorSet(db, { dialect: "qlib" }).items.map((i) => i.name)).toEqual(["QMA"]);
    const names = loadLibraryFactorSet(db, { dialect: "quanta" }).items.map((i) => i.name);
    expect(names.filter((n) => n.startsWith("MA"))).toEqual(["MA", "MA_6"]);
    expect(() => loadLibraryFactorSet(db, { status: "watch" })).toThrow(/has no watch factors/);
    expect(() => loadLibraryFactorSet(join(dir, "none.db"))).toThrow(/no library at/);
  });
});
