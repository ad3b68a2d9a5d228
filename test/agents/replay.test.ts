import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createAgent,
  LlmAgent,
  LlmClient,
  OfflineAgent,
  ReplayMissError,
  promptHash,
  ReplayProvider,
  ROLES,
  type Agent,
  type LlmCallRecord,
  type Role,
} from "../../agents/index.ts";
import { reply, roleOf, startFakeLlmServer, type FakeLlmServer } from "../helpers/fake-llm-server.ts";
import { ROLE_METHODS, SAMPLE_INPUTS } from "./samples.ts";

let server: FakeLlmServer;
beforeAll(async () => {
  server = await startFakeLlmServer();
});
afterAll(() => server.close());

function call(agent: Agent, role: Role, seed: number): Promise<unknown> {
  const method = ROLE_METHODS[role];
  return (agent[method] as (i: unknown, o: unknown) => Promise<unknown>).call(agent, SAMPLE_INPUTS[role], { seed });
}

describe("replay provider", () => {
  it("reproduces a recorded openai run exactly, repair turns and retries included, without the server", async () => {
    const offline = new OfflineAgent({ seed: 4 });
    const answers = new Map<Role, unknown>();
    for (const role of ROLES) answers.set(role, await offline.run(role, SAMPLE_INPUTS[role] as never));
    let n = 0;
    // Vary the answers so order matters: the first judge reply is not JSON (repair turn), one call hits a 500.
    server.setResponder((req) => {
      n++;
      if (n === 3) return { kind: "status", status: 500 };
      if (n === 5) return reply("not json at all");
      return reply(answers.get(roleOf(req) as Role) ?? {});
    });
    const log: LlmCallRecord[] = [];
    const live = createAgent({ provider: "openai", model: "fake-model", baseUrl: server.url }, { apiKey: "k", sink: (r) => log.push(r), clock: { now: Date.now, sleep: async () => undefined } });
    const recorded: unknown[] = [];
    for (const role of ROLES) recorded.push(await call(live, role, 100));
    for (const role of ROLES) recorded.push(await call(live, role, 101));
    const before = server.requests.length;
    expect(log.some((r) => r.error)).toBe(true);

    const replayed = createAgent({ provider: "replay" }, { replayLog: log });
    const again: unknown[] = [];
    for (const role of ROLES) again.push(await call(replayed, role, 100));
    for (const role of ROLES) again.push(await call(replayed, role, 101));
    expect(again).toEqual(recorded);
    expect(server.requests.length).toBe(before); // nothing went to the network
    expect(replayed.model).toBe("fake-model");
    expect(replayed.ledger.total().tokensIn).toBe(live.ledger.total().tokensIn);
  });

  it("serves repeated identical prompts in recorded order, skipping failed attempts", async () => {
    const messages = [{ role: "user" as const, content: "same" }];
    const h = promptHash(messages);
    const p = new ReplayProvider([
      { role: "check", promptHash: h, seed: 3, reply: "first", tokensIn: 1, tokensOut: 1, model: "m" },
      { role: "check", promptHash: h, seed: 3, reply: "", tokensIn: 0, tokensOut: 0, model: "m", error: "HTTP 500" },
      { role: "check", promptHash: h, seed: 3, reply: "second", tokensIn: 1, tokensOut: 1, model: "m" },
      { role: "check", promptHash: h, seed: 4, reply: "other seed", tokensIn: 1, tokensOut: 1, model: "m" },
    ]);
    expect(p.remaining).toBe(3);
    expect((await p.complete(messages, { role: "check", seed: 3 })).text).toBe("first");
    expect((await p.complete(messages, { role: "check", seed: 3 })).text).toBe("second");
    await expect(p.complete(messages, { role: "check", seed: 3 })).rejects.toBeInstanceOf(ReplayMissError);
    await expect(p.complete(messages, { role: "judge", seed: 4 })).rejects.toThrow(/no recorded answer for role judge/);
    expect((await p.complete(messages, { role: "check", seed: 4 })).text).toBe("other seed");
    expect(p.remaining).toBe(0);
  });

  it("a miss is a typed error, not retried", async () => {
    const client = new LlmClient({ provider: new ReplayProvider([]), clock: { now: Date.now, sleep: async () => expect.fail("must not retry") } });
    const agent = new LlmAgent({ client });
    await expect(agent.plan({ n: 2 })).rejects.toBeInstanceOf(ReplayMissError);
  });

  it("replays an offline campaign's log through the LLM agent exactly", async () => {
    const log: LlmCallRecord[] = [];
    const offline = new OfflineAgent({ seed: 8, sink: (r) => log.push(r) });
    const original: unknown[] = [];
    for (const role of ROLES) original.push(await call(offline, role, 7));
    const replayed = createAgent({ provider: "replay", seed: 8 }, { replayLog: log });
    const again: unknown[] = [];
    for (const role of ROLES) again.push(await call(replayed, role, 7));
    expect(again).toEqual(original);
  });
});
