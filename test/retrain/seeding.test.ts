/**
 * Seeding a campaign from library trajectories (retraining's replacement campaign): the round-0
 * plan, the trajectory rules for seeded trajectories, and the library's cross-campaign lineage.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { planSeededRound, seedDirections } from "../../src/evolution/seeded-round.ts";
import { PAPER_SETTINGS, type EvolutionSettings } from "../../src/evolution/settings.ts";
import type { TrajectoryNode } from "../../src/evolution/trajectory.ts";
import { TrajectorySchema, type TrajectoryInput } from "../../src/evolution/types.ts";
import { FactorLibrary } from "../../src/library/index.ts";
import { survivorTrajectories } from "../../src/retrain/replace.ts";
import type { StoredFactor } from "../../src/library/index.ts";

const dir = mkdtempSync(join(tmpdir(), "quanta-seeding-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const M = { ic: 0.02, icir: 0.2, rankIc: 0.03, rankIcir: 0.3 };

function acceptedFactor(name: string) {
  return { status: "accepted" as const, name, expression: `RANK(TS_MEAN($close, 5))`, canonical: `RANK(TS_MEAN($close,5))`, metrics: { valid: M } };
}

function node(id: string, reward: number, opts: { campaign?: string; factors?: number; direction?: string } = {}): TrajectoryNode {
  const campaign = opts.campaign ?? "old";
  return {
    trajectory: TrajectorySchema.parse({
      id,
      campaignId: campaign,
      round: 0,
      phase: "original",
      parents: [],
      direction: opts.direction ?? id,
      hypothesis: { statement: `hypothesis of ${id}` },
      factors: Array.from({ length: opts.factors ?? 2 }, (_, k) => acceptedFactor(`${id}_f${k}`)),
      reward,
      createdAt: "2024-01-01T00:00:00.000Z",
    }),
    hypothesis: { hypothesis: `hypothesis of ${id}`, rationale: "r", mechanism: "reversal", fields: ["$close"], horizonDays: 20 },
    analysis: null,
    directionIds: [opts.direction ?? id],
  };
}

function settings(o: Partial<EvolutionSettings>): EvolutionSettings {
  return { ...PAPER_SETTINGS, orthogonalRate: 0, ...o };
}

describe("the seeded round 0", () => {
  const a = node("old/a", 0.02);
  const b = node("old/b", 0.05);
  const c = node("old/c", 0.03);

  it("mutates the seeds best reward first and crosses distinct pairs of them", () => {
    const plans = planSeededRound([a, b], settings({ directions: 2, crossoversPerRound: 2 }), 7);
    expect(plans.map((p) => [p.phase, p.round, p.slot])).toEqual([
      ["mutation", 0, 0],
      ["crossover", 0, 1],
    ]);
    const m = plans[0]!;
    const x = plans[1]!;
    expect(m.phase === "mutation" && m.parent.trajectory.id).toBe("old/b");
    expect(m.phase === "mutation" && m.mode).toBe("targeted");
    expect(x.phase === "crossover" && x.parents.map((p) => p.trajectory.id).sort()).toEqual(["old/a", "old/b"]);
  });

  it("gives slots with no new pair to mutations, and makes repeats of a seed orthogonal", () => {
    const plans = planSeededRound([a, b], settings({ directions: 4, crossoversPerRound: 4 }), 7);
    // Two seeds make one pair: one crossover, three mutations (b, a, then b again orthogonally).
    expect(plans.map((p) => p.phase)).toEqual(["mutation", "mutation", "mutation", "crossover"]);
    const muts = plans.flatMap((p) => (p.phase === "mutation" ? [[p.parent.trajectory.id, p.mode]] : []));
    expect(muts).toEqual([
      ["old/b", "targeted"],
      ["old/a", "targeted"],
      ["old/b", "orthogonal"],
    ]);
    expect(plans.map((p) => p.slot)).toEqual([0, 1, 2, 3]);
  });

  it("respects crossoversPerRound, needs fertile seeds for crossovers, and is deterministic", () => {
    expect(planSeededRound([a, b, c], settings({ directions: 3, crossoversPerRound: 0 }), 1).every((p) => p.phase === "mutation")).toBe(true);
    // A seed without a passing factor (or reward) cannot be a crossover parent.
    const barren = node("old/d", Number.NaN, { factors: 0 });
    expect(planSeededRound([a, barren], settings({ directions: 2, crossoversPerRound: 2 }), 1).map((p) => p.phase)).toEqual(["mutation", "mutation"]);
    const s = settings({ directions: 6, crossoversPerRound: 3, orthogonalRate: 0.5 });
    const once = planSeededRound([a, b, c], s, 11);
    const twice = planSeededRound([c, a, b], s, 11);
    const key = (ps: typeof once) => ps.map((p) => (p.phase === "mutation" ? `m:${p.parent.trajectory.id}:${p.mode}` : p.phase === "crossover" ? `x:${p.parents.map((q) => q.trajectory.id).join("+")}` : "o"));
    expect(key(twice)).toEqual(key(once)); // the seeds' order does not matter, their rewards do
    expect(once.filter((p) => p.phase === "crossover")).toHaveLength(3);
    expect(planSeededRound([], s, 11)).toEqual([]);
    expect(seedDirections([a]).map((d) => [d.id, d.horizon])).toEqual([["seed:old/a", "long"]]);
  });
});

describe("seeded trajectories in the data model and the library", () => {
  const child = (over: Partial<Record<string, unknown>> = {}): TrajectoryInput =>
    ({
      id: "new/r0-s0",
      campaignId: "new",
      round: 0,
      phase: "mutation",
      parents: ["old/a"],
      origin: { mode: "targeted", fromStep: "parameters", seeded: true },
      direction: "old/a",
      hypothesis: { statement: "h" },
      factors: [],
      reward: 0.01,
      createdAt: "2024-01-02T00:00:00.000Z",
      ...over,
    }) as TrajectoryInput;

  it("allows a mutation or crossover in round 0 only when it is marked seeded, and seeded only in round 0", () => {
    expect(TrajectorySchema.safeParse(child()).success).toBe(true);
    expect(TrajectorySchema.safeParse(child({ origin: { mode: "targeted", fromStep: "parameters" } })).success).toBe(false);
    expect(TrajectorySchema.safeParse(child({ round: 1 })).success).toBe(false);
    expect(
      TrajectorySchema.safeParse(child({ phase: "crossover", parents: ["old/a", "old/b"], origin: { strategy: "best", seeded: true } })).success,
    ).toBe(true);
  });

  it("stores parents from other campaigns as lineage edges, and refuses a seeded trajectory with a parent of its own campaign", () => {
    const lib = FactorLibrary.open(join(dir, "lineage.db"));
    try {
      for (const id of ["old", "new"]) lib.createCampaign({ id, name: id, config: {}, seed: 1, dataFingerprint: "x" });
      lib.recordTrajectory({ ...node("old/a", 0.02, { factors: 1 }).trajectory, round: 3 });
      lib.recordTrajectory(node("new/r0-s9", 0.02, { campaign: "new" }).trajectory);
      expect(() => lib.recordTrajectory(child({ id: "new/r0-s1", parents: ["new/r0-s9"] }))).toThrow(/seeded trajectory new\/r0-s1: parent new\/r0-s9 is of its own campaign/);
      lib.recordTrajectory(child());
      const g = lib.lineage("new/r0-s0");
      expect(g.nodes.map((t) => t.id)).toEqual(["old/a", "new/r0-s0"]);
      expect(g.edges).toEqual([{ child: "new/r0-s0", parent: "old/a", position: 0 }]);
    } finally {
      lib.close();
    }
  });
});

describe("which survivors seed the replacement campaign", () => {
  const f = (id: number, trajectoryId: string | null, recent: number, valid = 0.01): StoredFactor =>
    ({ id, trajectoryId, metrics: { valid: { ...M, rankIc: valid }, ...(Number.isNaN(recent) ? {} : { recent: { ...M, rankIc: recent } }) } }) as unknown as StoredFactor;

  it("takes each mined survivor's trajectory once, strongest on the window first; imported factors have none", () => {
    const survivors = [f(1, "c/r0-s0", 0.01), f(2, "c/r1-s2", -0.04), f(3, null, 0.09), f(4, "c/r0-s0", 0.03), f(5, "d/r0-s0", Number.NaN, 0.02)];
    expect(survivorTrajectories(survivors)).toEqual(["c/r1-s2", "c/r0-s0", "d/r0-s0"]);
    expect(survivorTrajectories(survivors, 2)).toEqual(["c/r1-s2", "c/r0-s0"]);
    expect(survivorTrajectories([f(3, null, 0.09)])).toEqual([]);
  });
});
