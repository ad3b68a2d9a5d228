/**
 * Valid replies of every agent role for campaigns run against the fake chat-completions server
 * (fake-llm-server.ts): a reversal hypothesis and two factors whose windows the caller picks, so
 * tests can make factors differ by call (flaky-llm) or by the request's seed (reply cache).
 */
import { roleOf, type RecordedRequest } from "./fake-llm-server.ts";

export const HYP = { hypothesis: "Recent losers rebound over the next days.", rationale: "overreaction reverts", mechanism: "reversal", fields: ["$close"], horizonDays: 5 };
export const WINDOWS = [3, 5, 10, 20, 40, 60];

/** The reply for the request's role, with factor windows w (reversal) and w2 (price-volume). */
export function campaignReply(req: RecordedRequest, w: number, w2: number = w): object {
  const factors = [
    { name: `rev_${w}`, description: "negative price change", formulation: "-ret", expression: `-TS_PCTCHANGE($close,${w})` },
    { name: `pv_${w2}`, description: "price-volume correlation", formulation: "-corr", expression: `-TS_CORR($close,LOG($volume+1),${w2})` },
  ];
  switch (roleOf(req)) {
    case "planner":
      return {
        directions: [
          { id: "rev-short", title: "reversal", mechanism: "reversal", horizon: "short", data: "price", rationale: "overreaction" },
          { id: "pv-short", title: "price-volume", mechanism: "divergence", horizon: "short", data: "price-volume", rationale: "confirmation" },
        ],
      };
    case "hypothesis":
      return HYP;
    case "constructor":
      return { factors };
    case "judge":
      return { verdict: "consistent", severity: "none", reason: "reads the named fields", correctedExpression: null };
    case "repairer":
      return { expression: `-TS_MEAN($return,${w})`, explanation: "simpler" };
    case "analyst":
      return { weakestStep: "parameters", feedback: "noisy", observations: "weak", suggestions: ["lengthen the windows"] };
    case "mutator":
      return { blamedStep: "parameters", hypothesis: HYP, factors, changes: "windows" };
    case "crossover":
      return { hypothesis: HYP, factors, rationale: "merge", inherited: ["parent 1"] };
    default:
      return { error: "unknown role" };
  }
}
