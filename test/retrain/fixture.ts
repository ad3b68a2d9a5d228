/**
 * A small synthetic market with planted signals (one of which, low_volatility, fades to zero at
 * 55–75% of the sample), and a library holding the planted expressions with metrics measured on
 * an early window, as if mined then. "Extending the data" = the same market's later days.
 */
import { join } from "node:path";
import { generateSyntheticMarket, type SyntheticMarket } from "../../src/data/synthetic/market.ts";
import { restrictPanel } from "../../src/data/restrict.ts";
import { writeLongCsv } from "../../src/data/long-export.ts";
import type { Panel } from "../../factors/panel.ts";
import { FactorLibrary } from "../../src/library/index.ts";
import { prepareImport } from "../../src/review/import.ts";
import { evaluateStoredFactors } from "../../src/review/values.ts";
import { windowMetrics } from "../../src/review/metrics.ts";
import { parseExpr } from "../../factors/parser.ts";
import { printExpr } from "../../factors/printer.ts";
import { TrajectorySchema } from "../../src/evolution/types.ts";
import { roundEndState } from "../../src/evolution/state.ts";

export const MARKET = { seed: 1, instruments: 120, days: 800 } as const;
/** Last date index of the "early" data the library was built on (45% of the sample). */
export const EARLY_END = 360;
export const DECAYING = "low_volatility";

let cached: SyntheticMarket | undefined;
export function market(): SyntheticMarket {
  cached ??= generateSyntheticMarket(MARKET);
  return cached;
}

export function earlyPanel(): Panel {
  const m = market();
  return restrictPanel(m.panel, { end: m.panel.dates[EARLY_END]! }, "synthetic");
}

/** Import the planted expressions into a library with `valid` metrics from dates 60..EARLY_END. */
export async function buildPlantedLibrary(path: string): Promise<number[]> {
  const m = market();
  const early = earlyPanel();
  const inputs = prepareImport(
    m.planted.map((p) => ({ name: p.name, expression: p.expression, dialect: "quanta" as const, description: p.description, where: "planted" })),
  );
  const ev = await evaluateStoredFactors(
    early,
    inputs.map((f, k) => ({ id: k + 1, name: f.name, expression: f.expression, dialect: "quanta" as const })),
  );
  const metrics = windowMetrics(
    early,
    ev.evaluated.map((e) => e.values),
    { from: 60, to: early.nDates - 1 },
  );
  const lib = FactorLibrary.open(path);
  try {
    return lib.importFactors(inputs.map((f, k) => ({ ...f, metrics: { valid: metrics[k]! } }))).ids;
  } finally {
    lib.close();
  }
}

/** Write the early and the full (extended) data as long CSV files in `dir`. */
export async function writeMarketCsvs(dir: string): Promise<{ early: string; full: string }> {
  const early = join(dir, "early.csv");
  const full = join(dir, "full.csv");
  await writeLongCsv(early, earlyPanel());
  await writeLongCsv(full, market().panel);
  return { early, full };
}

/** The campaign and trajectories `buildMinedLibrary` writes. */
export const EARLY_CAMPAIGN = "early";
export const MINED_TRAJECTORIES = { decaying: `${EARLY_CAMPAIGN}/r0-s0`, holding: `${EARLY_CAMPAIGN}/r0-s1` } as const;

/**
 * The planted expressions as if a campaign had mined them on the early data: two round-0
 * trajectories (stored with the agents' extras, as the controller stores them), the first holding
 * the decaying signal and reversal_5d, the second the other two. Returns factor ids by name.
 */
export async function buildMinedLibrary(path: string): Promise<Record<string, number>> {
  const m = market();
  const early = earlyPanel();
  const ev = await evaluateStoredFactors(
    early,
    m.planted.map((p, k) => ({ id: k + 1, name: p.name, expression: p.expression, dialect: "quanta" as const })),
  );
  const metrics = windowMetrics(
    early,
    ev.evaluated.map((e) => e.values),
    { from: 60, to: early.nDates - 1 },
  );
  const candidate = (name: string) => {
    const k = m.planted.findIndex((p) => p.name === name);
    const p = m.planted[k]!;
    return {
      status: "accepted" as const,
      name: p.name,
      description: p.description,
      expression: p.expression,
      canonical: printExpr(parseExpr(p.expression, "quanta")),
      metrics: { valid: metrics[k]! },
    };
  };
  const groups = [
    { id: MINED_TRAJECTORIES.decaying, names: [DECAYING, "reversal_5d"], mechanism: "volatility", hypothesis: "Calm stocks and short-term losers outperform." },
    { id: MINED_TRAJECTORIES.holding, names: ["volume_price_divergence", "close_location"], mechanism: "liquidity", hypothesis: "Price moves unconfirmed by volume and weak closes revert." },
  ];
  const lib = FactorLibrary.open(path);
  try {
    lib.createCampaign({ id: EARLY_CAMPAIGN, name: "early mining", config: {}, seed: 1, dataFingerprint: "early" });
    const nodes = groups.map((g, slot) => ({
      trajectory: TrajectorySchema.parse({
        id: g.id,
        campaignId: EARLY_CAMPAIGN,
        round: 0,
        phase: "original",
        parents: [],
        direction: g.mechanism,
        hypothesis: { statement: g.hypothesis, rationale: "planted" },
        factors: g.names.map(candidate),
        reward: 0.05 - slot * 0.01,
        feedback: { blamedStep: "parameters", text: "tune the windows" },
        createdAt: "2024-01-01T00:00:00.000Z",
      }),
      hypothesis: { hypothesis: g.hypothesis, rationale: "planted", mechanism: g.mechanism, fields: ["$close", "$volume"], horizonDays: 10 },
      analysis: { weakestStep: "parameters" as const, feedback: "tune the windows", observations: "both factors carry signal", suggestions: ["try other windows"] },
      directionIds: [g.mechanism],
    }));
    lib.atomically(() => {
      for (const n of nodes) lib.recordTrajectory(n.trajectory);
      lib.appendCheckpoint(EARLY_CAMPAIGN, { round: 0, step: "round-end", state: roundEndState(nodes) });
    });
    lib.finishCampaign(EARLY_CAMPAIGN, { status: "finished", summary: {} });
    return Object.fromEntries(lib.listFactors({ campaign: EARLY_CAMPAIGN, sort: "id" }).map((f) => [f.name, f.id]));
  } finally {
    lib.close();
  }
}
