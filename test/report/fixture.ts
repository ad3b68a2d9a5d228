/** A seeded, realistic ReportData for tests: train/valid/test ranges, daily series, factors, lineage, oracle. */
import type { ReportDataInput } from "../../src/report/index.ts";
import { mulberry32 as rng } from "../helpers/rng.ts";

export const HOSTILE = `<script>alert("x")</script> & "quoted" 'single' <img src=x onerror=alert(1)>`;


/** Weekday dates from `start` (inclusive) for `n` days, as YYYY-MM-DD. */
export function tradingDates(start: string, n: number): string[] {
  const out: string[] = [];
  const d = new Date(`${start}T00:00:00Z`);
  while (out.length < n) {
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) out.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

export function makeReportData(opts: { days?: number; icDays?: number; factors?: number; seed?: number } = {}): ReportDataInput {
  const rand = rng(opts.seed ?? 7);
  const normal = () => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const icDates = tradingDates("2010-01-04", opts.icDays ?? 2340);
  const days = opts.days ?? 780;
  const btDates = icDates.slice(-days);
  const ret = new Float64Array(days);
  const bench: number[] = [];
  const cost: number[] = [];
  const turnover: number[] = [];
  for (let t = 0; t < days; t++) {
    const b = 0.0002 + 0.012 * normal();
    bench.push(b);
    ret[t] = b + 0.0006 + 0.004 * normal();
    turnover.push(0.08 + 0.04 * rand());
    cost.push(turnover[t]! * 0.001);
  }
  ret[0] = NaN; // first test day holds cash: a missing value must be tolerated
  const ic = icDates.map(() => 0.04 + 0.1 * normal());
  const rankIc = ic.map((x) => x + 0.01 + 0.03 * normal());
  ic[5] = Number.NaN;
  const nf = opts.factors ?? 8;
  const names = Array.from({ length: nf }, (_, i) => (i === 0 ? HOSTILE : `factor_${i}`));
  const matrix = names.map((_, i) => names.map((__, j) => (i === j ? 1 : Math.round((rand() * 1.4 - 0.7) * 1000) / 1000)));
  for (let i = 0; i < nf; i++) for (let j = 0; j < i; j++) matrix[i]![j] = matrix[j]![i]!;
  const nodes = [];
  const edges = [];
  for (let round = 0; round < 5; round++)
    for (let k = 0; k < 4; k++) {
      const id = `t${round}-${k}`;
      const phase = round === 0 ? "original" : round % 2 === 1 ? "mutation" : "crossover";
      nodes.push({ id, label: k === 0 && round === 2 ? HOSTILE : id, phase, round, reward: 0.02 + 0.05 * rand(), direction: `d${k}` } as const);
      if (round > 0) {
        edges.push({ parent: `t${round - 1}-${k}`, child: id });
        if (phase === "crossover") edges.push({ parent: `t${round - 1}-${(k + 1) % 4}`, child: id });
      }
    }
  return {
    title: `quanta report ${HOSTILE}`,
    campaign: `camp-${HOSTILE}`,
    generatedAt: "2024-05-01T12:00:00.000Z",
    data: {
      source: `synthetic ${HOSTILE}`,
      instruments: 300,
      firstDate: icDates[0],
      lastDate: icDates[icDates.length - 1],
      benchmark: "equal-weight universe",
      fingerprint: "abc123",
    },
    ranges: [
      { name: "train", start: "2010-01-01", end: "2014-12-31" },
      { name: "valid", start: "2015-01-01", end: "2015-12-31" },
      { name: "test", start: "2016-01-01", end: "2018-12-31" },
    ],
    settings: { model: "gbdt", topk: 50, n_drop: 5, deal_price: "close", N: 252, hostile: HOSTILE },
    notes: [`Analyst: ${HOSTILE}`],
    metrics: [
      { range: "train", ic: 0.061, icir: 0.52, rankIc: 0.071, rankIcir: 0.6 },
      { range: "valid", ic: 0.048, icir: 0.41, rankIc: 0.057, rankIcir: 0.47 },
      {
        range: "test",
        ic: 0.044,
        icir: 0.35,
        rankIc: 0.06,
        rankIcir: 0.44,
        withCost: { arr: 0.1, ir: 1.2, mdd: -0.08, calmar: 1.25 },
        withoutCost: { arr: 0.15, ir: 1.7, mdd: -0.06, calmar: 2.5 },
        turnover: 0.1,
        winRate: 0.54,
      },
    ],
    backtest: { dates: btDates, return: ret, bench, cost, turnover },
    icDaily: { dates: icDates, ic, rankIc, window: 20 },
    correlation: { names, matrix },
    factors: names.map((name, i) => ({
      name,
      expression: i === 0 ? `TS_MEAN($close, 5) < 3 && "a" & <b>` : `RANK(DELTA($close, ${i + 1}))`,
      dialect: "quanta",
      hypothesis: i === 0 ? HOSTILE : `Short-term reversal over ${i + 1} days`,
      description: i === 0 ? `desc ${HOSTILE}` : undefined,
      status: "accepted",
      metrics: { train: { ic: 0.03 + i / 1000, icir: 0.3, rankIc: 0.04, rankIcir: 0.35 }, valid: { ic: 0.02, rankIc: 0.03 } },
    })),
    lineage: { nodes, edges },
    oracle: {
      note: `Planted ${HOSTILE}`,
      signals: [
        { name: "reversal", description: "5-day reversal", expression: "-DELTA($close,5)", trueIc: 0.03, matchedFactor: "factor_1", matchCorr: 0.82 },
        { name: HOSTILE, trueIc: 0.02 },
      ],
    },
  };
}
