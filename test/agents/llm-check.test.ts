import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QuantaError } from "../../factors/errors.ts";
import { llmCheckHandler, llmCommand } from "../../src/cli/commands/llm.ts";
import { reply, startFakeLlmServer, type FakeLlmServer } from "../helpers/fake-llm-server.ts";

let server: FakeLlmServer;
beforeAll(async () => {
  server = await startFakeLlmServer();
});
afterAll(() => server.close());

const env = { OPENAI_API_KEY: "sk-check-SECRET-999999" } as NodeJS.ProcessEnv;

describe("quanta llm check", () => {
  it("reports latency, tokens and structured output against a local server", async () => {
    server.setResponder(() => reply({ ok: true, answer: 5 }, { usage: { prompt_tokens: 40, completion_tokens: 9 } }));
    const out: string[] = [];
    const report = await llmCheckHandler({ provider: "openai", baseUrl: server.url, model: "tiny", timeout: 5 }, (t) => out.push(t), env);
    expect(report).toMatchObject({ provider: "openai", model: "tiny", structuredOk: true, turns: 1, tokensIn: 40, tokensOut: 9, mode: "json_object", problem: null });
    expect(report.latencyMs).toBeGreaterThanOrEqual(0);
    expect(out.join("\n")).toMatch(/structured\s+ok/);
    expect(out.join("\n")).toMatch(/tokens\s+40 in \/ 9 out/);
    expect(out.join("\n")).not.toContain("SECRET");
  });

  it("works through langchain with streaming, and prints JSON on request", async () => {
    server.setResponder(() => reply({ ok: true, answer: 5 }));
    const out: string[] = [];
    await llmCheckHandler({ provider: "langchain", baseUrl: server.url, stream: true, json: true, timeout: 5 }, (t) => out.push(t), env);
    expect(JSON.parse(out[0]!)).toMatchObject({ provider: "langchain", structuredOk: true });
    expect(server.requests.at(-1)?.body.stream).toBe(true);
  });

  it("exits 2 when the endpoint answers without usable structured output", async () => {
    server.setResponder(() => reply("I am a teapot"));
    const err = await llmCheckHandler({ provider: "openai", baseUrl: server.url, timeout: 5 }, () => undefined, env).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuantaError);
    expect((err as QuantaError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(/structured output failed/);
  });

  it("fails a dead port with exit 2 and a clear message within the timeout", async () => {
    const dead = await startFakeLlmServer();
    const url = dead.url;
    await dead.close();
    const t0 = Date.now();
    const err = await llmCheckHandler({ provider: "openai", baseUrl: url, timeout: 2 }, () => undefined, env).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(err).toBeInstanceOf(QuantaError);
    expect((err as QuantaError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(/LLM check failed .*cannot reach LLM endpoint \(http:\/\/127\.0\.0\.1:\d+\/v1\): connection refused/);
  });

  it("fails a server that never answers within the timeout", async () => {
    server.setResponder(() => ({ kind: "hang" }));
    const t0 = Date.now();
    const err = await llmCheckHandler({ provider: "openai", baseUrl: server.url, timeout: 0.3 }, () => undefined, env).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect((err as QuantaError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(/timed out after 300 ms/);
  });

  it("rejects bad flags and a missing key as user errors", async () => {
    await expect(llmCheckHandler({ provider: "openai", baseUrl: "not a url" }, () => undefined, env)).rejects.toThrow(/--base-url must be a URL/);
    await expect(llmCheckHandler({ provider: "openai" }, () => undefined, {})).rejects.toThrow(/OPENAI_API_KEY/);
  });

  it("passes offline without a network", async () => {
    const out: string[] = [];
    expect((await llmCheckHandler({ provider: "offline" }, (t) => out.push(t), {})).structuredOk).toBe(true);
  });

  it("is a yargs command module named llm", () => {
    expect(llmCommand.command).toBe("llm <action>");
    expect(typeof llmCommand.handler).toBe("function");
  });
});
