import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  BudgetExceededError,
  createAgent,
  LlmAbortError,
  LlmConnectionError,
  LlmHttpError,
  LlmReplyError,
  LlmTimeoutError,
  OfflineAgent,
  OpenAIProvider,
  ROLES,
  type Agent,
  type AgentConfigInput,
  type Clock,
  type LlmCallRecord,
  type Role,
} from "../../agents/index.ts";
import { reply, roleOf, startFakeLlmServer, type FakeLlmServer } from "../helpers/fake-llm-server.ts";
import { feedback, hypothesis, ROLE_METHODS, SAMPLE_INPUTS } from "./samples.ts";

const KEY = "sk-test-SECRET-1234567890";
let server: FakeLlmServer;
const expected = {} as Record<Role, unknown>;

beforeAll(async () => {
  server = await startFakeLlmServer();
  const offline = new OfflineAgent({ seed: 3 });
  for (const role of ROLES) expected[role] = await offline.run(role, SAMPLE_INPUTS[role] as never);
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  // default: a valid answer for whichever role asks
  server.setResponder((req) => reply(expected[roleOf(req) as Role] ?? { ok: true, answer: 5 }));
});

function fakeClock(): { clock: Clock; sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, clock: { now: () => Date.now(), sleep: async (ms) => void sleeps.push(ms) } };
}

type Kind = "openai" | "langchain";

function makeAgent(kind: Kind, stream: boolean, extra: Partial<AgentConfigInput> = {}, sink?: (r: LlmCallRecord) => void) {
  const { clock, sleeps } = fakeClock();
  const agent = createAgent(
    { provider: kind, model: "fake-model", baseUrl: server.url, stream, timeoutMs: 2000, maxRetries: 3, maxRepairTurns: 2, ...extra },
    { apiKey: KEY, clock, random: () => 0.5, ...(sink ? { sink } : {}) },
  );
  return { agent, sleeps };
}

function call(agent: Agent, role: Role): Promise<unknown> {
  const method = ROLE_METHODS[role];
  return (agent[method] as (i: unknown) => Promise<unknown>).call(agent, SAMPLE_INPUTS[role]);
}

const judgeInput = SAMPLE_INPUTS.judge;
const validJudge = { verdict: "consistent", severity: "none", reason: "ok", correctedExpression: null };

describe.each([
  ["openai", false],
  ["openai", true],
  ["langchain", false],
  ["langchain", true],
] as const)("%s provider (stream=%s) against a local chat-completions server", (kind, stream) => {
  it("plays every role with validated structured replies", async () => {
    const { agent } = makeAgent(kind, stream);
    for (const role of ROLES) expect(await call(agent, role)).toEqual(expected[role]);
    expect(server.requests).toHaveLength(ROLES.length);
    for (const r of server.requests) {
      expect(r.path).toBe("/v1/chat/completions");
      expect(r.body.model).toBe("fake-model");
      expect(r.body.response_format).toEqual({ type: "json_object" });
      expect(r.body.stream === true).toBe(stream);
      expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
    }
    for (const role of ROLES) expect(agent.ledger.role(role)).toMatchObject({ calls: 1, failures: 0, tokensIn: 11, tokensOut: 7 });
    expect(agent.ledger.total().calls).toBe(ROLES.length);
  });

  it("retries a 429 after the server's Retry-After", async () => {
    const { agent, sleeps } = makeAgent(kind, stream);
    server.enqueue({ kind: "status", status: 429, message: "slow down", headers: { "retry-after": "2" } }, reply(validJudge));
    expect(await agent.judge(judgeInput)).toEqual(validJudge);
    expect(sleeps).toEqual([2000]);
    expect(server.requests).toHaveLength(2);
  });

  it("retries 5xx with exponential backoff", async () => {
    const { agent, sleeps } = makeAgent(kind, stream);
    server.enqueue({ kind: "status", status: 500 }, { kind: "status", status: 503 }, reply(validJudge));
    expect(await agent.judge(judgeInput)).toEqual(validJudge);
    // base 1000 ms, jitter 0.5 with random() = 0.5 → 0.75 of the doubling delay
    expect(sleeps).toEqual([750, 1500]);
  });

  it("times out a hung response and retries it", async () => {
    const { agent, sleeps } = makeAgent(kind, stream, { timeoutMs: 80 });
    server.enqueue({ kind: "hang" }, reply(validJudge));
    expect(await agent.judge(judgeInput)).toEqual(validJudge);
    expect(sleeps).toHaveLength(1);
  });

  it("surfaces a typed timeout when every attempt hangs", async () => {
    const { agent } = makeAgent(kind, stream, { timeoutMs: 60, maxRetries: 1 });
    server.setResponder(() => ({ kind: "hang" }));
    await expect(agent.judge(judgeInput)).rejects.toBeInstanceOf(LlmTimeoutError);
    expect(server.requests).toHaveLength(2);
  });

  it("repairs a reply that is not JSON with one more turn carrying the error", async () => {
    const { agent } = makeAgent(kind, stream);
    server.enqueue(reply("Sure! The factor looks consistent to me."), reply(validJudge));
    expect(await agent.judge(judgeInput)).toEqual(validJudge);
    const second = server.requests[1]?.body.messages as { role: string; content: string }[];
    expect(second.at(-2)).toEqual({ role: "assistant", content: "Sure! The factor looks consistent to me." });
    expect(second.at(-1)?.content).toMatch(/could not be used: the reply contains no JSON object/);
  });

  it("gives up on a persistently wrong schema with LlmReplyError", async () => {
    const { agent } = makeAgent(kind, stream);
    server.setResponder(() => reply({ verdict: "maybe", score: 3 }));
    const err = await agent.judge(judgeInput).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmReplyError);
    expect((err as LlmReplyError).turns).toBe(3);
    expect((err as LlmReplyError).reason).toMatch(/verdict/);
    expect(server.requests).toHaveLength(3);
  });

  it("repairs a reply truncated by the token limit", async () => {
    const { agent } = makeAgent(kind, stream);
    server.enqueue(reply('{"verdict": "consistent", "severity": "no', { finishReason: "length" }), reply(validJudge));
    expect(await agent.judge(judgeInput)).toEqual(validJudge);
    expect(server.requests[1]?.body.messages.at(-1).content).toMatch(/cut off by the token limit/);
  });

  it("retries a connection dropped mid-reply", async () => {
    const { agent, sleeps } = makeAgent(kind, stream);
    server.enqueue({ kind: "cut" }, reply(validJudge));
    expect(await agent.judge(judgeInput)).toEqual(validJudge);
    expect(sleeps).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
  });
});

describe("openai provider details", () => {
  it("extracts JSON from a code fence and from prose", async () => {
    const { agent } = makeAgent("openai", false);
    server.enqueue(reply("```json\n" + JSON.stringify(validJudge) + "\n```"), reply(`Here it is: ${JSON.stringify(validJudge)} — done.`));
    expect(await agent.judge(judgeInput)).toEqual(validJudge);
    expect(await agent.judge(judgeInput)).toEqual(validJudge);
    expect(server.requests).toHaveLength(2);
  });

  it("falls back from JSON mode to plain JSON when the endpoint rejects response_format", async () => {
    server.setResponder((req) =>
      req.body.response_format ? { kind: "status", status: 400, message: "response_format json_object is not supported by this model" } : reply(validJudge),
    );
    const provider = new OpenAIProvider({ model: "m", baseURL: server.url, apiKey: KEY, structured: "json_schema" });
    const schema = { name: "judge", jsonSchema: { type: "object" } };
    const res = await provider.complete([{ role: "user", content: "JSON please" }], { role: "judge", schema });
    expect(JSON.parse(res.text)).toEqual(validJudge);
    expect(provider.structuredMode).toBe("none");
    expect(server.requests.map((r) => r.body.response_format?.type ?? "none")).toEqual(["json_schema", "json_object", "none"]);
  });

  it("explains a base URL that does not serve chat completions, and retries a proxy's HTML 502", async () => {
    const { agent, sleeps } = makeAgent("openai", false);
    server.enqueue({ kind: "raw", status: 200, body: "<html>welcome</html>", contentType: "text/html" });
    await expect(agent.judge(judgeInput)).rejects.toThrow(/did not answer with a chat completion .*\/v1/);
    expect(server.requests).toHaveLength(1);
    server.enqueue({ kind: "raw", status: 502, body: "<html>bad gateway</html>", contentType: "text/html" }, reply(validJudge));
    expect(await agent.judge(judgeInput)).toEqual(validJudge);
    expect(sleeps).toHaveLength(1);
  });

  it("never puts the API key in errors or the call log", async () => {
    const records: LlmCallRecord[] = [];
    const { agent } = makeAgent("openai", false, {}, (r) => records.push(r));
    server.setResponder(() => ({ kind: "status", status: 401, message: `Incorrect API key provided: ${KEY}` }));
    const err = (await agent.judge(judgeInput).catch((e: unknown) => e)) as LlmHttpError;
    expect(err).toBeInstanceOf(LlmHttpError);
    expect(err.status).toBe(401);
    expect(err.retryable).toBe(false);
    expect(server.requests).toHaveLength(1);
    expect(err.message).toContain("Incorrect API key provided");
    expect(err.message).not.toContain("SECRET");
    expect(records).toHaveLength(1);
    expect(JSON.stringify(records)).not.toContain("SECRET");
  });

  it("logs every attempt with role, model, tokens, latency, prompt hash, seed and reply", async () => {
    const records: LlmCallRecord[] = [];
    const { agent } = makeAgent("openai", false, {}, (r) => records.push(r));
    server.enqueue({ kind: "status", status: 500 }, reply(validJudge));
    await agent.judge(judgeInput, { seed: 42 });
    expect(records).toHaveLength(2);
    const [failed, ok] = records as [LlmCallRecord, LlmCallRecord];
    expect(failed).toMatchObject({ role: "judge", provider: "openai", model: "fake-model", tokensIn: 0, reply: "", attempt: 1, seed: 42 });
    expect(failed.error).toMatch(/HTTP 500/);
    expect(ok).toMatchObject({ role: "judge", provider: "openai", model: "fake-model", tokensIn: 11, tokensOut: 7, seed: 42, attempt: 2 });
    expect(ok.error).toBeUndefined();
    expect(ok.promptHash).toMatch(/^[0-9a-f]{64}$/);
    expect(ok.promptHash).toBe(failed.promptHash);
    expect(JSON.parse(ok.reply)).toEqual(validJudge);
    expect(ok.latencyMs).toBeGreaterThanOrEqual(0);
    expect(server.requests[1]?.body.seed).toBe(42);
  });

  it("stops cleanly when the token budget is spent", async () => {
    const { agent } = makeAgent("openai", false, { budget: { maxTokens: 30 } });
    await agent.judge(judgeInput); // 18 tokens
    await agent.judge(judgeInput); // 36 ≥ 30 after this one
    const err = await agent.judge(judgeInput).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BudgetExceededError);
    expect((err as BudgetExceededError).message).toMatch(/36 tokens used of 30/);
    expect(server.requests).toHaveLength(2);
  });

  it("prices calls from the table and enforces a dollar budget", async () => {
    server.setResponder(() => reply(validJudge, { usage: { prompt_tokens: 1_000_000, completion_tokens: 500_000 } }));
    const { agent } = makeAgent("openai", false, { prices: { "fake-model": { inputPerMTok: 1, outputPerMTok: 2 } }, budget: { maxUsd: 3 } });
    await agent.judge(judgeInput);
    expect(agent.ledger.total().costUsd).toBeCloseTo(2, 10);
    await agent.judge(judgeInput);
    await expect(agent.judge(judgeInput)).rejects.toBeInstanceOf(BudgetExceededError);
    expect(agent.ledger.role("judge").costUsd).toBeCloseTo(4, 10);
  });

  it("keeps at most `concurrency` calls in flight", async () => {
    server.setResponder(() => reply(validJudge, { delayMs: 20 }));
    const { agent } = makeAgent("openai", false, { concurrency: 2 });
    const results = await Promise.all(Array.from({ length: 6 }, () => agent.judge(judgeInput)));
    expect(results).toHaveLength(6);
    expect(server.maxConcurrent).toBeLessThanOrEqual(2);
    expect(server.requests).toHaveLength(6);
  });

  it("cancels an in-flight call on abort without retrying", async () => {
    server.setResponder(() => ({ kind: "hang" }));
    const { agent } = makeAgent("openai", true);
    const ctl = new AbortController();
    const pending = agent.mutate({ hypothesis, factors: [], feedback }, { signal: ctl.signal });
    while (server.requests.length === 0) await new Promise((r) => setImmediate(r));
    ctl.abort();
    await expect(pending).rejects.toBeInstanceOf(LlmAbortError);
    expect(server.requests).toHaveLength(1);
  });

  it("reports a dead port as a connection error", async () => {
    const dead = await startFakeLlmServer();
    const url = dead.url;
    await dead.close();
    const { agent } = createAgentAt(url);
    const err = await agent.judge(judgeInput).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmConnectionError);
    expect((err as Error).message).toMatch(/connection refused/);
  });
});

describe("langchain provider details", () => {
  it("drops JSON mode when the endpoint rejects response_format", async () => {
    server.setResponder((req) => (req.body.response_format ? { kind: "status", status: 400, message: "response_format is not supported" } : reply(validJudge)));
    const { agent } = makeAgent("langchain", false);
    expect(await agent.judge(judgeInput)).toEqual(validJudge);
    expect(await agent.judge(judgeInput)).toEqual(validJudge);
    expect(server.requests.map((r) => r.body.response_format?.type ?? "none")).toEqual(["json_object", "none", "none"]);
  });
});

function createAgentAt(url: string) {
  const { clock, sleeps } = fakeClock();
  return { agent: createAgent({ provider: "openai", model: "m", baseUrl: url, maxRetries: 2 }, { apiKey: KEY, clock }), sleeps };
}
