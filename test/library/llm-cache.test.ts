import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCampaignConfig } from "../../src/campaign/config.ts";
import { runMine } from "../../src/campaign/run.ts";
import { runMineCli } from "../helpers/mine-cli.ts";
import { FactorLibrary, libraryReplyCache, MIGRATIONS, SCHEMA_VERSION, migrate } from "../../src/library/index.ts";
import { reply, startFakeLlmServer, type FakeLlmServer, type RecordedRequest } from "../helpers/fake-llm-server.ts";
import { campaignReply, WINDOWS } from "../helpers/campaign-replies.ts";

const dir = mkdtempSync(join(tmpdir(), "quanta-llm-cache-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("library reply cache store", () => {
  it("stores validated replies by key; the first reply of a key stays", async () => {
    const lib = FactorLibrary.openMemory();
    const store = libraryReplyCache(lib);
    expect(await store.get("k1")).toBeUndefined();
    await store.put({ key: "k1", role: "planner", model: "m", reply: { directions: [{ id: "a" }] } });
    await store.put({ key: "k1", role: "planner", model: "m", reply: { directions: [] } });
    expect(await store.get("k1")).toEqual({ reply: { directions: [{ id: "a" }] } });
    expect(lib.llmCacheGet("k1")).toMatchObject({ role: "planner", model: "m" });
    expect(lib.llmCacheSize()).toBe(1);
    lib.close();
  });

  it("counts cached calls apart in the usage summary", () => {
    const lib = FactorLibrary.openMemory();
    lib.createCampaign({ id: "c1", name: "n", seed: 1, dataFingerprint: "fp" });
    const base = { campaignId: "c1", role: "planner", provider: "openai", model: "m", promptHash: "h", seed: 1 };
    lib.recordLlmCall({ ...base, tokensIn: 10, tokensOut: 5, costUsd: 0.5, reply: "{}" });
    lib.recordLlmCall({ ...base, reply: "{}", cached: true });
    expect(lib.llmUsage("c1")).toMatchObject({ calls: 2, cached: 1, failures: 0, tokensIn: 10, tokensOut: 5, costUsd: 0.5 });
    expect(lib.llmUsage("c1").byRole.planner).toMatchObject({ calls: 2, cached: 1 });
    expect(lib.llmCalls("c1").map((c) => c.cached)).toEqual([false, true]);
    lib.close();
  });

  it("a library from before the cache opens read-only as it is, and read-write is migrated", () => {
    const path = join(dir, "v1.db");
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    migrate(db, MIGRATIONS.filter((m) => m.version === 1));
    db.prepare("INSERT INTO campaigns (id, name, config, seed, data_fingerprint, status, started_at) VALUES ('c1', 'n', '{}', 1, 'fp', 'finished', 't')").run();
    db.prepare(
      `INSERT INTO llm_calls (campaign_id, role, provider, model, tokens_in, tokens_out, cost_usd, latency_ms, prompt_hash, seed, attempt, reply, created_at)
       VALUES ('c1', 'planner', 'openai', 'm', 10, 5, 0.5, 3, 'h', 1, 1, '{}', 't')`,
    ).run();
    db.close();

    const ro = FactorLibrary.open(path, { readonly: true });
    expect(ro.schemaVersion).toBe(1);
    expect(ro.llmCalls("c1").map((c) => c.cached)).toEqual([false]);
    expect(ro.llmUsage("c1")).toMatchObject({ calls: 1, cached: 0, tokensIn: 10 });
    expect(ro.llmCacheGet("k")).toBeUndefined();
    ro.close();

    const rw = FactorLibrary.open(path);
    expect(rw.schemaVersion).toBe(SCHEMA_VERSION);
    expect(rw.llmCalls("c1").map((c) => [c.tokensIn, c.cached])).toEqual([[10, false]]);
    rw.recordLlmCall({ campaignId: "c1", role: "planner", provider: "openai", model: "m", promptHash: "h", reply: "{}", cached: true });
    expect(rw.llmUsage("c1")).toMatchObject({ calls: 2, cached: 1 });
    expect(rw.llmCachePut({ key: "k", role: "planner", model: "m", reply: { a: 1 } })).toBe(true);
    rw.close();
  });
});

// ---------------------------------------------------------------------------------------------
// A campaign against the fake endpoint, twice on one library

/** A valid reply that depends only on the role and the request's seed (so runs do not depend on call order). */
function answer(req: RecordedRequest): object {
  const seed = Number(req.body?.seed ?? 0);
  return campaignReply(req, WINDOWS[seed % WINDOWS.length]!, WINDOWS[Math.floor(seed / 7) % WINDOWS.length]!);
}

const RANGES = { miningTrain: "2015-01-01:2015-08-31", miningValid: "2015-09-01:2015-12-31", test: "2016-01-01:2016-12-31" };

describe("a campaign run twice on one library with the openai provider", () => {
  let server: FakeLlmServer;
  const library = join(dir, "campaigns.db");
  /** Requests the first run sent (its exchanges, repair turns included). */
  let firstRunRequests = 0;
  const evolution = { directions: 2, rounds: 2, factorsPerHypothesis: 2, crossoversPerRound: 1 };
  const synthetic = { instruments: 40, days: 320 };
  beforeAll(async () => {
    // One first-turn reply in five is not JSON: those calls need a repair turn, and only the
    // validated reply of the exchange may be cached.
    server = await startFakeLlmServer((req) =>
      req.body?.messages?.length <= 2 && Number(req.body?.seed) % 5 === 0 ? reply("not JSON, sorry") : reply(answer(req)),
    );
  });
  afterAll(() => server.close());

  const mine = (id: string, seed: number, agent: Record<string, unknown> = {}) =>
    runMine({
      config: parseCampaignConfig({
        id,
        seed,
        data: { source: "synthetic:11", synthetic },
        ranges: RANGES,
        agent: { provider: "openai", model: "fake-model", baseUrl: server.url, maxRetries: 0, prices: { "fake-model": { inputPerMTok: 1, outputPerMTok: 1 } }, ...agent },
        evolution,
        gates: { minIcDays: 10 },
        output: { runDir: join(dir, id), library },
      }),
      miningOnly: true,
      log: () => {},
      agentDeps: { apiKey: "sk-test" },
    });

  const factorsOf = (id: string) => {
    const lib = FactorLibrary.open(library, { readonly: true });
    try {
      return lib.listFactors({ campaign: id, sort: "id" }).map((f) => [f.name, f.expression, f.status, f.metrics["valid"]?.rankIc]);
    } finally {
      lib.close();
    }
  };

  it("the second run sends no request for prompts seen before and mines the same factors; another seed misses", async () => {
    const first = await mine("first", 5);
    const sent = server.requests.length;
    firstRunRequests = sent;
    expect(first.summary.status).toBe("finished");
    expect(sent).toBeGreaterThan(5);
    expect(server.requests.some((r) => r.body.messages.length > 2)).toBe(true); // repair turns happened
    expect(first.summary.llm).toMatchObject({ cached: 0, failures: 0 });
    expect(first.summary.llm.costUsd).toBeGreaterThan(0);

    const second = await mine("second", 5);
    expect(server.requests.length).toBe(sent);
    expect(second.summary.status).toBe("finished");
    expect(second.summary.llm.calls).toBeGreaterThan(0);
    expect(second.summary.llm).toMatchObject({ cached: second.summary.llm.calls, tokensIn: 0, tokensOut: 0, costUsd: 0 });
    expect(factorsOf("second")).toEqual(factorsOf("first"));
    expect(factorsOf("first").length).toBeGreaterThan(0);
    expect(second.summary.trajectories).toBe(first.summary.trajectories);

    const lib = FactorLibrary.open(library, { readonly: true });
    try {
      const calls = lib.llmCalls("second");
      expect(calls.every((c) => c.cached && c.tokensIn === 0 && c.costUsd === 0)).toBe(true);
      // One cache entry per validated exchange of the first run (repair turns are not entries).
      expect(lib.llmCacheSize()).toBe(calls.length);
      expect(lib.llmCalls("first").filter((c) => !c.cached).length).toBeGreaterThan(calls.length);
    } finally {
      lib.close();
    }

    const third = await mine("third", 6);
    expect(server.requests.length).toBeGreaterThan(sent);
    expect(third.summary.llm.cached).toBe(0);
  }, 60_000);

  it("quanta mine --no-llm-cache asks the model again", async () => {
    expect(firstRunRequests).toBeGreaterThan(0);
    const before = server.requests.length;
    const runDir = join(dir, "cli");
    // The first run's campaign through the CLI: every prompt and seed is in the cache.
    const config = join(dir, "cli.yaml");
    writeFileSync(config, JSON.stringify({ data: { source: "synthetic:11", synthetic }, evolution, gates: { minIcDays: 10 }, finalPool: { model: "linear" } }));
    const out = await runMineCli([
      "mine", "--config", config, "--mining-train", RANGES.miningTrain, "--mining-valid", RANGES.miningValid, "--test", RANGES.test,
      "--provider", "openai", "--model", "fake-model", "--base-url", server.url, "--seed", "5",
      "--library", library, "--run-dir", runDir, "--campaign", "cli", "--no-llm-cache", "--json", "--quiet",
    ]);
    const s = JSON.parse(out) as { llm: { calls: number; cached: number } };
    expect(s.llm.calls).toBeGreaterThan(0);
    expect(s.llm.cached).toBe(0);
    // The same exchanges as the first run, all sent to the endpoint again.
    expect(server.requests.length - before).toBe(firstRunRequests);
  }, 60_000);
});
