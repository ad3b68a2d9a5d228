import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createAgent,
  LlmReplyError,
  MemoryReplyCacheStore,
  ReplyCache,
  replyCacheKey,
  roleJsonSchema,
  type AgentConfigInput,
  type LlmCallRecord,
  type ReplyCacheKeyInput,
  type ReplyCacheStore,
} from "../../agents/index.ts";
import { reply, startFakeLlmServer, type FakeLlmServer } from "../helpers/fake-llm-server.ts";

let server: FakeLlmServer;
beforeAll(async () => {
  server = await startFakeLlmServer();
});
afterAll(() => server.close());

/** Each request gets a different valid plan, so a cached reply is told apart from a fresh one. */
let served = 0;
const plan = (n: number) => ({
  directions: [{ id: `d${n}`, title: `direction ${n}`, mechanism: "reversal", horizon: "short", data: "price", rationale: "overreaction" }],
});
beforeEach(() => {
  server.requests.length = 0;
  served = 0;
  server.setResponder(() => reply(plan(++served)));
});

const noWait = { now: () => Date.now(), sleep: async () => undefined };

function agentWith(store: ReplyCacheStore | undefined, extra: Partial<AgentConfigInput> = {}, sink?: (r: LlmCallRecord) => void) {
  return createAgent(
    { provider: "openai", model: "fake-model", baseUrl: server.url, seed: 1, maxRetries: 0, prices: { "fake-model": { inputPerMTok: 1, outputPerMTok: 2 } }, ...extra },
    { apiKey: "k", clock: noWait, ...(store ? { replyCache: store } : {}), ...(sink ? { sink } : {}) },
  );
}

describe("reply cache key", () => {
  const base: ReplyCacheKeyInput = {
    provider: "openai",
    model: "gpt-4o-mini",
    endpoint: "api.openai.com",
    temperature: 0.7,
    maxTokens: null,
    structured: "json_object",
    role: "planner",
    messages: [
      { role: "system", content: "ROLE: planner" },
      { role: "user", content: "plan 4 directions" },
    ],
    schema: { name: "planner", jsonSchema: roleJsonSchema("planner") },
    campaignSeed: 42,
    seed: 7,
    occurrence: 1,
  };
  const key = replyCacheKey(base);

  it("is stable for equal inputs, whatever the key order of the JSON schema", () => {
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(replyCacheKey({ ...base })).toBe(key);
    const reordered = Object.fromEntries(Object.entries(roleJsonSchema("planner")).reverse());
    expect(replyCacheKey({ ...base, schema: { name: "planner", jsonSchema: reordered } })).toBe(key);
  });

  it("changes when any keyed input changes", () => {
    const variants: Partial<ReplyCacheKeyInput>[] = [
      { provider: "langchain" },
      { model: "gpt-4o" },
      { endpoint: "127.0.0.1:8000" },
      { endpoint: null },
      { temperature: 0 },
      { temperature: null },
      { maxTokens: 512 },
      { structured: "json_schema" },
      { role: "judge" },
      { messages: [base.messages[0]!, { role: "user", content: "plan 5 directions" }] },
      { messages: [{ role: "user", content: "ROLE: planner" }, base.messages[1]!] },
      { messages: base.messages.slice(1) },
      { schema: { name: "planner2", jsonSchema: roleJsonSchema("planner") } },
      { schema: { name: "planner", jsonSchema: roleJsonSchema("judge") } },
      { campaignSeed: 43 },
      { campaignSeed: null },
      { seed: 8 },
      { seed: null },
      { occurrence: 2 },
    ];
    const keys = variants.map((v) => replyCacheKey({ ...base, ...v }));
    for (const k of keys) expect(k).not.toBe(key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("numbers repeats of the same call, and a fresh agent repeats the numbering", () => {
    const identity = { provider: "openai", model: "m", endpoint: null, temperature: null, maxTokens: null, structured: "json_object" };
    const call = { role: "planner" as const, messages: base.messages, schema: base.schema, campaignSeed: 1, seed: 2 };
    const a = new ReplyCache(new MemoryReplyCacheStore(), identity);
    const first = a.nextKey(call);
    const second = a.nextKey(call);
    const other = a.nextKey({ ...call, seed: 3 });
    expect(new Set([first, second, other]).size).toBe(3);
    const b = new ReplyCache(new MemoryReplyCacheStore(), identity);
    expect([b.nextKey(call), b.nextKey(call), b.nextKey({ ...call, seed: 3 })]).toEqual([first, second, other]);
  });
});

describe("LLM agent with a reply cache", () => {
  it("answers a prompt seen before from the cache: no request, recorded as a free cached call", async () => {
    const store = new MemoryReplyCacheStore();
    const first = await agentWith(store).plan({ n: 1 }, { seed: 7 });
    expect(server.requests).toHaveLength(1);
    expect(store.entries.size).toBe(1);

    const log: LlmCallRecord[] = [];
    const again = agentWith(store, {}, (r) => log.push(r));
    expect(await again.plan({ n: 1 }, { seed: 7 })).toEqual(first);
    expect(server.requests).toHaveLength(1);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ role: "planner", cached: true, tokensIn: 0, tokensOut: 0, costUsd: 0, seed: 7 });
    expect(JSON.parse(log[0]!.reply)).toEqual(first);
    expect(again.ledger.total()).toMatchObject({ calls: 1, cached: 1, failures: 0, tokensIn: 0, tokensOut: 0, costUsd: 0 });
  });

  it("gives deliberately repeated identical calls their own draws, and replays them in order", async () => {
    const store = new MemoryReplyCacheStore();
    const a = agentWith(store);
    const draws = [await a.plan({ n: 1 }, { seed: 7 }), await a.plan({ n: 1 }, { seed: 7 })];
    expect(draws[0]).not.toEqual(draws[1]);
    expect(server.requests).toHaveLength(2);
    const b = agentWith(store);
    expect([await b.plan({ n: 1 }, { seed: 7 }), await b.plan({ n: 1 }, { seed: 7 })]).toEqual(draws);
    expect(server.requests).toHaveLength(2);
    // A third repeat is a new draw.
    await b.plan({ n: 1 }, { seed: 7 });
    expect(server.requests).toHaveLength(3);
  });

  it("never caches a reply that failed validation", async () => {
    const store = new MemoryReplyCacheStore();
    server.setResponder(() => reply("this is not JSON"));
    await expect(agentWith(store, { maxRepairTurns: 1 }).plan({ n: 1 }, { seed: 7 })).rejects.toBeInstanceOf(LlmReplyError);
    expect(server.requests).toHaveLength(2);
    expect(store.entries.size).toBe(0);

    // A valid reply after a repair turn is stored under the initial prompt; the invalid one is not.
    server.setResponder((_req, i) => (i === 2 ? reply('{"directions": "not a list"}') : reply(plan(++served))));
    const repaired = await agentWith(store, { maxRepairTurns: 1 }).plan({ n: 1 }, { seed: 7 });
    expect(server.requests).toHaveLength(4);
    expect([...store.entries.values()].map((e) => e.reply)).toEqual([repaired]);
    expect(await agentWith(store, { maxRepairTurns: 1 }).plan({ n: 1 }, { seed: 7 })).toEqual(repaired);
    expect(server.requests).toHaveLength(4);
  });

  it("a stored value the schema rejects is a miss, not an answer", async () => {
    const store = new MemoryReplyCacheStore();
    await agentWith(store).plan({ n: 1 }, { seed: 7 });
    const [entry] = [...store.entries.values()];
    store.entries.set(entry!.key, { ...entry!, reply: { directions: [] } });
    const value = await agentWith(store).plan({ n: 1 }, { seed: 7 });
    expect(value.directions).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
  });

  it("misses for another campaign seed, call seed, model, temperature or endpoint", async () => {
    const store = new MemoryReplyCacheStore();
    await agentWith(store).plan({ n: 1 });
    await agentWith(store).plan({ n: 1 });
    expect(server.requests).toHaveLength(1);
    await agentWith(store, { seed: 2 }).plan({ n: 1 });
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.body.seed).toBe(2);
    await agentWith(store).plan({ n: 1 }, { seed: 8 });
    await agentWith(store, { model: "fake-model-2" }).plan({ n: 1 });
    await agentWith(store, { temperature: 0.2 }).plan({ n: 1 });
    expect(server.requests).toHaveLength(5);
    const other = await startFakeLlmServer(() => reply(plan(0)));
    try {
      await agentWith(store, { baseUrl: other.url }).plan({ n: 1 });
      expect(other.requests).toHaveLength(1);
    } finally {
      await other.close();
    }
    expect(store.entries.size).toBe(6);
  });

  it("is off with cache: false, without a store, and for the offline provider", async () => {
    const store = new MemoryReplyCacheStore();
    await agentWith(store, { cache: false }).plan({ n: 1 });
    await agentWith(store, { cache: false }).plan({ n: 1 });
    await agentWith(undefined).plan({ n: 1 });
    expect(server.requests).toHaveLength(3);
    expect(store.entries.size).toBe(0);
    await createAgent({ provider: "offline", seed: 1 }, { replyCache: store }).plan({ n: 2 });
    expect(store.entries.size).toBe(0);
  });

  it("works for the langchain provider too", async () => {
    const store = new MemoryReplyCacheStore();
    const lc = () =>
      createAgent({ provider: "langchain", model: "fake-model", baseUrl: server.url, seed: 1, maxRetries: 0 }, { apiKey: "k", clock: noWait, replyCache: store });
    const first = await lc().plan({ n: 1 }, { seed: 7 });
    expect(server.requests).toHaveLength(1);
    expect(await lc().plan({ n: 1 }, { seed: 7 })).toEqual(first);
    expect(server.requests).toHaveLength(1);
    // Same messages and seed through the openai provider: a different provider kind, so a miss.
    await agentWith(store).plan({ n: 1 }, { seed: 7 });
    expect(server.requests).toHaveLength(2);
  });
});
