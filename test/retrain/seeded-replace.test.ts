/**
 * The replacement campaign of a retrain is seeded by the surviving factors' trajectories: on the
 * synthetic market with a planted signal that decays, a library "mined" on the early data loses
 * that factor, and the campaign that replaces it starts from mutations and crossovers of the
 * trajectories whose factors survived — recorded as lineage across campaigns.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FactorLibrary } from "../../src/library/index.ts";
import { factorDetail } from "../../src/review/detail.ts";
import { runRetrain, type RetrainOptions } from "../../src/retrain/run.ts";
import { runMine } from "../../src/campaign/run.ts";
import { parseCampaignConfig } from "../../src/campaign/config.ts";
import { toJson } from "../../src/evolution/types.ts";
import { replacementRanges } from "../../src/retrain/replace.ts";
import { retrainWindow } from "../../src/retrain/window.ts";
import { reply, roleOf, startFakeLlmServer, type RecordedRequest } from "../helpers/fake-llm-server.ts";
import { DECAYING, EARLY_CAMPAIGN, MINED_TRAJECTORIES, buildMinedLibrary, market, writeMarketCsvs } from "./fixture.ts";

const dir = mkdtempSync(join(tmpdir(), "quanta-seeded-replace-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The full market as a CSV file, written once for all the tests here. */
let csv: Promise<string> | undefined;
const marketCsv = () => (csv ??= writeMarketCsvs(dir).then((x) => x.full));

/** One mutation and one crossover in round 0, then one mutation round. */
const REPLACEMENT = { evolution: { directions: 2, rounds: 2, factorsPerHypothesis: 2, crossoversPerRound: 1, concurrency: 1 } };

describe("retrain: replacements seeded by the survivors", () => {
  let full = "";
  const library = join(dir, "lib.db");
  let ids: Record<string, number> = {};
  const options = (extra: Partial<RetrainOptions> = {}): RetrainOptions => ({
    library,
    data: full,
    noReport: true,
    mineReplacements: true,
    replacementConfig: REPLACEMENT,
    ...extra,
  });

  beforeAll(async () => {
    full = await marketCsv();
    ids = await buildMinedLibrary(library);
  });

  it("plans round 0 from mutations and crossovers of the surviving trajectories, with lineage across campaigns", async () => {
    const lines: string[] = [];
    const r = await runRetrain(options({ log: (l) => lines.push(l), noReport: false, reportDir: join(dir, "reports") }));
    const s = r.summary!;
    expect(s.factors.find((f) => f.name === DECAYING)!.after).toBe("retired");
    const rep = s.replacements;
    expect(rep.status, rep.message).toBe("done");
    // Both early trajectories still hold a survivor (reversal_5d in the first), so both seed.
    expect([...rep.seededFrom!].sort()).toEqual([MINED_TRAJECTORIES.decaying, MINED_TRAJECTORIES.holding]);
    expect(rep.message).toMatch(/^campaign retrain\d+: round 0 seeded from 2 survivor trajectories \(early\/r0-s\d, early\/r0-s\d\); /);
    expect(lines.some((l) => /^replacements: seeding round 0 from 2 survivor trajectories/.test(l))).toBe(true);
    // The JSON summary and the dated report say so too.
    const json = JSON.parse(readFileSync(s.summaryFile!, "utf8")) as { replacements: { seededFrom: string[]; message: string } };
    expect(json.replacements.seededFrom).toEqual(rep.seededFrom);
    expect(readFileSync(s.report!, "utf8")).toContain("round 0 seeded from 2 survivor trajectories");

    const lib = FactorLibrary.open(library, { readonly: true });
    try {
      const campaign = rep.campaignId!;
      expect(lib.getCampaign(campaign)!.config).toMatchObject({ evolution: { seedTrajectories: expect.arrayContaining(Object.values(MINED_TRAJECTORIES)) } });
      const round0 = lib.listTrajectories({ campaign, round: 0 });
      expect(round0.map((t) => t.phase)).toEqual(["mutation", "crossover"]);
      for (const t of round0) {
        expect(t.phase !== "original" && t.origin.seeded).toBe(true);
        for (const p of t.parents) expect(lib.getTrajectory(p)!.campaignId).toBe(EARLY_CAMPAIGN);
        // `library lineage` walks from the replacement into the early campaign.
        const g = lib.lineage(t.id);
        expect(g.nodes.map((n) => n.campaignId)).toContain(EARLY_CAMPAIGN);
        expect(g.edges.filter((e) => e.child === t.id).map((e) => e.parent).sort()).toEqual([...t.parents].sort());
      }
      expect(round0[1]!.parents.slice().sort()).toEqual([MINED_TRAJECTORIES.decaying, MINED_TRAJECTORIES.holding]);
      // Later rounds evolve as usual, from this campaign's own trajectories.
      for (const t of lib.listTrajectories({ campaign, round: 1 })) {
        expect(t.phase).toBe("mutation");
        expect(round0.map((x) => x.id)).toContain(t.parents[0]);
      }

      // The seeds as the agents saw them (stored in the plan checkpoint): re-scored on the
      // replacement campaign's ranges, and the retired factor shown as failed with the library's reason.
      const plan = lib.checkpoints(campaign).find((c) => c.step === "plan")!.state as {
        seeds: { trajectory: { id: string; reward: number; factors: { name: string; status: string; metrics: Record<string, { rankIc: number; rankDays: number }>; rejection?: { reason: string } }[] } }[];
      };
      const seed = plan.seeds.find((x) => x.trajectory.id === MINED_TRAJECTORIES.decaying)!.trajectory;
      const decayed = seed.factors.find((f) => f.name === DECAYING)!;
      expect(decayed.status).toBe("rejected");
      expect(decayed.rejection!.reason).toMatch(/^retired in the library: decayed: RankIC/);
      const held = seed.factors.find((f) => f.name === "reversal_5d")!;
      expect(held.status).toBe("accepted");
      expect(held.metrics["valid"]!.rankIc).not.toBe(lib.getFactor(ids["reversal_5d"]!)!.metrics["valid"]!.rankIc);
      expect(Number.isFinite(seed.reward)).toBe(true);

      // The survivors are in the campaign's correlation zoo: candidates were compared with them.
      const mined = lib.listFactors({ campaign, sort: "id" });
      const nearest = mined.map((f) => String(f.gates.find((g) => g.gate === "correlation")?.details["similarTo"] ?? ""));
      expect(nearest.some((n) => n.startsWith("seed:"))).toBe(true);

      // A factor the seeded round accepted shows its survivor parent in `library show`.
      const fromRound0 = mined.filter((f) => round0.some((t) => t.id === f.trajectoryId));
      expect(fromRound0.length).toBeGreaterThan(0);
      for (const f of fromRound0) {
        const parents = factorDetail(lib, f.id).parents.map((p) => p.id);
        expect(parents.length).toBeGreaterThan(0);
        expect(parents.every((p) => p.startsWith(`${EARLY_CAMPAIGN}/`))).toBe(true);
      }
    } finally {
      lib.close();
    }
  }, 60_000);

  it("stays idempotent: a second run on the same data mines nothing", async () => {
    const before = FactorLibrary.open(library, { readonly: true });
    const campaigns = before.listCampaigns().length;
    const trajectories = before.listTrajectories().length;
    before.close();
    const again = await runRetrain(options());
    expect(again.upToDate).toBe(true);
    const after = FactorLibrary.open(library, { readonly: true });
    try {
      expect(after.listCampaigns()).toHaveLength(campaigns);
      expect(after.listTrajectories()).toHaveLength(trajectories);
    } finally {
      after.close();
    }
  });

  it("scores the seeds on the replacement's mining ranges, never on its test range (the window's last two dates)", () => {
    const dates = market().panel.dates;
    const lib = FactorLibrary.open(library, { readonly: true });
    try {
      const c = lib.listCampaigns().find((x) => x.id.startsWith("retrain"))!;
      const cfg = c.config as { ranges: { miningValid: string; test: string } };
      expect(cfg.ranges.test).toBe(`${dates[798]}:${dates[799]}`);
      // The seeds' metrics are on mining-train and mining-valid only (the mining panel ends there).
      const plan = lib.checkpoints(c.id).find((x) => x.step === "plan")!.state as { seeds: { trajectory: { factors: { metrics: Record<string, { rankDays?: number }> }[] } }[] };
      const factors = plan.seeds.flatMap((x) => x.trajectory.factors);
      expect(factors.length).toBe(4);
      for (const f of factors) {
        expect(Object.keys(f.metrics).sort()).toEqual(["train", "valid"]);
        expect(f.metrics["valid"]!.rankDays).toBeLessThanOrEqual(248);
      }
    } finally {
      lib.close();
    }
  });
});

describe("a seeded campaign resumes", () => {
  it("an interrupted seeded campaign, resumed, ends with the trajectories of an uninterrupted one", async () => {
    const full = await marketCsv();
    const panel = market().panel;
    const ranges = replacementRanges(panel.dates, retrainWindow(panel), 500);
    if (typeof ranges === "string") throw new Error(ranges);
    const config = (library: string, runDir: string) =>
      parseCampaignConfig({
        id: "seeded",
        seed: 42,
        data: { source: full },
        ranges,
        agent: { provider: "offline" },
        evolution: { ...REPLACEMENT.evolution, seedTrajectories: Object.values(MINED_TRAJECTORIES) },
        finalPool: { model: "linear" },
        output: { runDir, library },
      });
    const prepare = async (name: string) => {
      const library = join(dir, `${name}.db`);
      const ids = await buildMinedLibrary(library);
      const lib = FactorLibrary.open(library);
      lib.setStatus(ids[DECAYING]!, "retired", { reason: "decayed: planted fade" });
      lib.close();
      return library;
    };
    const now = () => "2024-06-01T00:00:00.000Z";
    const trajectories = (library: string) => {
      const lib = FactorLibrary.open(library, { readonly: true });
      try {
        return lib.listTrajectories({ campaign: "seeded" }).map((t) => toJson(t));
      } finally {
        lib.close();
      }
    };

    const clean = await prepare("clean");
    const whole = await runMine({ config: config(clean, join(dir, "run-clean")), miningOnly: true, now, log: () => {} });
    expect(whole.summary.status).toBe("finished");

    const crashed = await prepare("crashed");
    const stop = new AbortController();
    const first = await runMine({
      config: config(crashed, join(dir, "run-crashed")),
      miningOnly: true,
      now,
      log: () => {},
      signal: stop.signal,
      onEvent: (e) => {
        if (e.type === "slot-done" && e.round === 0) stop.abort();
      },
    });
    expect(first.summary.status).toBe("interrupted");
    const mid = FactorLibrary.open(crashed, { readonly: true });
    expect(mid.checkpoints("seeded").map((c) => c.step)).toEqual(["plan", "slot:0"]);
    mid.close();

    const resumed = await runMine({ config: config(crashed, join(dir, "run-crashed")), resume: { library: crashed, campaignId: "seeded" }, miningOnly: true, now, log: () => {} });
    expect(resumed.summary.status).toBe("finished");
    const a = trajectories(clean);
    expect(a.length).toBe(4);
    expect(trajectories(crashed)).toEqual(a);
  }, 60_000);
});

/** Valid replies for each role (an OpenAI-compatible endpoint on 127.0.0.1). */
function llmAnswer(req: RecordedRequest, n: number): object {
  const w = [3, 5, 10, 20, 40][n % 5]!;
  const hyp = { hypothesis: "Recent losers rebound.", rationale: "overreaction reverts", mechanism: "reversal", fields: ["$close"], horizonDays: 5 };
  const factors = [
    { name: `rev_${w}`, description: "negative price change", formulation: "-ret", expression: `-TS_PCTCHANGE($close,${w})` },
    { name: `pv_${w}`, description: "price-volume correlation", formulation: "-corr", expression: `-TS_CORR($close,LOG($volume+1),${w})` },
  ];
  switch (roleOf(req)) {
    case "judge":
      return { verdict: "consistent", severity: "none", reason: "reads the named fields", correctedExpression: null };
    case "analyst":
      return { weakestStep: "parameters", feedback: "noisy", observations: "weak", suggestions: ["lengthen the windows"] };
    case "mutator":
      return { blamedStep: "parameters", hypothesis: hyp, factors, changes: "windows" };
    case "crossover":
      return { hypothesis: hyp, factors, rationale: "merge", inherited: ["parent 1"] };
    case "repairer":
      return { expression: `-TS_MEAN($return,${w})`, explanation: "simpler" };
    default:
      return { error: `no answer for ${roleOf(req)}` };
  }
}

describe("seeding with an LLM provider", () => {
  it("hands the survivors' hypotheses, expressions and decay to the mutation and crossover prompts", async () => {
    const full = await marketCsv();
    const library = join(dir, "llm.db");
    await buildMinedLibrary(library);
    let n = 0;
    const server = await startFakeLlmServer((req) => reply(llmAnswer(req, n++)));
    try {
      const r = await runRetrain({
        library,
        data: full,
        noReport: true,
        mineReplacements: true,
        replacementConfig: {
          agent: { provider: "openai", model: "fake-model", baseUrl: server.url, maxRetries: 0 },
          evolution: { directions: 2, rounds: 1, factorsPerHypothesis: 2, crossoversPerRound: 1, concurrency: 1 },
        },
      });
      const rep = r.summary!.replacements;
      expect(rep.status, rep.message).toBe("done");
      expect(rep.seededFrom).toHaveLength(2);
      const prompt = (role: string) => {
        const req = server.requests.find((q) => roleOf(q) === role);
        return req ? (req.body.messages as { content: string }[]).map((m) => m.content).join("\n") : "";
      };
      // Nothing is planned: round 0 starts from the survivors.
      expect(server.requests.some((q) => roleOf(q) === "planner" || roleOf(q) === "hypothesis")).toBe(false);
      const planted = Object.fromEntries(market().planted.map((p) => [p.name, p.expression]));
      const mutator = prompt("mutator");
      expect(mutator).toContain("Price moves unconfirmed by volume and weak closes revert.");
      expect(mutator).toContain(planted["volume_price_divergence"]);
      expect(mutator).toContain("tune the windows"); // the survivor's stored feedback
      const crossover = prompt("crossover");
      expect(crossover).toContain("Calm stocks and short-term losers outperform.");
      expect(crossover).toContain(planted["reversal_5d"]);
      expect(crossover).toContain(planted[DECAYING]);
      expect(crossover).toMatch(/retired in the library: decayed: RankIC/);

      const lib = FactorLibrary.open(library, { readonly: true });
      try {
        const round0 = lib.listTrajectories({ campaign: rep.campaignId!, round: 0 });
        expect(round0.map((t) => t.phase)).toEqual(["mutation", "crossover"]);
        expect(round0.flatMap((t) => t.parents).every((p) => p.startsWith(`${EARLY_CAMPAIGN}/`))).toBe(true);
      } finally {
        lib.close();
      }
    } finally {
      await server.close();
    }
  }, 60_000);
});
