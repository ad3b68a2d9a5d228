/**
 * The campaign report's data (rendered by src/report): ranges, final-pool metrics and backtest,
 * the daily IC of the combined score, the pool's correlation matrix, the factor table, the
 * evolution's lineage tree and, on synthetic data, the planted signals next to what was mined.
 */
import type { Panel } from "../../factors/panel.ts";
import type { SyntheticMarket } from "../data/synthetic/market.ts";
import type { FactorLibrary } from "../library/index.ts";
import type { ReportDataInput } from "../report/index.ts";
import { acceptedFactors } from "../evolution/types.ts";
import type { CampaignConfig, ResolvedRanges } from "./config.ts";
import type { FinalResult } from "./final.ts";

export interface ReportInputs {
  readonly config: CampaignConfig;
  readonly campaignId: string;
  readonly panel: Panel;
  readonly fingerprint: string;
  readonly ranges: ResolvedRanges;
  readonly library: FactorLibrary;
  readonly final: FinalResult;
  readonly benchmarkLabel: string;
  readonly market?: SyntheticMarket;
  readonly oracle?: { valid: number; test: number };
  readonly notes: readonly string[];
}

const short = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

function riskOf(m: { arr: number; ir: number; mdd: number; calmar: number }) {
  return { arr: m.arr, ir: m.ir, mdd: m.mdd, calmar: m.calmar };
}

/** For each planted signal, the pool factor most correlated with it on mining-valid. */
function oracleSection(market: SyntheticMarket, final: FinalResult): NonNullable<ReportDataInput["oracle"]> {
  const signals = market.planted.map((s) => {
    const score = market.scores.get(s.name);
    let matched: { name: string; corr: number } | undefined;
    if (score && final.pool.length > 0 && final.store.size > 0) {
      const hit = final.store.mostCorrelated(score);
      if (hit.key !== "") matched = { name: hit.name, corr: hit.corr };
    }
    return {
      name: s.name,
      description: s.description,
      expression: s.expression,
      trueIc: market.trueIc.byName[s.name]?.rankIc ?? null,
      ...(matched ? { matchedFactor: matched.name, matchCorr: matched.corr } : {}),
    };
  });
  return {
    note: "The synthetic market's planted alphas, their realised RankIC over the whole sample, and the final-pool factor whose values correlate most with each (mean daily rank correlation on mining-valid).",
    signals,
  };
}

export function campaignReportData(i: ReportInputs): ReportDataInput {
  const { config, final, panel, ranges } = i;
  const rangeSpecs = [
    { name: "train", start: ranges.train.start, end: ranges.train.end },
    { name: "valid", start: ranges.valid.start, end: ranges.valid.end },
    { name: "test", start: ranges.test.start, end: ranges.test.end },
  ];
  const metrics = final.ranges.map((r) => ({
    range: r.name,
    ic: r.ic.ic,
    icir: r.ic.icir,
    rankIc: r.ic.rankIc,
    rankIcir: r.ic.rankIcir,
    withCost: riskOf(r.summary.excessWithCost),
    withoutCost: riskOf(r.summary.excess),
    turnover: r.summary.turnover,
    winRate: r.summary.excessWithCost.winRate,
  }));
  const test = final.ranges.find((r) => r.name === "test");
  const icDates: string[] = [];
  const ic: number[] = [];
  const rankIc: number[] = [];
  for (const r of final.ranges) {
    for (let k = 0; k < r.daily.ic.length; k++) {
      icDates.push(panel.dates[r.daily.from + k]!);
      ic.push(r.daily.ic[k]!);
      rankIc.push(r.daily.rankIc[k]!);
    }
  }
  const inPool = new Set(final.pool.map((p) => p.id));
  const accepted = i.library.listFactors({ campaign: i.campaignId, status: "active", split: "valid", sort: "rankIc" });
  const factorRows = [
    ...final.pool.map((p) => p.stored),
    ...accepted.filter((f) => !inPool.has(f.id)).slice(0, Math.max(0, 60 - final.pool.length)),
  ].map((f) => ({
    name: f.name,
    expression: f.expression,
    dialect: f.dialect,
    hypothesis: f.hypothesis,
    description: f.description,
    status: inPool.has(f.id) ? "final pool" : "accepted",
    metrics: Object.fromEntries(Object.entries(f.metrics).map(([k, m]) => [k, { ic: m.ic, icir: m.icir, rankIc: m.rankIc, rankIcir: m.rankIcir }])),
  }));
  const lineage = i.library.campaignLineage(i.campaignId);
  const settings: Record<string, string | number | boolean> = {
    "final model": final.model,
    "pool size": `${final.pool.length} (cap ${final.cap}, of ${final.candidates} accepted)`,
    provider: config.agent.provider,
    ...(config.agent.model ? { model: config.agent.model } : {}),
    seed: config.seed,
    directions: config.evolution.directions,
    rounds: config.evolution.rounds,
    "factors per hypothesis": config.evolution.factorsPerHypothesis,
    topk: config.backtest.topk,
    n_drop: config.backtest.nDrop,
    "deal price": config.backtest.dealPrice,
    "days per year (N)": config.backtest.annualization,
    benchmark: i.benchmarkLabel,
  };
  return {
    title: `quanta mine — ${config.name}`,
    campaign: i.campaignId,
    data: {
      source: config.data.source,
      instruments: panel.nInst,
      ...(panel.nDates > 0 ? { firstDate: panel.dates[0]!, lastDate: panel.dates[panel.nDates - 1]! } : {}),
      ...(config.data.universe ? { universe: config.data.universe } : {}),
      benchmark: i.benchmarkLabel,
      fingerprint: i.fingerprint,
    },
    ranges: rangeSpecs,
    settings,
    notes: [
      `Mining read only data up to ${ranges.valid.end} (the end of mining-valid); the test range was first read by the final backtest.`,
      ...(i.oracle ? [`Planted-signal oracle RankIC: valid ${i.oracle.valid.toFixed(4)}, test ${i.oracle.test.toFixed(4)}.`] : []),
      ...final.notes,
      ...i.notes,
    ],
    metrics,
    ...(test
      ? {
          backtest: {
            dates: test.backtest.dates as string[],
            return: test.backtest.ret,
            bench: test.backtest.bench,
            cost: test.backtest.cost,
            turnover: test.backtest.turnover,
          },
        }
      : {}),
    ...(icDates.length > 0 ? { icDaily: { dates: icDates, ic, rankIc, window: 20 } } : {}),
    ...(final.pool.length > 1 ? { correlation: final.correlation } : {}),
    factors: factorRows,
    lineage: {
      nodes: lineage.nodes.map((t) => ({
        id: t.id,
        label: short(`${t.hypothesis.statement} [${acceptedFactors(t).length}/${t.factors.length} accepted]`, 160),
        phase: t.phase,
        round: t.round,
        reward: t.reward,
        direction: t.direction,
      })),
      edges: lineage.edges.map((e) => ({ parent: e.parent, child: e.child })),
    },
    ...(i.market ? { oracle: oracleSection(i.market, final) } : {}),
  };
}
