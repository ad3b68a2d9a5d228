import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FactorLibrary } from "../../src/library/index.ts";
import { runRetrain, type RetrainOptions } from "../../src/retrain/run.ts";
import type { ReplacementRequest } from "../../src/retrain/replace.ts";
import { DECAYING, buildPlantedLibrary, market } from "./fixture.ts";

const dir = mkdtempSync(join(tmpdir(), "quanta-retrain-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Everything retraining may change, for before/after comparisons. */
function snapshot(path: string) {
  const lib = FactorLibrary.open(path, { readonly: true });
  try {
    const factors = lib.listFactors({ sort: "id" });
    return {
      factors: factors.map((f) => ({ id: f.id, status: f.status, reason: f.statusReason, metrics: JSON.stringify(f.metrics), updatedAt: f.updatedAt })),
      events: factors.map((f) => lib.factorEvents(f.id).length),
      runs: lib.listRetrainRuns().map((r) => ({ id: r.id, status: r.status })),
    };
  } finally {
    lib.close();
  }
}

function options(library: string, extra: Partial<RetrainOptions> = {}): RetrainOptions {
  return { library, data: "synthetic-test", load: async () => ({ panel: market().panel }), reportDir: join(dir, "reports"), ...extra };
}

describe("retrain on data extended by new days", () => {
  const library = join(dir, "lib.db");
  let ids: number[] = [];
  beforeAll(async () => {
    ids = await buildPlantedLibrary(library);
  });

  it("retires the planted signal that decayed, keeps the others, and records why", async () => {
    const before = snapshot(library);
    expect(before.factors.every((f) => f.status === "active")).toBe(true);
    const lines: string[] = [];
    const r = await runRetrain(options(library, { log: (l) => lines.push(l) }));
    expect(r.upToDate).toBe(false);
    const s = r.summary!;
    expect(s.window).toEqual({ start: market().panel.dates[550], end: market().panel.dates[799], days: 250 });

    const lib = FactorLibrary.open(library, { readonly: true });
    try {
      for (const f of lib.listFactors({ sort: "id" })) {
        if (f.name === DECAYING) {
          expect(f.status).toBe("retired");
          expect(f.statusReason).toMatch(/^decayed: RankIC 0\.0\d+ \(valid\) → -?0\.00\d+ on the window/);
        } else {
          expect(f.status, f.name).toBe("active");
        }
        // The window's metrics are stored, with the pool correlation, and logged against the run.
        expect(f.metrics["recent"]!.rankDays).toBe(248);
        expect(f.metrics["recent"]!["maxCorr"] === undefined).toBe(f.name === DECAYING);
        const events = lib.factorEvents(f.id);
        expect(events.every((e) => e.retrainRunId === r.run.id)).toBe(true);
        expect(events.map((e) => e.kind)).toEqual(f.name === DECAYING ? ["metrics", "status"] : ["metrics"]);
      }
      expect(lib.listRetrainRuns()).toMatchObject([{ id: r.run.id, status: "finished", asOf: s.window.end }]);
    } finally {
      lib.close();
    }
    expect(s.counts).toMatchObject({ evaluated: 4, active: 3, retired: 1, watch: 0, changed: 1 });
    expect(lines.some((l) => l.includes(`${DECAYING}: active → retired`))).toBe(true);

    // The model is refitted on the three survivors and checked out of sample on the window.
    expect(s.model.features).toHaveLength(3);
    expect(s.model.weights).toHaveLength(3);
    expect(s.model.outOfSample!.rankIc).toBeGreaterThan(0.02);
    expect(s.model.fit!.end).toBe(s.window.end);

    // Dated report and JSON summary.
    expect(s.report).toBe(join(dir, "reports", `retrain-${s.window.end}-run${r.run.id}.html`));
    const html = readFileSync(s.report!, "utf8");
    expect(html).toContain("quanta retrain report");
    expect(html).toContain(`#${ids[2]} ${DECAYING}: active → retired`);
    const json = JSON.parse(readFileSync(s.summaryFile!, "utf8")) as { counts: unknown; factors: { name: string; after: string }[] };
    expect(json.counts).toEqual(s.counts);
    expect(json.factors.find((f) => f.name === DECAYING)!.after).toBe("retired");
  });

  it("changes nothing when run again on the same data, even when forced", async () => {
    const before = snapshot(library);
    const again = await runRetrain(options(library));
    expect(again.upToDate).toBe(true);
    expect(again.run.id).toBe(before.runs[0]!.id);
    expect(snapshot(library)).toEqual(before);

    // --force re-computes: a new run row, but no factor is touched (same verdicts, same metrics).
    const forced = await runRetrain(options(library, { force: true, noReport: true }));
    expect(forced.upToDate).toBe(false);
    const after = snapshot(library);
    expect(after.factors).toEqual(before.factors);
    expect(after.events).toEqual(before.events);
    expect(after.runs).toHaveLength(2);
    expect(forced.summary!.counts.changed).toBe(0);
  });

  it("re-runs on a different window, judging only active and watch factors", async () => {
    const r = await runRetrain(options(library, { window: 120, noReport: true }));
    expect(r.upToDate).toBe(false);
    expect(r.summary!.window.days).toBe(120);
    expect(r.summary!.factors.map((f) => f.name)).not.toContain(DECAYING);
  });
});

describe("retrain edge cases", () => {
  it("records a baseline for factors without reference metrics and skips unevaluable ones", async () => {
    const library = join(dir, "noref.db");
    const lib = FactorLibrary.open(library);
    lib.importFactors([
      { name: "mom", expression: "TS_MEAN($return, 10)", canonical: "TS_MEAN($return,10)" },
      { name: "needs_vwap2", expression: "RANK($vwap2)", canonical: "RANK($vwap2)" },
    ]);
    lib.close();
    const r = await runRetrain(options(library, { noReport: true }));
    const s = r.summary!;
    expect(s.factors).toHaveLength(1);
    expect(s.factors[0]).toMatchObject({ name: "mom", rule: "no-reference", after: "active" });
    expect(s.skipped).toEqual([{ id: 2, name: "needs_vwap2", status: "active", reason: "needs $vwap2, which the data lacks" }]);
    const back = FactorLibrary.open(library, { readonly: true });
    try {
      const baseline = back.getFactor(1)!.metrics["baseline"]!;
      expect(baseline.rankIc).toBe(s.factors[0]!.recent.rankIc);
      expect(baseline["maxCorr"]).toBeUndefined();
      expect(back.getFactor(2)!.status).toBe("active");
    } finally {
      back.close();
    }
  });

  it("hands retired factors to the replacement miner with the survivors, and survives a failing one", async () => {
    const library = join(dir, "mine.db");
    await buildPlantedLibrary(library);
    const seen: ReplacementRequest[] = [];
    const r = await runRetrain(
      options(library, {
        noReport: true,
        mineReplacements: true,
        miner: async (req) => {
          seen.push(req);
          return { status: "done", message: "2 accepted", campaignId: "c-test", accepted: [] };
        },
      }),
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]!.retired.map((f) => f.name)).toEqual([DECAYING]);
    expect(seen[0]!.survivors.map((f) => f.name).sort()).toEqual(["close_location", "reversal_5d", "volume_price_divergence"]);
    expect(seen[0]!.target).toBe(1);
    expect(seen[0]!.window.end).toBe(r.summary!.window.end);
    expect(r.summary!.replacements).toMatchObject({ status: "done", campaignId: "c-test" });

    // A miner that fails does not fail the retrain: its verdicts stand and the failure is reported.
    const other = join(dir, "mine2.db");
    await buildPlantedLibrary(other);
    const r2 = await runRetrain(options(other, { noReport: true, mineReplacements: true, miner: () => Promise.reject(new Error("agent down")) }));
    expect(r2.summary!.replacements).toEqual({ status: "failed", message: "agent down" });
    expect(r2.summary!.counts.retired).toBe(1);
    expect(r2.run.status).toBe("finished");
  });

  it("handles an empty library, and refuses one that does not exist", async () => {
    const empty = join(dir, "empty.db");
    FactorLibrary.open(empty).close();
    const r = await runRetrain(options(empty));
    expect(r.summary!.counts).toMatchObject({ evaluated: 0, changed: 0 });
    expect(readFileSync(r.summary!.report!, "utf8")).toContain("0 factors re-evaluated");
    expect(r.summary!.model.note).toBe("no active factor: no model fitted");
    const missing = join(dir, "typo.db");
    await expect(runRetrain(options(missing))).rejects.toThrow(/^no library at .*typo\.db$/);
    expect(existsSync(missing)).toBe(false);
  });

  it("rejects a window outside the data and marks nothing", async () => {
    const library = join(dir, "bad.db");
    await buildPlantedLibrary(library);
    await expect(runRetrain(options(library, { start: "2030-01-01", end: "2030-12-31" }))).rejects.toThrow(/no date of the data/);
    await expect(runRetrain(options(library, { window: 3 }))).rejects.toThrow(/--window/);
    const lib = FactorLibrary.open(library, { readonly: true });
    expect(lib.listRetrainRuns()).toEqual([]);
    lib.close();
    expect(existsSync(join(dir, "reports", "retrain-2030-12-31-run1.html"))).toBe(false);
  });
});
