/**
 * One factor candidate through the gates, with bounded repair: run the gates; if one fails, the
 * repairer (or the judge's own correction) rewrites the expression with the gate's message, at
 * most `maxRepairs` times; then the candidate is rejected with the last failing gate's reason.
 * The loop runs at most maxRepairs + 1 times — never unbounded.
 */
import type { Expr } from "../../factors/ast.ts";
import { printExpr } from "../../factors/printer.ts";
import type { Hypothesis as AgentHypothesis, FactorSpec } from "../../agents/schemas.ts";
import type { RepairKind } from "../../agents/roles.ts";
import type { AcceptedCandidate, FactorCandidate, GateName, GateResult, Repair, SplitMetrics } from "./types.ts";
import {
  complexityGate,
  correlationGate,
  evaluationError,
  evaluationGate,
  fail,
  fieldsGate,
  parseGates,
  pass,
  redundancyGate,
} from "./gates.ts";
import type { SlotContext } from "./context.ts";
import type { AgentSession } from "./session.ts";
import { firstLine as errorText, isAgentFailure, isStop } from "./errors.ts";

/** A candidate that passed every gate, with its values (for the reward and round-end checks). */
export interface PassedCandidate {
  readonly candidate: AcceptedCandidate;
  readonly values: Float64Array;
}

export interface CandidateOutcome {
  readonly candidate: FactorCandidate;
  readonly values?: Float64Array;
}

interface GateRun {
  readonly results: GateResult[];
  readonly failed?: GateResult;
  /** The judge's corrected expression, used as the repair of a consistency failure. */
  readonly judgeFix?: string;
  readonly canonical?: string;
  readonly expr?: Expr;
  readonly values?: Float64Array;
  readonly metrics?: SplitMetrics;
}

const REPAIR_KIND: Record<GateName, RepairKind> = {
  parse: "parse",
  lookahead: "lookahead",
  fields: "field",
  consistency: "consistency",
  complexity: "complexity",
  redundancy: "redundancy",
  correlation: "redundancy",
  duplicate: "redundancy",
  evaluation: "other",
};

async function runGates(
  ctx: SlotContext,
  session: AgentSession,
  hypothesis: AgentHypothesis,
  spec: FactorSpec,
  text: string,
  siblings: readonly string[],
): Promise<GateRun> {
  const { settings, data, zoo } = ctx;
  const g = settings.gates;
  const results: GateResult[] = [];
  const stop = (r: GateResult, extra: Partial<GateRun> = {}): GateRun => ({ results: [...results, r], failed: r, ...extra });

  const parsed = parseGates(text);
  if (!parsed.expr) return { results: parsed.results, failed: parsed.results.find((r) => !r.passed)! };
  results.push(...parsed.results);
  const expr = parsed.expr;

  const fields = fieldsGate(expr, data.fields);
  if (!fields.passed) return stop(fields);
  results.push(fields);

  if (g.judge) {
    let verdict;
    try {
      verdict = await session.call("judge", (a, o) => a.judge({ hypothesis, factor: { ...spec, expression: text }, fields: data.fields }, o));
    } catch (err) {
      if (!isAgentFailure(err)) throw err;
      return stop(fail("consistency", `the consistency judge could not be reached: ${errorText(err)}`));
    }
    if (verdict.verdict === "inconsistent" && verdict.severity === "major") {
      const fix = verdict.correctedExpression?.trim();
      return stop(fail("consistency", `inconsistent with the hypothesis: ${verdict.reason}`, { severity: verdict.severity }), {
        ...(fix && fix !== text ? { judgeFix: fix } : {}),
      });
    }
    results.push(pass("consistency", verdict.reason, { verdict: verdict.verdict, severity: verdict.severity }));
  }

  const complexity = complexityGate(expr, g);
  if (!complexity.passed) return stop(complexity);
  results.push(complexity);

  const canonical = printExpr(expr);
  if (siblings.includes(canonical)) {
    return stop(fail("duplicate", "the same expression is already a factor of this trajectory"));
  }
  const redundancy = redundancyGate(expr, canonical, zoo, g);
  if (!redundancy.passed) return stop(redundancy);
  results.push(redundancy);

  let values: Float64Array;
  let metrics: SplitMetrics;
  try {
    values = await ctx.values.get(canonical);
    metrics = ctx.metrics(canonical, values);
  } catch (err) {
    if (isStop(err)) throw err;
    return stop(evaluationError(err));
  }
  const evaluation = evaluationGate(metrics, g);
  if (!evaluation.passed) return stop(evaluation, { metrics });
  results.push(evaluation);

  const correlation = correlationGate(canonical, values, metrics, zoo, g);
  if (!correlation.passed) return stop(correlation, { metrics });
  results.push(correlation);
  return { results, canonical, expr, values, metrics };
}

/**
 * Gates and repairs one factor spec. `siblings` are the canonical expressions of the
 * trajectory's earlier passed factors (a duplicate among them is rejected).
 */
export async function processCandidate(
  ctx: SlotContext,
  session: AgentSession,
  hypothesis: AgentHypothesis,
  spec: FactorSpec,
  siblings: readonly string[],
): Promise<CandidateOutcome> {
  const repairs: Repair[] = [];
  const base = { name: spec.name, description: spec.description, formulation: spec.formulation, dialect: "quanta" as const };
  let text = spec.expression.trim();
  for (let attempt = 0; ; attempt++) {
    const run = await runGates(ctx, session, hypothesis, spec, text, siblings);
    if (!run.failed) {
      return {
        candidate: {
          ...base,
          expression: text,
          status: "accepted",
          canonical: run.canonical!,
          metrics: run.metrics!,
          gates: run.results,
          repairs,
        },
        values: run.values!,
      };
    }
    const failed = run.failed;
    const reject = (note = ""): CandidateOutcome => ({
      candidate: {
        ...base,
        expression: text,
        status: "rejected",
        ...(run.canonical ? { canonical: run.canonical } : {}),
        metrics: run.metrics ?? {},
        gates: run.results,
        repairs,
        rejection: {
          gate: failed.gate,
          reason: `${failed.message}${note}`,
          ...(typeof failed.details["similarTo"] === "string" && failed.details["similarTo"] !== ""
            ? { similarTo: failed.details["similarTo"] }
            : {}),
        },
      },
    });
    if (attempt >= ctx.settings.maxRepairs) return reject(repairs.length > 0 ? ` (after ${repairs.length} repair${repairs.length > 1 ? "s" : ""})` : "");

    let after: string;
    if (run.judgeFix) {
      after = run.judgeFix;
    } else {
      try {
        const reply = await session.call("repairer", (a, o) =>
          a.repair(
            {
              factor: { ...spec, expression: text },
              error: failed.message,
              kind: REPAIR_KIND[failed.gate],
              hypothesis,
              fields: ctx.data.fields,
              attempt: attempt + 1,
            },
            o,
          ),
        );
        after = reply.expression.trim();
      } catch (err) {
        if (!isAgentFailure(err)) throw err;
        return reject(`; the repairer failed: ${errorText(err)}`);
      }
    }
    repairs.push({ attempt: attempt + 1, gate: failed.gate, error: failed.message, before: text, after });
    text = after;
  }
}
