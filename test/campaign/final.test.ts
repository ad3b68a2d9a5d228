import { describe, expect, it } from "vitest";
import { parseExpr } from "../../factors/parser.ts";
import { printExpr } from "../../factors/printer.ts";
import { labelReturns } from "../../backtest/label.ts";
import { designMatrix } from "../../backtest/preprocess.ts";
import { Split } from "../../backtest/split.ts";
import { MIN_POOL_COVERAGE, coverage, poolColumn, selectPool, thinByDate } from "../../src/campaign/final.ts";
import { forwardSelectOnValid } from "../../src/campaign/forward-select.ts";
import { InProcessEvaluator } from "../../src/evolution/evaluator.ts";
import { SeededRandom } from "../../src/evolution/seeds.ts";
import type { StoredFactor } from "../../src/library/index.ts";
import { TINY_RANGES, tinyMarket } from "../evolution/helpers.ts";

function stored(id: number, expression: string, validRankIc: number, rankIcir = 0.3): StoredFactor {
  return {
    id,
    source: "mined",
    campaignId: "c",
    trajectoryId: "t",
    index: 0,
    name: `f${id}`,
    expression,
    dialect: "quanta",
    canonical: printExpr(parseExpr(expression, "quanta")),
    hypothesis: "",
    description: "",
    formulation: "",
    metrics: { valid: { ic: validRankIc, icir: rankIcir, rankIc: validRankIc, rankIcir, rankDays: 80 }, train: { ic: 0, icir: 0, rankIc: 0.01, rankIcir: 0.1 } },
    gates: [],
    repairs: [],
    status: "active",
    statusReason: null,
    createdRound: 0,
    createdAt: "2020-01-01T00:00:00.000Z",
    updatedAt: "2020-01-01T00:00:00.000Z",
  };
}

describe("final pool", () => {
  const panel = tinyMarket().panel;

  it("admits by |valid RankIC| while uncorrelated with every admitted factor, capped at a share of the mined", async () => {
    const factors = [
      stored(1, "-TS_STD($return,20)", 0.02),
      stored(2, "-TS_PCTCHANGE($close,5)", 0.05),
      stored(3, "RANK(-TS_PCTCHANGE($close,5))*2", -0.049), // the same ranks as #2: excluded
      stored(4, "TS_CORR($close,$volume,10)", -0.03), // sign does not matter, size does
      stored(5, "TS_MEAN(($close-$low)/($high-$low+1e-8),5)", 0.01),
      stored(6, "-TS_MEAN($volume,5)", 0.004, 0.01), // insignificant on valid
    ];
    const ev = new InProcessEvaluator();
    const opts = { maxCorrelation: 0.7, maxShare: 0.5, maxSize: 0, minValidT: 0 };
    const all = await selectPool(panel, TINY_RANGES, factors, 100, opts, ev);
    expect(all.pool.map((p) => p.id)).toEqual([2, 4, 1, 5, 6]);
    expect(all.values).toHaveLength(5);
    const capped = await selectPool(panel, TINY_RANGES, factors, 6, opts, ev); // 50% of 6 mined
    expect(capped.pool.map((p) => p.id)).toEqual([2, 4, 1]);
    const significant = await selectPool(panel, TINY_RANGES, factors, 100, { ...opts, minValidT: 1 }, ev);
    expect(significant.pool.map((p) => p.id)).not.toContain(6);
    expect((await selectPool(panel, TINY_RANGES, factors, 100, { ...opts, maxSize: 2 }, ev)).pool).toHaveLength(2);
  });

  it("leaves out factors defined on a sliver of the cross-section", async () => {
    const factors = [
      stored(1, "-TS_STD($return,20)", 0.02),
      stored(2, "-TS_PCTCHANGE($close,5)", 0.05),
      stored(7, "$close/($return>0.04)", 0.3), // infinite except on the rare days up 4%: best-ranked, but sparse
      stored(8, "TS_CORR($close,$volume,10)", 0.04),
    ];
    const ev = new InProcessEvaluator();
    const [sparse] = await ev.evaluate(panel, [factors[2]!.canonical], "quanta");
    const window = { from: 0, to: panel.nDates - 1 };
    expect(coverage(sparse!, panel, window)).toBeLessThan(MIN_POOL_COVERAGE);
    const [dense] = await ev.evaluate(panel, [factors[0]!.canonical], "quanta");
    expect(coverage(dense!, panel, { from: 40, to: panel.nDates - 1 })).toBeGreaterThan(0.95);
    const opts = { maxCorrelation: 0.7, maxShare: 0.5, maxSize: 0, minValidT: 0 };
    expect((await selectPool(panel, TINY_RANGES, factors, 100, opts, ev)).pool.map((p) => p.id)).toEqual([2, 8, 1]);
  });

  it("forward selection on mining-valid keeps what adds to the combination and drops duplicates and noise", () => {
    const market = tinyMarket();
    const label = labelReturns(panel);
    const rng = new SeededRandom(4);
    const signal = market.scores.get("reversal_5d")!;
    const noise = Float64Array.from(signal, (v) => (Number.isNaN(v) ? v : rng.next()));
    const train = Split.of(panel, "train", TINY_RANGES.train);
    const valid = Split.of(panel, "valid", TINY_RANGES.valid);
    const sel = forwardSelectOnValid([signal, Float64Array.from(signal), noise], label, panel, train, valid, { minGain: 0.01 });
    expect(sel.kept).toEqual([0]);
    expect(sel.path[0]).toBeGreaterThan(0);
  });

  it("thinning keeps whole dates", () => {
    const label = labelReturns(panel);
    const train = Split.of(panel, "train", TINY_RANGES.train);
    const m = designMatrix([panel.fields.get("close")!], label, panel, train, { mode: "fit" });
    const t = thinByDate(m, Math.floor(m.nRows / 3));
    expect(t.nRows).toBeLessThanOrEqual(Math.floor(m.nRows / 3) + 40);
    const perDate = (x: typeof m) => {
      const c = new Map<number, number>();
      for (let r = 0; r < x.nRows; r++) c.set(x.date[r]!, (c.get(x.date[r]!) ?? 0) + 1);
      return c;
    };
    const full = perDate(m);
    for (const [d, n] of perDate(t)) expect(n).toBe(full.get(d));
    expect(thinByDate(m, 0)).toBe(m);
  });

  it("keeps pool values losslessly for the model: designMatrix reads the stored column as the raw values, bit for bit", () => {
    // A panel with a membership mask and staggered spans, and a factor with what float32 loses:
    // values an ulp apart (distinct ranks in float64, one tie in float32), exact ties, ±inf
    // (ProcessInf) and NaN.
    const base = tinyMarket().panel;
    const { nInst, nDates } = base;
    const member = new Uint8Array(nInst * nDates);
    for (let i = 0; i < nInst; i++) for (let t = 0; t < nDates; t++) member[i * nDates + t] = (i + t) % 7 === 0 ? 0 : 1;
    const panel = { ...base, member };
    const rng = new SeededRandom(11);
    const v = new Float64Array(nInst * nDates);
    for (let c = 0; c < v.length; c++) {
      const u = rng.next();
      v[c] = u < 0.3 ? 1 + (Math.floor(c / nDates) % 5) * 2 ** -52 : u < 0.4 ? 0.5 : u < 0.42 ? Infinity : u < 0.43 ? -Infinity : u < 0.48 ? Number.NaN : u;
    }
    const label = labelReturns(panel);
    const splits = [Split.of(panel, "train", TINY_RANGES.train), Split.of(panel, "test", TINY_RANGES.test)];
    const stored = poolColumn(v, panel, { from: 0, to: nDates - 1 });
    expect(stored).toBeInstanceOf(Float32Array);
    for (const split of splits) {
      for (const mode of ["fit", "predict"] as const) {
        const raw = designMatrix([v], label, panel, split, { mode });
        expect(designMatrix([stored], label, panel, split, { mode }).x).toEqual(raw.x);
        // What the raw values as float32 would give instead: the near-ties merge.
        const f32 = Float32Array.from(v) as unknown as Float64Array;
        expect(designMatrix([f32], label, panel, split, { mode }).x).not.toEqual(raw.x);
      }
    }
  });
});

