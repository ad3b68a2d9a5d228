import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { QuantaError } from "../../factors/errors.ts";
import { FactorMetricsSchema, TrajectorySchema } from "../../src/evolution/types.ts";
import { FactorLibrary, factorMetricColumns, renderLineageText } from "../../src/library/index.ts";
import { accepted, crossover, metrics, mutation, original, redundant, rejected } from "./fixtures.ts";

let lib: FactorLibrary;
let tick = 0;
beforeEach(() => {
  tick = 0;
  lib = FactorLibrary.openMemory({ now: () => new Date(Date.UTC(2024, 0, 1, 0, 0, tick++)).toISOString() });
  lib.createCampaign({ id: "c1", name: "first", config: { rounds: 3, nested: { x: [1, 2] } }, seed: 7, dataFingerprint: "fp1" });
});
afterEach(() => lib.close());

function count(table: string): number {
  return (lib.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

describe("campaigns", () => {
  it("round-trips and finishes", () => {
    const c = lib.getCampaign("c1")!;
    expect(c).toMatchObject({ id: "c1", name: "first", seed: 7, dataFingerprint: "fp1", status: "running", finishedAt: null });
    expect(c.config).toEqual({ rounds: 3, nested: { x: [1, 2] } });
    const done = lib.finishCampaign("c1", { summary: { best: 0.05, nan: Number.NaN } });
    expect(done.status).toBe("finished");
    expect(done.summary).toEqual({ best: 0.05, nan: null });
    expect(done.finishedAt).not.toBeNull();
    expect(lib.resumeCampaign("c1").status).toBe("finished");
  });

  it("refuses a duplicate id and resumes an interrupted campaign", () => {
    expect(() => lib.createCampaign({ id: "c1", name: "x", seed: 1, dataFingerprint: "f" })).toThrow(QuantaError);
    lib.finishCampaign("c1", { status: "interrupted" });
    const r = lib.resumeCampaign("c1");
    expect(r.status).toBe("running");
    expect(r.finishedAt).toBeNull();
    const auto = lib.createCampaign({ name: "auto", seed: 2, dataFingerprint: "f" });
    expect(auto.id).toMatch(/^c-/);
    expect(lib.listCampaigns().map((c) => c.id).sort()).toEqual(["c1", auto.id].sort());
  });
});

describe("trajectories", () => {
  it("round-trips a trajectory with its factors, rejections and NaN", () => {
    const input = original("t0", "c1", [accepted("alpha", 0.06), rejected("bad"), redundant("dup", "alpha"), accepted("beta", Number.NaN)]);
    const r = lib.recordTrajectory(input);
    expect(r.inserted).toBe(true);
    expect(r.factorIds).toHaveLength(2);
    const back = lib.getTrajectory("t0")!;
    expect(toComparable(back)).toEqual(toComparable(TrajectorySchema.parse(input)));
    const f = lib.getFactor(r.factorIds[0]!)!;
    expect(f).toMatchObject({
      source: "mined", campaignId: "c1", trajectoryId: "t0", index: 0, name: "alpha", status: "active",
      hypothesis: "hypothesis of t0", createdRound: 0, canonical: "RANK(DELTA($close,5))",
    });
    expect(f.metrics.valid!.rankIc).toBeCloseTo(0.06);
    expect(f.gates[0]!.details).toEqual({ symbolLength: 22, limit: 250 });
    expect(Number.isNaN(lib.getFactor(r.factorIds[1]!)!.metrics.valid!.rankIc)).toBe(true);
    const rej = lib.listRejections({ campaign: "c1" });
    expect(rej.map((x) => [x.index, x.kind, x.gate, x.name])).toEqual([
      [1, "rejected", "parse", "bad"],
      [2, "redundant", "correlation", "dup"],
    ]);
    expect(rej[0]!.candidate.repairs).toHaveLength(1);
    expect(lib.campaignStats("c1").factors).toEqual({ mined: 4, accepted: 2, rejected: 1, redundant: 1 });
  });

  it("is idempotent: recording the same id again writes nothing and returns the stored one", () => {
    const first = lib.recordTrajectory(original("t0", "c1", [accepted("alpha", 0.06)]));
    const again = lib.recordTrajectory(original("t0", "c1", [accepted("other", 0.01), accepted("more", 0.02)]));
    expect(again.inserted).toBe(false);
    expect(again.factorIds).toEqual(first.factorIds);
    expect(again.trajectory.factors.map((f) => f.name)).toEqual(["alpha"]);
    expect(count("factors")).toBe(1);
    lib.createCampaign({ id: "c2", name: "other", seed: 1, dataFingerprint: "fp" });
    expect(() => lib.recordTrajectory(original("t0", "c2", []))).toThrow(/already belongs to campaign c1/);
  });

  it("a failure inside recordTrajectory leaves nothing behind", () => {
    lib.recordTrajectory(original("t0", "c1", [accepted("a", 0.01)]));
    // Fail on the last write of the transaction (the rejection), after factors and lineage went in.
    lib.db.exec("CREATE TEMP TRIGGER boom BEFORE INSERT ON rejections BEGIN SELECT RAISE(ABORT, 'boom'); END");
    const before = ["trajectories", "factors", "lineage", "rejections", "checkpoints"].map(count);
    expect(() =>
      lib.recordTrajectory(mutation("t1", "c1", 1, "t0", [accepted("b", 0.02), rejected("r")]), {
        checkpoint: { round: 1, step: "trajectory:t1" },
      }),
    ).toThrow(/boom/);
    expect(["trajectories", "factors", "lineage", "rejections", "checkpoints"].map(count)).toEqual(before);
    expect(lib.getTrajectory("t1")).toBeUndefined();
  });

  it("atomically() groups several writes", () => {
    expect(() =>
      lib.atomically(() => {
        lib.recordTrajectory(original("t0", "c1", [accepted("a", 0.01)]));
        lib.appendCheckpoint("c1", { round: 0, step: "trajectory:t0" });
        throw new Error("crash before commit");
      }),
    ).toThrow(/crash/);
    expect(count("trajectories")).toBe(0);
    expect(count("checkpoints")).toBe(0);
  });

  it("validates input and references", () => {
    expect(() => lib.recordTrajectory({ ...original("t0", "c1", []), round: -1 })).toThrow(/invalid trajectory/);
    expect(() => lib.recordTrajectory(mutation("t1", "c1", 1, "nope", []))).toThrow(/parent nope/);
    expect(() => lib.recordTrajectory(original("t0", "nocampaign", []))).toThrow(/no campaign/);
    expect(count("trajectories")).toBe(0);
  });

  it("lists trajectories in recording order by campaign and round", () => {
    lib.recordTrajectory(original("t0", "c1", []));
    lib.recordTrajectory(original("t1", "c1", []));
    lib.recordTrajectory(mutation("m0", "c1", 1, "t1", []));
    expect(lib.listTrajectories({ campaign: "c1" }).map((t) => t.id)).toEqual(["t0", "t1", "m0"]);
    expect(lib.listTrajectories({ campaign: "c1", round: 1 }).map((t) => t.id)).toEqual(["m0"]);
    expect(lib.campaignStats("c1")).toMatchObject({ trajectories: 3, rounds: 2 });
  });
});

describe("lineage", () => {
  it("returns the ancestry DAG of a factor and renders it", () => {
    lib.recordTrajectory(original("a", "c1", [accepted("fa", 0.01)]));
    lib.recordTrajectory(original("b", "c1", []));
    lib.recordTrajectory(original("unrelated", "c1", []));
    lib.recordTrajectory(mutation("m", "c1", 1, "a", []));
    const x = lib.recordTrajectory(crossover("x", "c1", 2, ["m", "a", "b"], [accepted("fx", 0.05)]));
    const g = lib.lineage(x.factorIds[0]!);
    expect(g.root).toBe("x");
    expect(g.nodes.map((t) => t.id).sort()).toEqual(["a", "b", "m", "x"]);
    expect(g.edges).toEqual([
      { child: "m", parent: "a", position: 0 },
      { child: "x", parent: "m", position: 0 },
      { child: "x", parent: "a", position: 1 },
      { child: "x", parent: "b", position: 2 },
    ]);
    const text = renderLineageText(g);
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^x \[crossover r2\] reward 0\.0500, 1\/1 accepted/);
    expect(text).toContain("├─ m [mutation r1]");
    expect(text).toContain("│  └─ a [original r0]");
    expect(text).toContain("├─ a (see above)");
    expect(text).toContain("└─ b [original r0]");
    expect(lib.lineage("a").nodes.map((t) => t.id)).toEqual(["a"]);
    expect(lib.campaignLineage("c1").edges).toHaveLength(4);
    expect(() => lib.lineage(999)).toThrow(QuantaError);
  });
});

describe("factors", () => {
  function seed(): number[] {
    lib.createCampaign({ id: "c2", name: "second", seed: 1, dataFingerprint: "fp" });
    const ids: number[] = [];
    ids.push(...lib.recordTrajectory(original("a", "c1", [accepted("a1", 0.03), accepted("a2", 0.08)])).factorIds);
    ids.push(...lib.recordTrajectory(original("b", "c2", [accepted("b1", 0.05), accepted("b2", Number.NaN)])).factorIds);
    ids.push(...lib.recordTrajectory(mutation("m", "c1", 1, "a", [accepted("m1", -0.02)])).factorIds);
    return ids;
  }

  it("sorts by a metric, descending, with missing values last and ties by id", () => {
    seed();
    expect(lib.listFactors().map((f) => f.name)).toEqual(["a2", "b1", "a1", "m1", "b2"]);
    expect(lib.listFactors({ sort: "rankIc", order: "asc" }).map((f) => f.name)).toEqual(["m1", "a1", "b1", "a2", "b2"]);
    expect(lib.listFactors({ sort: "ic", split: "train", limit: 2 }).map((f) => f.name)).toEqual(["a2", "b1"]);
    expect(lib.listFactors({ sort: "id" }).map((f) => f.name)).toEqual(["a1", "a2", "b1", "b2", "m1"]);
    expect(lib.listFactors({ sort: "name", order: "desc", offset: 1, limit: 2 }).map((f) => f.name)).toEqual(["b2", "b1"]);
    expect(lib.listFactors({ sort: "round", order: "desc" }).map((f) => f.name)[0]).toBe("m1");
  });

  it("filters by campaign, status, source and thresholds", () => {
    const [a1, a2] = seed();
    expect(lib.listFactors({ campaign: "c2" }).map((f) => f.name)).toEqual(["b1", "b2"]);
    expect(lib.listFactors({ campaign: ["c1", "c2"], minRankIc: 0.04 }).map((f) => f.name)).toEqual(["a2", "b1"]);
    expect(lib.listFactors({ minRankIc: 0.04, split: "train", minIcir: 0.3 }).map((f) => f.name)).toEqual(["a2"]);
    lib.setStatus(a2!, "retired", { reason: "decayed" });
    lib.setStatus(a1!, "watch");
    expect(lib.listFactors({ status: "active" }).map((f) => f.name)).toEqual(["b1", "m1", "b2"]);
    expect(lib.listFactors({ status: ["retired", "watch"] }).map((f) => f.name)).toEqual(["a2", "a1"]);
    expect(lib.listFactors({ source: "import" })).toEqual([]);
    expect(() => lib.listFactors({ split: "bad split'" })).toThrow(/invalid split/);
  });

  it("logs status changes and metric updates", () => {
    const [a1] = seed();
    const f = lib.setStatus(a1!, "retired", { reason: "IC sign flip", retrainRunId: undefined });
    expect(f).toMatchObject({ status: "retired", statusReason: "IC sign flip" });
    lib.setStatus(a1!, "retired", { reason: "IC sign flip" }); // no change, no event
    const g = lib.updateFactorMetrics(a1!, "recent", metrics(-0.01));
    expect(Object.keys(g.metrics).sort()).toEqual(["recent", "train", "valid"]);
    expect(g.metrics.recent!.rankIc).toBeCloseTo(-0.01);
    const ev = lib.factorEvents(a1!);
    expect(ev.map((e) => e.kind)).toEqual(["status", "metrics"]);
    expect(ev[0]!.detail).toEqual({ from: "active", to: "retired", reason: "IC sign flip" });
    expect(() => lib.setStatus(12345, "active")).toThrow(QuantaError);
    expect(() => lib.setStatus(a1!, "bogus" as "active")).toThrow();
  });

  it("imports expressions idempotently", () => {
    seed();
    const first = lib.importFactors([
      { name: "ROC5", expression: "Ref($close, 5)/$close", dialect: "qlib", canonical: "Ref($close,5)/$close" },
      { name: "dup-of-a1", expression: "RANK(DELTA($close, 2))", canonical: "RANK(DELTA($close,2))" },
    ]);
    expect(first.ids).toHaveLength(1);
    expect(first.skipped).toEqual(["RANK(DELTA($close,2))"]);
    const again = lib.importFactors([{ name: "ROC5", expression: "Ref($close,5)/$close", dialect: "qlib", canonical: "Ref($close,5)/$close" }]);
    expect(again).toEqual({ ids: [], skipped: ["Ref($close,5)/$close"] });
    const imp = lib.getFactor(first.ids[0]!)!;
    expect(imp).toMatchObject({ source: "import", campaignId: null, trajectoryId: null, dialect: "qlib", status: "active" });
    expect(() => lib.lineage(imp.id)).toThrow(/imported/);
  });

  it("exposes metrics as typed columns", () => {
    seed();
    const cols = factorMetricColumns(lib.listFactors({ sort: "id" }));
    expect(cols.name).toEqual(["a1", "a2", "b1", "b2", "m1"]);
    expect(cols.rankIc).toBeInstanceOf(Float64Array);
    expect(cols.rankIc[1]).toBeCloseTo(0.08);
    expect(Number.isNaN(cols.rankIc[3]!)).toBe(true);
  });
});

describe("llm calls, checkpoints, cache, retraining", () => {
  it("records calls idempotently by key and answers replay lookups", () => {
    const base = { campaignId: "c1", role: "constructor", provider: "offline", model: "m", promptHash: "h1", seed: 3 };
    expect(lib.recordLlmCall({ ...base, key: "r0/t0/constructor/1", tokensIn: 100, tokensOut: 20, costUsd: 0.01, reply: "A" }).inserted).toBe(true);
    expect(lib.recordLlmCall({ ...base, key: "r0/t0/constructor/1", tokensIn: 100, tokensOut: 20, costUsd: 0.01, reply: "A" }).inserted).toBe(false);
    lib.recordLlmCall({ ...base, key: "r0/t0/constructor/2", promptHash: "h1", error: "HTTP 429", latencyMs: 12 });
    lib.recordLlmCall({ ...base, role: "judge", promptHash: "h2", seed: null, tokensIn: 5, reply: "ok" });
    const calls = lib.llmCalls("c1");
    expect(calls.map((c) => [c.role, c.reply, c.error])).toEqual([
      ["constructor", "A", null],
      ["constructor", null, "HTTP 429"],
      ["judge", "ok", null],
    ]);
    expect(lib.findLlmReply("h1", 3)).toBe("A");
    expect(lib.findLlmReply("h1", 4)).toBeUndefined();
    expect(lib.findLlmReply("h2")).toBe("ok");
    const u = lib.llmUsage("c1");
    expect(u).toMatchObject({ calls: 3, failures: 1, tokensIn: 105, tokensOut: 20 });
    expect(u.costUsd).toBeCloseTo(0.01);
    expect(u.byRole.constructor).toMatchObject({ calls: 2, failures: 1 });
    expect(() => lib.recordLlmCall({ ...base, tokensIn: -1, reply: "x" })).toThrow(/non-negative/);
    expect(() => lib.recordLlmCall({ ...base })).toThrow(/reply or an error/);
  });

  it("appends checkpoints once per step and returns the last", () => {
    expect(lib.lastCheckpoint("c1")).toBeUndefined();
    lib.appendCheckpoint("c1", { round: 0, step: "plan", state: { rng: [1, 2, 3] } });
    lib.appendCheckpoint("c1", { round: 0, step: "trajectory:t0", state: { rng: [4, 5, 6], nan: Number.NaN } });
    const dup = lib.appendCheckpoint("c1", { round: 0, step: "plan", state: { rng: [9] } });
    expect(dup.state).toEqual({ rng: [1, 2, 3] });
    expect(lib.checkpoints("c1").map((c) => c.step)).toEqual(["plan", "trajectory:t0"]);
    expect(lib.lastCheckpoint("c1")).toMatchObject({ round: 0, step: "trajectory:t0", state: { rng: [4, 5, 6], nan: null } });
    expect(() => lib.appendCheckpoint("nope", { round: 0, step: "x" })).toThrow(/no campaign/);
  });

  it("caches evaluation results by canonical expression and data fingerprint", () => {
    const schema = z.record(z.string(), FactorMetricsSchema);
    expect(lib.cacheGet("RANK($close)", "fp1")).toBeUndefined();
    lib.cachePut("RANK($close)", "fp1", { valid: metrics(Number.NaN) });
    lib.cachePut("RANK($close)", "fp2", { valid: metrics(0.02) });
    const hit = lib.cacheGet("RANK($close)", "fp1", schema)!;
    expect(Number.isNaN(hit.valid!.rankIc)).toBe(true);
    expect(lib.cacheGet("RANK($close)", "fp2", schema)!.valid!.rankIc).toBeCloseTo(0.02);
    lib.cachePut("RANK($close)", "fp2", { valid: metrics(0.03) });
    expect(lib.cacheGet("RANK($close)", "fp2", schema)!.valid!.rankIc).toBeCloseTo(0.03);
    expect(lib.cacheGet("RANK($close)", "fp2", z.object({ other: z.string() }))).toBeUndefined();
  });

  it("records retrain runs and finds the finished one for a data fingerprint", () => {
    const run = lib.startRetrainRun({ asOf: "2024-06-28", dataFingerprint: "d1" });
    expect(run.status).toBe("running");
    expect(lib.findRetrainRun("d1")).toBeUndefined();
    lib.finishRetrainRun(run.id, { summary: { retired: 1 }, reportPath: "runs/r.html" });
    expect(lib.findRetrainRun("d1")).toMatchObject({ id: run.id, status: "finished", summary: { retired: 1 }, reportPath: "runs/r.html" });
    expect(lib.listRetrainRuns()).toHaveLength(1);
  });

  it("reports a corrupt row as a QuantaError naming it", () => {
    lib.db.exec("PRAGMA ignore_check_constraints = ON");
    lib.db.prepare("UPDATE campaigns SET status = 'weird' WHERE id = 'c1'").run();
    expect(() => lib.getCampaign("c1")).toThrow(/corrupt campaign c1/);
  });
});

/** Compare trajectories with NaN made comparable. */
function toComparable(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === "number" && Number.isNaN(x) ? "NaN" : x)));
}
