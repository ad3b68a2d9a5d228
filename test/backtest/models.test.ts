import { describe, expect, it } from "vitest";
import { makePanel, rng } from "./helpers.ts";
import type { DesignMatrix } from "../../backtest/preprocess.ts";
import { cholesky, choleskySolve, fitLinear, predictLinear } from "../../backtest/models/linear.ts";
import { fitGbdt, predictGbdt } from "../../backtest/models/gbdt.ts";
import { loadXGBoost } from "../../backtest/models/xgboost-wasm.ts";
import { parseXGBoostModel, predictTrees } from "../../backtest/models/trees.ts";
import { fitModel, restoreModel, scoreRanges } from "../../backtest/models/index.ts";
import { labelReturns } from "../../backtest/label.ts";
import { Split } from "../../backtest/split.ts";
import type { Panel } from "../../factors/panel.ts";

function design(n: number, F: number, f: (x: Float64Array, r: () => number) => number, seed = 1): DesignMatrix {
  const r = rng(seed);
  const x = new Float64Array(n * F);
  const y = new Float64Array(n);
  const row = new Float64Array(F);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < F; j++) row[j] = x[k * F + j] = Math.round((r() * 2 - 1) * 1000) / 1000;
    y[k] = f(row, r);
  }
  const date = Int32Array.from({ length: n }, (_, k) => Math.floor(k / 50));
  return { nRows: n, nFeatures: F, x, y, rawLabel: y, inst: Int32Array.from({ length: n }, (_, k) => k % 50), date };
}

describe("linear (ridge, Cholesky)", () => {
  it("Cholesky solves a small SPD system", () => {
    const a = Float64Array.from([4, 2, 2, 3]);
    expect(cholesky(a, 2)).toBe(true);
    const x = choleskySolve(a, 2, Float64Array.from([2, 1]));
    // [4 2; 2 3] x = [2; 1] → x = [0.5, 0]
    expect(x[0]!).toBeCloseTo(0.5, 14);
    expect(x[1]!).toBeCloseTo(0, 14);
  });

  it("recovers planted weights with λ = 0 and shrinks them with λ > 0", () => {
    const m = design(3000, 3, (x, r) => 2 * x[0]! - x[1]! + 0.5 + 0.01 * (r() - 0.5));
    const ols = fitLinear(m, { lambda: 0 });
    expect(ols.weights[0]!).toBeCloseTo(2, 2);
    expect(ols.weights[1]!).toBeCloseTo(-1, 2);
    expect(ols.weights[2]!).toBeCloseTo(0, 2);
    expect(ols.intercept).toBeCloseTo(0.5, 2);
    const ridge = fitLinear(m, { lambda: 1 });
    expect(Math.abs(ridge.weights[0]!)).toBeLessThan(Math.abs(ols.weights[0]!) * 0.5);
    const p = predictLinear(ols, m);
    expect(p[7]!).toBeCloseTo(2 * m.x[21]! - m.x[22]! + 0.5, 2);
  });

  it("survives duplicated (collinear) features", () => {
    const m = design(500, 2, (x) => x[0]!);
    for (let k = 0; k < 500; k++) m.x[k * 2 + 1] = m.x[k * 2]!;
    const w = fitLinear(m, { lambda: 0 }).weights;
    expect(w[0]! + w[1]!).toBeCloseTo(1, 6);
  });
});

describe("gbdt (XGBoost WASM)", () => {
  it("the JS tree predictor is bit-identical to XGBoost's own, including the missing (−1) path", async () => {
    const xgb = await loadXGBoost();
    const m = design(2000, 4, (x, r) => Math.sin(3 * x[0]!) + (x[1]! > 0 ? 1 : -1) * x[2]! + 0.1 * r());
    for (let k = 0; k < 2000; k += 7) m.x[k * 4 + 1] = -1; // XGBoost treats −1 as missing here
    const h = xgb.createModel(Float32Array.from(m.x), Float32Array.from(m.y), m.nRows, m.nFeatures);
    try {
      for (const [k, v] of Object.entries({ max_depth: "4", eta: "0.3", subsample: "0.8", seed: "3", silent: "1" })) xgb.setParam(h, k, v);
      xgb.train(h, 15);
      const trees = parseXGBoostModel(xgb.save(h));
      expect(trees.nodeStart.length - 1).toBe(15);
      const js = predictTrees(trees, m.x, m.nRows, m.nFeatures);
      for (let r = 0; r < 300; r++) {
        const row = Float32Array.from(m.x.subarray(r * 4, r * 4 + 4));
        expect(js[r]).toBe(xgb.predictRow(h, row));
      }
    } finally {
      xgb.free(h);
    }
  });

  it("early-stops on the validation set and keeps the best round; seeded and reproducible", async () => {
    // Pure noise: validation error is best after very few rounds.
    const tr = design(1500, 5, (_x, r) => r() - 0.5, 2);
    const va = design(800, 5, (_x, r) => r() - 0.5, 3);
    const a = await fitGbdt(tr, va, { numBoostRound: 300, earlyStoppingRounds: 10, params: { max_depth: 6, eta: 0.3 } });
    expect(a.info.roundsTrained).toBeLessThan(300);
    expect(a.info.bestRounds).toBe(a.trees.nodeStart.length - 1);
    const hist = a.info.validHistory;
    const bestIdx = hist.indexOf(Math.min(...hist));
    expect(a.info.bestRounds).toBe(bestIdx + 1);
    expect(hist.length - a.info.bestRounds).toBe(10);
    const b = await fitGbdt(tr, va, { numBoostRound: 300, earlyStoppingRounds: 10, params: { max_depth: 6, eta: 0.3 } });
    expect(b.trees.value).toEqual(a.trees.value);
    const c = await fitGbdt(tr, va, { numBoostRound: 300, earlyStoppingRounds: 10, seed: 9, params: { max_depth: 6, eta: 0.3 } });
    expect(c.trees.value).not.toEqual(a.trees.value);
  });

  it("learns a non-linear signal", async () => {
    const f = (x: Float64Array, r: () => number): number => (x[0]! * x[1]! > 0 ? 1 : -1) + 0.3 * (r() - 0.5);
    const tr = design(3000, 3, f, 4);
    const te = design(1000, 3, f, 5);
    const m = await fitGbdt(tr, undefined, { numBoostRound: 60, params: { eta: 0.3, max_depth: 4 } });
    const p = predictGbdt(m, te);
    let right = 0;
    for (let r = 0; r < te.nRows; r++) if (Math.sign(p[r]!) === Math.sign(te.y[r]!)) right++;
    expect(right / te.nRows).toBeGreaterThan(0.9);
    expect(m.info.bestRounds).toBe(60);
    const sub = await fitGbdt(tr, undefined, { numBoostRound: 30, maxRows: 1000, params: { eta: 0.3, max_depth: 4 } });
    expect(sub.info.trainRows).toBe(1000);
    const sub2 = await fitGbdt(tr, undefined, { numBoostRound: 30, maxRows: 1000, params: { eta: 0.3, max_depth: 4 } });
    expect(sub2.trees.value).toEqual(sub.trees.value);
  });
});

/** A panel whose next-day returns follow feature 0 (planted), plus a noise feature. */
function plantedMarket(seed: number): { panel: Panel; features: Float64Array[] } {
  const nd = 160;
  const ni = 60;
  const r = rng(seed);
  const sig = Array.from({ length: nd }, () => Array.from({ length: ni }, () => r() - 0.5));
  const noise = Array.from({ length: nd }, () => Array.from({ length: ni }, () => r() - 0.5));
  const close: number[][] = [new Array<number>(ni).fill(100)];
  for (let t = 1; t < nd; t++)
    close.push(close[t - 1]!.map((c, i) => c * (1 + (t >= 2 ? 0.02 * sig[t - 2]![i]! : 0) + 0.01 * (r() - 0.5))));
  const dates = Array.from({ length: nd }, (_, k) => `2020-${String(1 + Math.floor(k / 28)).padStart(2, "0")}-${String(1 + (k % 28)).padStart(2, "0")}`);
  const panel = makePanel(dates, Array.from({ length: ni }, (_, k) => `S${String(k).padStart(2, "0")}`), { close });
  const im = (g: number[][]): Float64Array => {
    const a = new Float64Array(nd * ni);
    for (let t = 0; t < nd; t++) for (let i = 0; i < ni; i++) a[i * nd + t] = g[t]![i]!;
    return a;
  };
  // feature at t predicts close(t+2)/close(t+1): the label at t.
  return { panel, features: [im(sig), im(noise)] };
}

describe("fitModel / scoreRanges", () => {
  const { panel, features } = plantedMarket(11);
  const label = labelReturns(panel);
  const data = { panel, features, label };
  const train = Split.of(panel, "train", { start: panel.dates[0]!, end: panel.dates[89]! });
  const valid = Split.of(panel, "valid", { start: panel.dates[90]!, end: panel.dates[119]! });
  const test = Split.of(panel, "test", { start: panel.dates[120]!, end: panel.dates[159]! }, { sealLabel: false });

  it("linear finds the planted factor; IC metrics per range", async () => {
    const model = await fitModel({ kind: "linear" }, data, train, valid);
    const st = model.state;
    if (st.kind !== "linear") throw new Error("kind");
    expect(st.weights[0]!).toBeGreaterThan(5 * Math.abs(st.weights[1]!));
    const [tr, te] = scoreRanges(model, data, [train, test]);
    expect(tr!.split).toBe("train");
    expect(te!.metrics.rankIc).toBeGreaterThan(0.5);
    expect(te!.metrics.days).toBe(38); // the last two test dates have no label
    expect(Number.isNaN(te!.scores[0]!)).toBe(true); // outside the split
    // state survives a structured clone (worker boundary)
    const revived = restoreModel(structuredClone(model.state));
    expect(scoreRanges(revived, data, [test])[0]!.metrics).toEqual(te!.metrics);
  });

  it("gbdt too, and neither model reads past the valid split", async () => {
    const spec = { kind: "gbdt" as const, gbdt: { numBoostRound: 40, earlyStoppingRounds: 10, params: { max_depth: 3, eta: 0.2 } } };
    const model = await fitModel(spec, data, train, valid);
    expect(scoreRanges(model, data, [test])[0]!.metrics.rankIc).toBeGreaterThan(0.3);
    // poison every value after the valid split: features, and closes (hence labels)
    const cut = valid.to + 1;
    const pf = features.map((f) => {
      const g = f.slice();
      for (let i = 0; i < panel.nInst; i++) for (let t = cut; t < panel.nDates; t++) g[i * panel.nDates + t] = 1e6 * Math.cos(i * t);
      return g;
    });
    const pc = panel.fields.get("close")!.slice();
    for (let i = 0; i < panel.nInst; i++) for (let t = cut; t < panel.nDates; t++) pc[i * panel.nDates + t] = 1 + ((i * t) % 7);
    const pp: Panel = { ...panel, fields: new Map([["close", pc]]) };
    const poisoned = { panel: pp, features: pf, label: labelReturns(pp) };
    const again = await fitModel(spec, poisoned, Split.of(pp, "train", train.range), Split.of(pp, "valid", valid.range));
    if (again.state.kind !== "gbdt" || model.state.kind !== "gbdt") throw new Error("kind");
    expect(again.state.trees.value).toEqual(model.state.trees.value);
    const lin = await fitModel({ kind: "linear" }, data, train, valid);
    const lin2 = await fitModel({ kind: "linear" }, poisoned, Split.of(pp, "train", train.range), Split.of(pp, "valid", valid.range));
    expect(lin2.state).toEqual(lin.state);
  });
});
