import { beforeAll, describe, expect, it } from "vitest";
import { parseExpr } from "../../factors/parser.ts";
import { printExpr } from "../../factors/printer.ts";
import type { Agent, CallOptions, JudgeInput, RepairInput } from "../../agents/roles.ts";
import type { JudgeOutput, RepairerOutput } from "../../agents/schemas.ts";
import { UsageLedger } from "../../agents/accounting.ts";
import { processCandidate } from "../../src/evolution/candidate.ts";
import type { SlotContext } from "../../src/evolution/context.ts";
import { CorrelationStore } from "../../src/evolution/correlation.ts";
import { InProcessEvaluator } from "../../src/evolution/evaluator.ts";
import {
  complexityGate,
  correlationGate,
  evaluationGate,
  fieldsGate,
  parseGates,
  redundancyGate,
} from "../../src/evolution/gates.ts";
import { prepareMiningData, type MiningData } from "../../src/evolution/mining-data.ts";
import { factorMetrics } from "../../src/evolution/scoring.ts";
import { AgentSession } from "../../src/evolution/session.ts";
import { DEFAULT_GATES, PAPER_SETTINGS } from "../../src/evolution/settings.ts";
import { ValueCache } from "../../src/evolution/values.ts";
import { FactorZoo, alpha158 } from "../../src/evolution/zoo.ts";
import { TINY_RANGES, tinyMarket } from "./helpers.ts";

const G = { ...DEFAULT_GATES, minIcDays: 10 };
let data: MiningData;
let zoo: FactorZoo;
let values: ValueCache;

beforeAll(async () => {
  const evaluator = new InProcessEvaluator();
  data = await prepareMiningData(tinyMarket().panel, { train: TINY_RANGES.train, valid: TINY_RANGES.valid }, evaluator);
  values = new ValueCache(evaluator, data);
  zoo = new FactorZoo(new CorrelationStore(data.panel, data.valid.window()));
  zoo.addReference(alpha158());
  const accepted = "-TS_PCTCHANGE($close,5)";
  const v = await values.get(accepted);
  zoo.accept({ name: "rev5", canonical: accepted, expr: parseExpr(accepted, "quanta"), values: v, score: 0.03 });
});

describe("gates", () => {
  it("parse and look-ahead tell a syntax error from a future reference", () => {
    const bad = parseGates("TS_MEAN($close,");
    expect(bad.expr).toBeUndefined();
    expect(bad.results.at(-1)).toMatchObject({ gate: "parse", passed: false });
    expect(bad.results.at(-1)!.message).toMatch(/does not parse/);
    const future = parseGates("DELAY($close,-1)/$close");
    expect(future.expr).toBeUndefined();
    expect(future.results.map((r) => [r.gate, r.passed])).toEqual([
      ["parse", true],
      ["lookahead", false],
    ]);
    expect(parseGates("TS_MEAN($close,5)").expr).toBeDefined();
  });

  it("fields, complexity and redundancy reject with reasons that name the problem", () => {
    const f = fieldsGate(parseExpr("$close/$turnover", "quanta"), data.fields);
    expect(f.passed).toBe(false);
    expect(f.message).toContain("$turnover");

    const long = Array.from({ length: 30 }, (_, i) => `TS_MEAN($close,${i + 2})`).join("+");
    const c = complexityGate(parseExpr(long, "quanta"), G);
    expect(c.passed).toBe(false);
    expect(c.message).toMatch(/characters long/);
    expect(c.details["symbolLength"]).toBeGreaterThan(250);
    expect(complexityGate(parseExpr("TS_QUANTILE($close,5,0.5)", "quanta"), G).message).toMatch(/numeric literals/);

    // RSV5 of Alpha158 written in the quanta dialect: a 15-node common subtree.
    const rsv = parseExpr("($close-TS_MIN($low,5))/(TS_MAX($high,5)-TS_MIN($low,5)+1e-12)", "quanta");
    const r = redundancyGate(rsv, printExpr(rsv), zoo, G);
    expect(r.passed).toBe(false);
    expect(r.message).toContain("alpha158:RSV5");
    expect(r.details["commonSubtree"]).toBeGreaterThan(8);
    const dup = parseExpr("-TS_PCTCHANGE($close, 5)", "quanta");
    expect(redundancyGate(dup, printExpr(dup), zoo, G)).toMatchObject({ gate: "duplicate", passed: false });
    const fresh = parseExpr("TS_CORR($close,$volume,10)", "quanta");
    expect(redundancyGate(fresh, printExpr(fresh), zoo, G).passed).toBe(true);
  });

  it("evaluation and value correlation gates, with the clear-improvement exception", async () => {
    expect(evaluationGate({ train: { ic: NaN, icir: NaN, rankIc: NaN, rankIcir: NaN, rankDays: 0 }, valid: { ic: NaN, icir: NaN, rankIc: NaN, rankIcir: NaN, rankDays: 0 } }, G).passed).toBe(false);
    // Same ranks as the accepted factor (a monotone transform): correlation 1.
    const twin = await values.get("-TS_PCTCHANGE($close,5)*2");
    const weak = { ...factorMetrics(data, twin), valid: { ic: 0.01, icir: 0.1, rankIc: 0.01, rankIcir: 0.1 } };
    const cg = correlationGate("twin", twin, weak, zoo, G);
    expect(cg.passed).toBe(false);
    expect(cg.message).toContain("rev5");
    expect(cg.details["corr"]).toBeCloseTo(1, 6);
    const strong = { ...weak, valid: { ic: 0.05, icir: 0.3, rankIc: 0.05, rankIcir: 0.3 } };
    expect(correlationGate("twin", twin, strong, zoo, G).passed).toBe(true); // 0.05 ≥ 1.2 × 0.03
    expect(correlationGate("twin", twin, strong, zoo, { ...G, improvementMargin: 0 }).passed).toBe(false);
  });
});

/** An agent whose judge and repairer are scripted; the other roles are never called here. */
function scriptedAgent(judge: (i: JudgeInput) => JudgeOutput, repair: (i: RepairInput) => RepairerOutput): Agent & { repairs: number; judged: number } {
  const never = () => Promise.reject(new Error("not used"));
  const agent = {
    provider: "test",
    model: "scripted",
    ledger: new UsageLedger(),
    repairs: 0,
    judged: 0,
    plan: never,
    hypothesize: never,
    construct: never,
    analyze: never,
    mutate: never,
    crossover: never,
    judge: async (i: JudgeInput, _o?: CallOptions) => {
      agent.judged++;
      return judge(i);
    },
    repair: async (i: RepairInput, _o?: CallOptions) => {
      agent.repairs++;
      return repair(i);
    },
  };
  return agent;
}

const HYP = { hypothesis: "short-term losers rebound", rationale: "liquidity provision", mechanism: "reversal", fields: ["$close"], horizonDays: 5 };
const ok: JudgeOutput = { verdict: "consistent", severity: "none", reason: "fine", correctedExpression: null };

function ctxWith(agent: Agent, maxRepairs = 2): { ctx: SlotContext; session: AgentSession } {
  const ctx: SlotContext = {
    data,
    settings: { ...PAPER_SETTINGS, maxRepairs, gates: G },
    zoo,
    values,
    metrics: (_c, v) => factorMetrics(data, v),
    agent,
    campaignId: "t",
    campaignSeed: 1,
    signal: new AbortController().signal,
    now: () => "2020-01-01T00:00:00.000Z",
    avoid: [],
  };
  return { ctx, session: new AgentSession(agent, { campaignSeed: 1, key: "r0/s0", round: 0, trajectoryId: null }) };
}

describe("repairs are bounded", () => {
  const spec = { name: "f", description: "d", formulation: "x", expression: "TS_MEAN($close," };

  it("a factor the repairer cannot fix is rejected after maxRepairs attempts, with the gate's reason", async () => {
    for (const k of [0, 2]) {
      const agent = scriptedAgent(() => ok, (i) => ({ expression: `${i.factor.expression})(`, explanation: "tried" }));
      const { ctx, session } = ctxWith(agent, k);
      const out = await processCandidate(ctx, session, HYP, spec, []);
      expect(agent.repairs).toBe(k);
      expect(out.candidate.status).toBe("rejected");
      expect(out.candidate.repairs).toHaveLength(k);
      if (out.candidate.status === "rejected") {
        expect(out.candidate.rejection.gate).toBe("parse");
        expect(out.candidate.rejection.reason).toMatch(/does not parse/);
      }
    }
  });

  it("a repaired factor is accepted and keeps its repair history; a judge's correction needs no repairer", async () => {
    const agent = scriptedAgent(() => ok, () => ({ expression: "TS_CORR($close,$volume,10)", explanation: "closed the call" }));
    const { ctx, session } = ctxWith(agent);
    const out = await processCandidate(ctx, session, HYP, spec, []);
    expect(out.candidate.status).toBe("accepted");
    expect(out.candidate.repairs).toEqual([
      expect.objectContaining({ attempt: 1, gate: "parse", before: "TS_MEAN($close,", after: "TS_CORR($close,$volume,10)" }),
    ]);
    expect(out.candidate.gates.map((g) => g.gate)).toEqual(["parse", "lookahead", "fields", "consistency", "complexity", "redundancy", "evaluation", "correlation"]);

    const judged = scriptedAgent(
      (i) =>
        i.factor.expression.includes("$volume")
          ? { verdict: "inconsistent", severity: "major", reason: "the hypothesis is about prices", correctedExpression: "-TS_MEAN($return,10)" }
          : ok,
      () => ({ expression: "never", explanation: "never" }),
    );
    const j = ctxWith(judged);
    const out2 = await processCandidate(j.ctx, j.session, HYP, { ...spec, expression: "TS_CORR($close,$volume,10)" }, []);
    expect(judged.repairs).toBe(0);
    expect(out2.candidate.status).toBe("accepted");
    expect(out2.candidate.expression).toBe("-TS_MEAN($return,10)");
    expect(out2.candidate.repairs[0]).toMatchObject({ gate: "consistency" });
  });
});
