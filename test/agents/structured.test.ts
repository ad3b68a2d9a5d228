import { describe, expect, it } from "vitest";
import { operatorsOf } from "../../factors/registry.ts";
import {
  extractJson,
  JudgeOutputSchema,
  renderPrompt,
  roleJsonSchema,
  ROLE_SCHEMAS,
  ROLES,
  UsageLedger,
  validateReply,
  priceFor,
  DEFAULT_PRICES,
} from "../../agents/index.ts";
import { SAMPLE_INPUTS } from "./samples.ts";

describe("JSON extraction", () => {
  it("reads bare JSON, fenced JSON, JSON in prose and drops <think> blocks", () => {
    expect(extractJson('{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(extractJson('```json\n{"a":2}\n```')).toEqual({ ok: true, value: { a: 2 } });
    expect(extractJson('Sure: {"a": "x}y", "b": [1, {"c": 3}]} hope that helps')).toEqual({ ok: true, value: { a: "x}y", b: [1, { c: 3 }] } });
    expect(extractJson('<think>{"no": 1}</think>{"a":3}')).toEqual({ ok: true, value: { a: 3 } });
  });
  it("explains what is wrong", () => {
    expect(extractJson("")).toEqual({ ok: false, error: "the reply is empty" });
    expect(extractJson("no json here")).toMatchObject({ ok: false, error: expect.stringMatching(/no JSON object/) });
    expect(extractJson('{"a": [1, 2')).toMatchObject({ ok: false, error: expect.stringMatching(/incomplete/) });
  });
  it("validates against the role schema with a readable error", () => {
    const bad = validateReply('{"verdict": "maybe", "severity": "none", "reason": "x", "correctedExpression": null}', JudgeOutputSchema);
    expect(bad).toMatchObject({ ok: false, error: expect.stringMatching(/verdict/) });
    const cut = validateReply('{"verdict": "cons', JudgeOutputSchema, "length");
    expect(cut).toMatchObject({ ok: false, error: expect.stringMatching(/cut off by the token limit/) });
  });
});

describe("prompts", () => {
  it("every role prompt carries its role marker, fields, output schema, and (for writers) the full operator table", () => {
    const ops = operatorsOf("quanta");
    for (const role of ROLES) {
      const [sys, user] = renderPrompt(role, SAMPLE_INPUTS[role] as never);
      expect(sys?.role).toBe("system");
      expect(sys?.content.startsWith(`ROLE: ${role}\n`)).toBe(true);
      expect(sys?.content).toContain("`$close`");
      expect(sys?.content).toContain(JSON.stringify(roleJsonSchema(role)));
      expect(user?.role).toBe("user");
      if (["constructor", "judge", "repairer", "mutator", "crossover"].includes(role)) {
        for (const op of ops) expect(sys?.content).toContain(`\`${op.signature}\``);
        expect(sys?.content).toMatch(/No look-ahead/);
      }
    }
  });
  it("is deterministic (the prompt hash is the replay key)", () => {
    for (const role of ROLES) expect(renderPrompt(role, SAMPLE_INPUTS[role] as never)).toEqual(renderPrompt(role, SAMPLE_INPUTS[role] as never));
  });
  it("role JSON schemas come from the zod schemas", () => {
    for (const role of ROLES) {
      const js = roleJsonSchema(role);
      expect(js.type).toBe("object");
      expect(js.$schema).toBeUndefined();
      expect(Object.keys(js.properties as object)).toEqual(Object.keys(ROLE_SCHEMAS[role].shape));
    }
  });
});

describe("accounting", () => {
  it("prices by exact name or longest prefix and tracks per role", () => {
    expect(priceFor(DEFAULT_PRICES, "gpt-4o-mini-2024-07-18")).toEqual(DEFAULT_PRICES["gpt-4o-mini"]);
    expect(priceFor(DEFAULT_PRICES, "gpt-4o-2024-08-06")).toEqual(DEFAULT_PRICES["gpt-4o"]);
    expect(priceFor(DEFAULT_PRICES, "llama3")).toBeUndefined();
    const l = new UsageLedger({ m: { inputPerMTok: 10, outputPerMTok: 20 } }, { maxUsd: 1 }, "c1");
    expect(l.record({ role: "planner", model: "m", tokensIn: 1000, tokensOut: 500, latencyMs: 5 })).toBeCloseTo(0.02, 12);
    l.record({ role: "judge", model: "llama3", tokensIn: 10, tokensOut: 10, latencyMs: 1, error: "x" });
    const snap = l.snapshot();
    expect(snap.campaign).toBe("c1");
    expect(snap.byRole.planner).toMatchObject({ calls: 1, tokensIn: 1000, tokensOut: 500 });
    expect(snap.byRole.judge).toMatchObject({ calls: 1, failures: 1 });
    expect(snap.unpricedModels).toEqual(["llama3"]);
    expect(l.exhausted).toBe(false);
  });
});
