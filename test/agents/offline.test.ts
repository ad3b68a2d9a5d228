import { describe, expect, it } from "vitest";
import { checkComplexity } from "../../factors/complexity.ts";
import { fieldsOf } from "../../factors/fields.ts";
import { parseExpr } from "../../factors/parser.ts";
import { structuralKey } from "../../factors/printer.ts";
import {
  MECHANISMS,
  OfflineAgent,
  ROLE_SCHEMAS,
  ROLES,
  type Agent,
  type AnalystOutput,
  type EvaluatedFactor,
  type FactorSpec,
  type Hypothesis,
  type Role,
} from "../../agents/index.ts";
import { shapeKey, slots, size } from "../../agents/offline/tree.ts";
import { direction, factors, factors2, feedback, hypothesis, hypothesis2, ROLE_METHODS, SAMPLE_INPUTS } from "./samples.ts";

function call(agent: Agent, role: Role, input: unknown = SAMPLE_INPUTS[role], seed?: number): Promise<unknown> {
  const method = ROLE_METHODS[role];
  return (agent[method] as (i: unknown, o: unknown) => Promise<unknown>).call(agent, input, seed === undefined ? {} : { seed });
}

/** Every emitted expression parses in the quanta dialect (look-ahead rejected) and passes the complexity gate. */
function assertEmittable(text: string): void {
  const e = parseExpr(text, "quanta"); // throws on syntax, operators, params and look-ahead
  const c = checkComplexity(e);
  expect(c.reasons).toEqual([]);
}

function expressionsOf(out: unknown): string[] {
  const o = out as { factors?: FactorSpec[]; expression?: string; correctedExpression?: string | null };
  return [...(o.factors?.map((f) => f.expression) ?? []), ...(o.expression ? [o.expression] : []), ...(o.correctedExpression ? [o.correctedExpression] : [])];
}

const withMetrics = (fs: FactorSpec[], ics: number[]): EvaluatedFactor[] =>
  fs.map((f, i) => ({ ...f, metrics: { rankIc: ics[i % ics.length] ?? 0, rankIcir: 0.3, trainRankIc: ics[i % ics.length] ?? 0, validRankIc: ics[i % ics.length] ?? 0 } }));

describe("offline proposer", () => {
  it("gives identical answers for the same seed and input, for every role", async () => {
    const a = new OfflineAgent({ seed: 11 });
    const b = new OfflineAgent({ seed: 11 });
    for (const role of ROLES) {
      const x = await call(a, role, SAMPLE_INPUTS[role], 5);
      const y = await call(b, role, SAMPLE_INPUTS[role], 5);
      expect(y).toEqual(x);
      // and the order of calls does not matter: a repeat on the same agent is identical too
      expect(await call(a, role, SAMPLE_INPUTS[role], 5)).toEqual(x);
      expect(ROLE_SCHEMAS[role].safeParse(x).success).toBe(true);
    }
  });

  it("varies its answers with the seed", async () => {
    const outs = new Set<string>();
    for (let seed = 0; seed < 8; seed++) outs.add(JSON.stringify(await new OfflineAgent({ seed }).plan({ n: 5 })));
    expect(outs.size).toBeGreaterThan(1);
  });

  it("plans diversified directions across mechanisms, data and horizons", async () => {
    const { directions } = await new OfflineAgent({ seed: 2 }).plan({ n: 10 });
    expect(directions).toHaveLength(10);
    expect(new Set(directions.map((d) => d.id)).size).toBe(10);
    expect(new Set(directions.map((d) => d.mechanism)).size).toBe(MECHANISMS.length);
    expect(new Set(directions.map((d) => d.horizon))).toEqual(new Set(["short", "long"]));
    expect(new Set(directions.map((d) => d.data)).size).toBe(3);
    const avoided = await new OfflineAgent({ seed: 2 }).plan({ n: 3, avoid: directions.slice(0, 10).map((d) => d.id) });
    for (const d of avoided.directions) expect(directions.map((x) => x.id)).not.toContain(d.id);
  });

  it("emits only expressions that parse, pass look-ahead and complexity, across seeds and every direction", async () => {
    let count = 0;
    for (let seed = 0; seed < 4; seed++) {
      const agent = new OfflineAgent({ seed });
      const { directions } = await agent.plan({ n: 14 });
      for (const d of directions) {
        const h = await agent.hypothesize({ direction: d });
        expect(h.hypothesis.length).toBeGreaterThan(20);
        const { factors: fs } = await agent.construct({ hypothesis: h, n: 3 });
        expect(fs.length).toBeGreaterThanOrEqual(2);
        for (const f of fs) {
          assertEmittable(f.expression);
          count++;
          const verdict = await agent.judge({ hypothesis: h, factor: f });
          expect(verdict.verdict).toBe("consistent");
        }
        const evaluated = withMetrics(fs, [0.02, 0.004, 0.012]);
        for (const step of ["parameters", "structure", "hypothesis"] as const) {
          const fb: AnalystOutput = { weakestStep: step, feedback: "x", observations: "y", suggestions: ["z"] };
          const m = await agent.mutate({ direction: d, hypothesis: h, factors: evaluated, feedback: fb }, { seed: step.length });
          for (const e of expressionsOf(m)) assertEmittable(e);
          count += m.factors.length;
        }
        const o = await agent.mutate({ hypothesis: h, factors: evaluated, feedback, mode: "orthogonal" });
        expect(o.hypothesis.mechanism.split(":")[0]).not.toBe(h.mechanism.split(":")[0]);
        for (const e of expressionsOf(o)) assertEmittable(e);
      }
      for (let i = 0; i + 1 < directions.length; i += 2) {
        const [d1, d2] = [directions[i], directions[i + 1]];
        const h1 = await agent.hypothesize({ direction: d1! });
        const h2 = await agent.hypothesize({ direction: d2! });
        const f1 = (await agent.construct({ hypothesis: h1, n: 3 })).factors;
        const f2 = (await agent.construct({ hypothesis: h2, n: 3 })).factors;
        const x = await agent.crossover({ parents: [{ hypothesis: h1, factors: f1, reward: 0.02 }, { hypothesis: h2, factors: f2, reward: 0.01 }] });
        for (const e of expressionsOf(x)) assertEmittable(e);
        count += x.factors.length;
      }
    }
    expect(count).toBeGreaterThan(500);
  });

  describe("mutation changes only the blamed step", () => {
    const agent = new OfflineAgent({ seed: 5 });

    it("parameters: same hypothesis, same structure, different windows", async () => {
      const m = await agent.mutate({ direction, hypothesis, factors, feedback: { ...feedback, weakestStep: "parameters" } });
      expect(m.blamedStep).toBe("parameters");
      expect(m.hypothesis).toEqual(hypothesis);
      expect(m.factors).toHaveLength(factors.length);
      m.factors.forEach((f, i) => {
        const parent = parseExpr(factors[i]!.expression, "quanta");
        const child = parseExpr(f.expression, "quanta");
        expect(shapeKey(child)).toBe(shapeKey(parent)); // operators and fields untouched
        expect(structuralKey(child)).not.toBe(structuralKey(parent)); // windows moved
      });
      // the analyst asked for longer windows
      expect(m.factors[0]!.expression).toMatch(/TS_PCTCHANGE\(\$close,(10|20)\)/);
    });

    it("structure: same hypothesis, each factor edited by one operator, field or regime change", async () => {
      const m = await agent.mutate({ direction, hypothesis, factors, feedback: { ...feedback, weakestStep: "structure" } });
      expect(m.blamedStep).toBe("structure");
      expect(m.hypothesis).toEqual(hypothesis);
      m.factors.forEach((f, i) => {
        const parent = parseExpr(factors[i]!.expression, "quanta");
        const child = parseExpr(f.expression, "quanta");
        expect(shapeKey(child)).not.toBe(shapeKey(parent));
        // the parent's windows are all still there (parameters were not the blamed step)
        const wins = (e: typeof parent) => slots(e).filter((s) => s.node.kind === "num").map((s) => (s.node.kind === "num" ? s.node.value : 0));
        for (const w of wins(parent)) expect(wins(child)).toContain(w);
      });
      expect(m.changes).toMatch(/operator|field|regime|active only/);
    });

    it("hypothesis: a new hypothesis in the same mechanism, factors rebuilt from it", async () => {
      const m = await agent.mutate({ direction, hypothesis, factors, feedback: { ...feedback, weakestStep: "hypothesis" } });
      expect(m.blamedStep).toBe("hypothesis");
      expect(m.hypothesis.hypothesis).not.toBe(hypothesis.hypothesis);
      expect(m.hypothesis.mechanism.startsWith("reversal:")).toBe(true);
      expect(m.hypothesis.horizonDays).toBeLessThanOrEqual(10); // keeps the direction's short horizon
      for (const f of m.factors) expect(factors.map((p) => p.expression)).not.toContain(f.expression);
    });
  });

  it("crossover children graft subtrees of both parents, or carry one parent's construction to the other's horizon", async () => {
    const agent = new OfflineAgent({ seed: 9 });
    for (let seed = 0; seed < 6; seed++) {
      const x = await agent.crossover(
        { parents: [{ hypothesis, factors, reward: 0.04 }, { hypothesis: hypothesis2, factors: factors2, reward: 0.03 }] },
        { seed },
      );
      expect(x.factors.length).toBeGreaterThanOrEqual(2);
      const keysOf = (fs: FactorSpec[]) => {
        const out = new Set<string>();
        for (const f of fs) for (const s of slots(parseExpr(f.expression, "quanta"))) if (size(s.node) >= 2) out.add(structuralKey(s.node));
        return out;
      };
      const fromA = keysOf(factors);
      const fromB = keysOf(factors2);
      let grafts = 0;
      x.factors.forEach((f, k) => {
        const from = x.inherited[k]!;
        if (/ from parent \d at the horizon of parent \d$/.test(from)) {
          // a transfer: the mechanism of one parent, rebuilt at the other's horizon
          expect(f.description).toMatch(/the construction of parent \d at the \d+-day horizon of parent \d/);
          return;
        }
        grafts++;
        const childKeys = [...keysOf([f])];
        expect(childKeys.some((key) => fromA.has(key))).toBe(true);
        expect(childKeys.some((key) => fromB.has(key))).toBe(true);
      });
      expect(grafts).toBeGreaterThanOrEqual(1);
      expect(x.hypothesis.fields).toEqual(expect.arrayContaining(["$close", "$volume"]));
      expect(x.inherited.length).toBe(x.factors.length);
    }
  });

  describe("analyst names the weakest step from the metrics", () => {
    const agent = new OfflineAgent({ seed: 1 });
    const h: Hypothesis = hypothesis;
    it("no signal anywhere → hypothesis", async () => {
      const r = await agent.analyze({ hypothesis: h, factors: withMetrics(factors, [0.002, -0.004, 0.001]), reward: 0.001 });
      expect(r.weakestStep).toBe("hypothesis");
    });
    it("overfit (train ≫ valid) → structure", async () => {
      const fs = factors.map((f) => ({ ...f, metrics: { rankIc: 0.03, trainRankIc: 0.05, validRankIc: 0.01 } }));
      expect((await agent.analyze({ hypothesis: h, factors: fs, reward: 0.01 })).weakestStep).toBe("structure");
    });
    it("all factors failing gates → structure", async () => {
      const fs = factors.map((f) => ({ ...f, gate: { passed: false, reason: "too complex" } }));
      expect((await agent.analyze({ hypothesis: h, factors: fs, reward: null })).weakestStep).toBe("structure");
    });
    it("steady but weak signal → parameters, with a window direction", async () => {
      const r = await agent.analyze({ hypothesis: h, factors: withMetrics(factors, [0.02, 0.018, 0.017]).map((f) => ({ ...f, metrics: { ...f.metrics, rankIcir: 0.05 } })), reward: 0.02 });
      expect(r.weakestStep).toBe("parameters");
      expect(r.suggestions.join(" ")).toMatch(/lengthen/);
    });
  });

  describe("judge checks fields and horizon", () => {
    const agent = new OfflineAgent({ seed: 1 });
    const f = (expression: string): FactorSpec => ({ name: "f", description: "d", formulation: "x", expression });
    it("accepts a factor on the hypothesis's fields and horizon", async () => {
      expect(await agent.judge({ hypothesis, factor: f("-TS_PCTCHANGE($close,5)") })).toMatchObject({ verdict: "consistent", severity: "none" });
    });
    it("rejects a factor on unrelated fields, with a correction that uses them", async () => {
      const v = await agent.judge({ hypothesis, factor: f("-TS_STD($volume,5)") });
      expect(v).toMatchObject({ verdict: "inconsistent", severity: "major" });
      const fixed = parseExpr(v.correctedExpression!, "quanta");
      expect([...fieldsOf(fixed)].some((x) => x === "close" || x === "return")).toBe(true);
    });
    it("flags a horizon mismatch and rescales the windows", async () => {
      const v = await agent.judge({ hypothesis, factor: f("-TS_PCTCHANGE($close,120)") });
      expect(v).toMatchObject({ verdict: "inconsistent", severity: "minor" });
      expect(v.correctedExpression).toBe("-TS_PCTCHANGE($close,5)");
    });
    it("reports an expression that does not parse", async () => {
      const v = await agent.judge({ hypothesis, factor: f("TS_MEAN($close,") });
      expect(v.verdict).toBe("inconsistent");
      expect(v.reason).toMatch(/does not parse/);
    });
  });

  describe("repairer", () => {
    const agent = new OfflineAgent({ seed: 1 });
    const fix = (expression: string, error: string, kind?: "complexity" | "redundancy") =>
      agent.repair({ factor: { name: "f", description: "d", formulation: "x", expression }, error, ...(kind ? { kind } : {}), hypothesis });
    it("fixes syntax, qlib names, look-ahead and missing fields", async () => {
      expect((await fix("TS_MEAN(close, 5", "expected ')'")).expression).toBe("TS_MEAN($close,5)");
      expect((await fix("Mean($close, 5)/Ref($close,-1)", "unknown operator 'Mean'")).expression).toBe("TS_MEAN($close,5)/DELAY($close,1)");
      expect((await fix("DELAY($close,-2)", "negative shift -2 looks into the future")).expression).toBe("DELAY($close,2)");
      expect((await fix("TS_MEAN($vwap,5)", "field $vwap is not in the data")).expression).toBe("TS_MEAN($close,5)");
    });
    it("simplifies an over-complex expression until the gate passes", async () => {
      const long = Array.from({ length: 12 }, (_, i) => `TS_MEAN($close,${i + 2})`).join("+");
      const r = await fix(long, "expression is 260 characters long (limit 250): simplify it", "complexity");
      expect(r.expression.length).toBeLessThanOrEqual(250);
      assertEmittable(r.expression);
    });
    it("changes the shared part for a redundancy error", async () => {
      const expr = "TS_MEAN(($close-$low)/($high-$low+1e-8),5)";
      const r = await fix(expr, "shares ($close-$low)/($high-$low+1e-8) with KLOW", "redundancy");
      expect(r.expression).not.toBe(expr);
      assertEmittable(r.expression);
    });
    it("always returns something that parses, even from garbage", async () => {
      for (const junk of ["", "import os; os.system('x')", "((((", "$close +* 3"]) {
        const r = await fix(junk || "x", "parse error");
        assertEmittable(r.expression);
      }
    });
  });

  it("counts calls per role and logs them in the LLM call shape", async () => {
    const records: unknown[] = [];
    const agent = new OfflineAgent({ seed: 1, sink: (r) => records.push(r) });
    await agent.plan({ n: 2 }, { seed: 7 });
    await agent.judge(SAMPLE_INPUTS.judge);
    expect(agent.ledger.role("planner").calls).toBe(1);
    expect(agent.ledger.role("judge").calls).toBe(1);
    expect(records[0]).toMatchObject({ role: "planner", provider: "offline", model: "offline-gp", tokensIn: 0, tokensOut: 0, seed: 7 });
    expect((records[0] as { promptHash: string }).promptHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("rejects a cancelled call", async () => {
    const ctl = new AbortController();
    ctl.abort();
    await expect(new OfflineAgent().plan({ n: 1 }, { signal: ctl.signal })).rejects.toThrow(/cancelled/);
  });
});

describe("offline proposer on odd input", () => {
  const agent = new OfflineAgent({ seed: 2 });
  it("rebuilds factors when the parent has none left", async () => {
    const m = await agent.mutate({ hypothesis, factors: [], feedback });
    expect(m.hypothesis).toEqual(hypothesis);
    expect(m.factors.length).toBeGreaterThan(0);
  });
  it("maps free-text directions and hypotheses (from an LLM) onto its catalogue", async () => {
    const h = await agent.hypothesize({ direction: { id: "x", title: "Volume-confirmed trends", mechanism: "price and volume divergence", horizon: "long", data: "price-volume", rationale: "r" } });
    expect(h.mechanism.startsWith("divergence:")).toBe(true);
    expect(h.horizonDays).toBeGreaterThanOrEqual(20);
    const c = await agent.construct({ hypothesis: { ...hypothesis2, mechanism: "Stocks with falling volatility rally" }, n: 2 });
    expect(c.factors).toHaveLength(2);
  });
  it("fails a crossover without usable parents with a typed error", async () => {
    const bad = { hypothesis, factors: [{ name: "b", description: "d", formulation: "f", expression: "not an expression (" }], reward: 0.1 };
    await expect(agent.crossover({ parents: [bad, bad] })).rejects.toThrow(/crossover needs two parents/);
  });
});
