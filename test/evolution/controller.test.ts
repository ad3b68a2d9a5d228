import { describe, expect, it } from "vitest";
import { BudgetExceededError } from "../../agents/errors.ts";
import { OfflineAgent } from "../../agents/offline/agent.ts";
import type { Agent } from "../../agents/roles.ts";
import { acceptedFactors } from "../../src/evolution/types.ts";
import { dumpLibrary, runTinyCampaign, tinyMarket } from "./helpers.ts";

describe("evolution controller", () => {
  it("runs original, mutation and crossover rounds and gives the same library whatever the concurrency", async () => {
    const panel = tinyMarket().panel;
    const serial = await runTinyCampaign(panel, { settings: { concurrency: 1 } });
    const parallel = await runTinyCampaign(panel, { settings: { concurrency: 3 } });
    expect(serial.result.status).toBe("finished");

    const ts = serial.library.listTrajectories({ campaign: serial.campaignId });
    // Round 0: one trajectory per direction; round 1 mutates each; round 2 crosses over.
    expect(ts.filter((t) => t.round === 0).map((t) => t.phase)).toEqual(["original", "original", "original"]);
    expect(ts.filter((t) => t.round === 1).every((t) => t.phase === "mutation" && t.parents.length === 1)).toBe(true);
    const crossed = ts.filter((t) => t.round === 2);
    expect(crossed.length).toBeGreaterThan(0);
    expect(crossed.every((t) => t.phase === "crossover" && t.parents.length === 2)).toBe(true);
    // Mutation children point at round-0 parents; lineage edges are stored.
    const round0 = new Set(ts.filter((t) => t.round === 0).map((t) => t.id));
    for (const t of ts.filter((x) => x.round === 1)) expect(round0.has(t.parents[0]!)).toBe(true);
    expect(serial.library.campaignLineage(serial.campaignId).edges.length).toBe(ts.reduce((s, t) => s + t.parents.length, 0));
    // Every accepted factor is in the factors table with train and valid metrics; rewards are RankICs.
    const accepted = ts.flatMap((t) => acceptedFactors(t));
    expect(accepted.length).toBeGreaterThan(0);
    expect(serial.library.listFactors({ campaign: serial.campaignId }).length).toBe(accepted.length);
    for (const f of accepted) expect(Object.keys(f.metrics).sort()).toEqual(["train", "valid"]);
    for (const t of ts) if (acceptedFactors(t).length > 0) expect(Math.abs(t.reward)).toBeLessThan(0.5);
    // Mutation keeps the prefix before the blamed step: a non-hypothesis mutation keeps the statement.
    for (const t of ts) {
      if (t.phase !== "mutation" || t.origin.fromStep === "hypothesis") continue;
      const parent = ts.find((p) => p.id === t.parents[0])!;
      expect(t.hypothesis.statement).toBe(parent.hypothesis.statement);
    }

    expect(dumpLibrary(parallel.library.db)).toEqual(dumpLibrary(serial.library.db));
    // The same seed reproduces; another seed explores differently.
    const other = await runTinyCampaign(panel, { seed: 6, settings: { rounds: 1 } });
    const first = (r: typeof serial) => r.library.listTrajectories({ round: 0 }).map((t) => t.factors.map((f) => f.expression));
    expect(first(other)).not.toEqual(first(serial));
  });

  it("an abort stops cleanly mid-round and a resume finishes with the uninterrupted library", async () => {
    const panel = tinyMarket().panel;
    const settings = { rounds: 2 };
    const whole = await runTinyCampaign(panel, { settings });
    const abort = new AbortController();
    const first = await runTinyCampaign(panel, {
      settings,
      signal: abort.signal,
      onEvent: (e) => {
        if (e.type === "slot-done" && e.round === 1) abort.abort();
      },
    });
    expect(first.result).toMatchObject({ status: "interrupted", stopKind: "interrupted", roundsCompleted: 1 });
    expect(first.library.listTrajectories({ round: 1 })).toHaveLength(0); // round 1 not committed…
    expect(first.library.checkpoints("tiny").some((c) => c.round === 1 && c.step.startsWith("slot:"))).toBe(true); // …its finished slots are kept
    const resumed = await runTinyCampaign(panel, { settings, library: first.library });
    expect(resumed.result.status).toBe("finished");
    expect(dumpLibrary(first.library.db)).toEqual(dumpLibrary(whole.library.db));
  });

  it("a spent budget stops the campaign cleanly, keeping what was finished", async () => {
    let calls = 0;
    const run = await runTinyCampaign(tinyMarket().panel, {
      agent: (sink) => {
        const inner = new OfflineAgent({ seed: 5, sink });
        // Every role call goes through run(): refuse once 30 calls are spent.
        return new Proxy(inner, {
          get(target, prop, receiver) {
            const v = Reflect.get(target, prop, receiver) as unknown;
            if (typeof v !== "function" || prop === "run") return v;
            return (...args: unknown[]) => {
              if (++calls > 30) return Promise.reject(new BudgetExceededError("usd", 1, 1));
              return (v as (...a: unknown[]) => unknown).apply(target, args);
            };
          },
        }) as Agent;
      },
    });
    expect(run.result).toMatchObject({ status: "interrupted", stopKind: "budget" });
    expect(run.result.stopReason).toMatch(/budget/);
    expect(run.library.listTrajectories().length).toBeGreaterThan(0);
  });
});
