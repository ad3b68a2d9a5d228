import { describe, expect, it } from "vitest";
import { rng } from "./helpers.ts";
import type { DesignMatrix } from "../../backtest/preprocess.ts";
import { binMatrix, quantileCuts, splitThreshold } from "../../backtest/models/hist-gbdt-bins.ts";
import { packingFor } from "../../backtest/models/hist-gbdt-tree.ts";
import { ValidScorer } from "../../backtest/models/hist-gbdt-metrics.ts";
import { fitNativeGbdt, histParamsFromNames, predictHistTrees, trainHistGbdt } from "../../backtest/models/hist-gbdt.ts";
import { fitGbdt, predictGbdt } from "../../backtest/models/gbdt.ts";
import { fitLinear, predictLinear } from "../../backtest/models/linear.ts";
import { restoreModel } from "../../backtest/models/index.ts";

/** n rows × F uniform(−1, 1) features, label f(row), 50 rows per date. */
function design(n: number, F: number, f: (x: Float64Array, r: () => number) => number, seed: number): DesignMatrix {
  const r = rng(seed);
  const x = new Float64Array(n * F);
  const y = new Float64Array(n);
  const row = new Float64Array(F);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < F; j++) row[j] = x[k * F + j] = r() * 2 - 1;
    y[k] = f(row, r);
  }
  const date = Int32Array.from({ length: n }, (_, k) => Math.floor(k / 50));
  return { nRows: n, nFeatures: F, x, y, rawLabel: y, inst: Int32Array.from({ length: n }, (_, k) => k % 50), date };
}

function mse(p: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let k = 0; k < y.length; k++) s += (p[k]! - y[k]!) ** 2;
  return s / y.length;
}

/** Depth of tree k (root = 0) of a flat ensemble. */
function treeDepth(left: Int32Array, right: Int32Array, feature: Int32Array, root: number): number {
  const walk = (j: number): number => (feature[j]! < 0 ? 0 : 1 + Math.max(walk(left[j]!), walk(right[j]!)));
  return walk(root);
}

const nonlinear = (x: Float64Array, r: () => number): number => Math.sin(3 * x[0]!) + (x[1]! > 0 ? 1 : -1) * x[2]! + 0.2 * (r() - 0.5);

describe("binning", () => {
  it("few distinct values get a bin each; a heavy value gets its own bin; cuts ≤ maxBins − 1", () => {
    expect(quantileCuts(Float32Array.from([1, 1, 2, 3, 3, 3]), 255)).toEqual([2, 3]);
    const many = new Float32Array(1000);
    for (let k = 0; k < 1000; k++) many[k] = k < 500 ? 0 : k; // half the rows are 0 (Fillna)
    many.sort();
    const cuts = quantileCuts(many, 16);
    expect(cuts.length).toBeLessThanOrEqual(15);
    expect(cuts[0]).toBe(500); // 0 alone in bin 1
    expect(quantileCuts(new Float32Array(0), 16)).toEqual([]);
  });

  it("bins agree with the raw split test fround(x) < threshold; NaN → bin 0; constant → 1 bin", () => {
    const r = rng(3);
    const n = 3000;
    const F = 3;
    const x = new Float64Array(n * F);
    for (let k = 0; k < n; k++) {
      x[k * F] = r() < 0.1 ? NaN : Math.round(r() * 1e4) / 1e3 - 5; // ~10k distinct values
      x[k * F + 1] = 7; // constant
      x[k * F + 2] = r() < 0.5 ? -Infinity : r();
    }
    const m = binMatrix(x, n, F, { maxBins: 32, sampleRows: 1000 });
    expect(m.nBins[0]).toBe(32);
    expect(m.nBins[1]).toBe(1);
    let mismatches = 0;
    for (let f = 0; f < F; f++) {
      for (let row = 0; row < n; row++) {
        const b = m.bins[f * n + row]!;
        const v = x[row * F + f]!;
        if (m.rowBins[row * F + f] !== b || (b === 0) !== Number.isNaN(v)) mismatches++;
      }
      // Every split a tree can make: value bins 1..k left, k = 0 .. nBins − 1.
      for (let k = 0; k < m.nBins[f]!; k++) {
        const thr = splitThreshold(m, f, k);
        for (let row = 0; row < n; row++) {
          const b = m.bins[f * n + row]!;
          if (b > 0 && b <= k !== Math.fround(x[row * F + f]!) < thr) mismatches++;
        }
      }
    }
    expect(mismatches).toBe(0);
  });

  it("the gradient packing stays exact below 2^53", () => {
    for (const n of [1, 1000, 360_000, 3_000_000]) {
      const { shift, levels } = packingFor(n);
      expect(2 ** shift).toBeGreaterThan(n);
      expect(n * levels * 2 ** shift).toBeLessThanOrEqual(2 ** 52);
      expect(levels).toBeGreaterThanOrEqual(64);
    }
  });
});

describe("native histogram GBDT", () => {
  it("learns a non-linear function and beats a linear model", () => {
    const tr = design(4000, 5, nonlinear, 1);
    const te = design(2000, 5, nonlinear, 2);
    const fit = trainHistGbdt(tr, undefined, { learningRate: 0.1, maxLeaves: 16 }, { numBoostRound: 150 });
    const gb = mse(predictHistTrees(fit.trees, te.x, te.nRows, te.nFeatures), te.y);
    const lin = mse(predictLinear(fitLinear(tr), te), te.y);
    expect(gb).toBeLessThan(0.05);
    expect(gb).toBeLessThan(lin / 5);
  });

  it("predicting the training matrix reproduces the training-time predictions exactly (with bagging)", () => {
    const tr = design(3000, 4, nonlinear, 3);
    for (let k = 0; k < 3000; k += 11) tr.x[k * 4 + 3] = NaN;
    const fit = trainHistGbdt(tr, undefined, { baggingFraction: 0.6, featureFraction: 0.5 }, { numBoostRound: 40, seed: 5 });
    expect(predictHistTrees(fit.trees, tr.x, tr.nRows, tr.nFeatures)).toEqual(fit.trainPred);
  });

  it("respects maxLeaves and maxDepth", () => {
    const tr = design(3000, 4, nonlinear, 4);
    const fit = trainHistGbdt(tr, undefined, { maxLeaves: 10, maxDepth: 3, minDataInLeaf: 5 }, { numBoostRound: 10 });
    const e = fit.trees;
    for (let k = 0; k < 10; k++) {
      const nodes = e.nodeStart[k + 1]! - e.nodeStart[k]!;
      expect(nodes).toBeLessThanOrEqual(2 * 8 - 1); // depth 3 caps the leaves at 8 < 10
      expect(treeDepth(e.left, e.right, e.feature, e.nodeStart[k]!)).toBeLessThanOrEqual(3);
    }
    const wide = trainHistGbdt(tr, undefined, { maxLeaves: 10, maxDepth: 8, minDataInLeaf: 5 }, { numBoostRound: 3 });
    for (let k = 0; k < 3; k++) expect(wide.trees.nodeStart[k + 1]! - wide.trees.nodeStart[k]!).toBe(19);
  });

  it("early-stops on rmse at the best round, and on rankic at the best (highest) round", () => {
    const noise = (_x: Float64Array, r: () => number): number => r() - 0.5;
    const tr = design(2000, 5, noise, 5);
    const va = design(1000, 5, noise, 6);
    const a = trainHistGbdt(tr, va, { learningRate: 0.3 }, { numBoostRound: 300, earlyStoppingRounds: 10 });
    expect(a.roundsTrained).toBeLessThan(300);
    const h = a.validHistory;
    expect(h.length).toBe(a.roundsTrained);
    expect(a.bestRounds).toBe(h.indexOf(Math.min(...h)) + 1);
    expect(h.length - a.bestRounds).toBe(10);
    expect(a.trees.nodeStart.length - 1).toBe(a.bestRounds);
    // The kept trees score exactly the best validation rmse.
    const p = predictHistTrees(a.trees, va.x, va.nRows, va.nFeatures);
    expect(Math.sqrt(mse(p, va.y))).toBeCloseTo(Math.min(...h), 12);

    const sig = design(2000, 5, nonlinear, 7);
    const sigVa = design(1000, 5, nonlinear, 8);
    const b = trainHistGbdt(sig, sigVa, { learningRate: 0.3 }, { numBoostRound: 60, earlyStoppingRounds: 5, evalMetric: "rankic" });
    const hb = b.validHistory;
    expect(b.bestRounds).toBe(hb.indexOf(Math.max(...hb)) + 1);
    expect(Math.max(...hb)).toBeGreaterThan(0.9);
  });

  it("is deterministic for a seed and differs across seeds", () => {
    const tr = design(2000, 6, nonlinear, 9);
    const a = trainHistGbdt(tr, undefined, {}, { numBoostRound: 20, seed: 1 });
    const b = trainHistGbdt(tr, undefined, {}, { numBoostRound: 20, seed: 1 });
    const c = trainHistGbdt(tr, undefined, {}, { numBoostRound: 20, seed: 2 });
    expect(b.trees).toEqual(a.trees);
    expect(c.trees.value).not.toEqual(a.trees.value);
  });

  it("uses NaN as information and routes unseen NaN by the default direction", () => {
    // y = 2 where feature 0 is missing, else feature 0 itself.
    const r = rng(10);
    const n = 3000;
    const x = new Float64Array(n * 2);
    const y = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const missing = r() < 0.2;
      x[k * 2] = missing ? NaN : r() * 2 - 1;
      x[k * 2 + 1] = r() * 2 - 1;
      y[k] = missing ? 2 : x[k * 2]!;
    }
    const fit = trainHistGbdt({ x, y, nRows: n, nFeatures: 2 }, undefined, { learningRate: 0.2, minDataInLeaf: 5 }, { numBoostRound: 100 });
    const p = predictHistTrees(fit.trees, Float64Array.from([NaN, 0, 0.5, 0, -0.5, 0]), 3, 2);
    expect(p[0]!).toBeCloseTo(2, 1);
    expect(p[1]!).toBeCloseTo(0.5, 1);
    expect(p[2]!).toBeCloseTo(-0.5, 1);
    // Feature 1 never was NaN in training: a NaN there still gets a finite score.
    const q = predictHistTrees(fit.trees, Float64Array.from([0.5, NaN]), 1, 2);
    expect(q[0]!).toBeCloseTo(0.5, 1);
  });

  it("never splits on constant or all-missing features", () => {
    const tr = design(2000, 4, (x, r) => x[1]! * 2 + 0.1 * r(), 11);
    for (let k = 0; k < 2000; k++) {
      tr.x[k * 4] = 3; // constant
      tr.x[k * 4 + 2] = NaN; // all missing
    }
    const fit = trainHistGbdt(tr, undefined, { featureFraction: 0.5 }, { numBoostRound: 30 });
    const used = new Set(fit.trees.feature.filter((f) => f >= 0));
    expect(used.has(0)).toBe(false);
    expect(used.has(2)).toBe(false);
    expect(used.has(1)).toBe(true);
  });

  it("handles a single row and an all-equal label", () => {
    const one = trainHistGbdt({ x: Float64Array.from([1, 2]), y: Float64Array.from([0.5]), nRows: 1, nFeatures: 2 }, undefined, {}, { numBoostRound: 3 });
    expect(predictHistTrees(one.trees, Float64Array.from([0, 0]), 1, 2)[0]).toBeCloseTo(0.5, 12);
    const flat = design(500, 3, () => 1.25, 12);
    const f = trainHistGbdt(flat, undefined, {}, { numBoostRound: 5 });
    expect(predictHistTrees(f.trees, flat.x, 3, 3)[2]).toBe(1.25);
    expect(() => trainHistGbdt({ x: new Float64Array(2), y: Float64Array.from([1, NaN]), nRows: 2, nFeatures: 1 }, undefined)).toThrow(/non-finite/);
  });

  it("the mean daily RankIC scorer matches a direct computation", () => {
    const y = Float64Array.from([1, 2, 3, 4, 10, 20, 30]);
    const date = Int32Array.from([0, 0, 0, 0, 1, 1, 1]);
    const s = new ValidScorer("rankic", y, date);
    // day 0: pred ranks 4,3,2,1 vs 1..4 → −1; day 1: ties (1.5, 1.5, 3) vs 1,2,3 → √3/2
    expect(s.score(Float64Array.from([4, 3, 2, 1, 5, 5, 9]))).toBeCloseTo((-1 + Math.sqrt(3) / 2) / 2, 12);
    expect(new ValidScorer("rmse", y, date).score(y)).toBe(0);
  });
});

describe("gbdt engines behind fitGbdt", () => {
  it("maps XGBoost/LightGBM parameter names", () => {
    expect(histParamsFromNames({ eta: 0.1, max_depth: 4, subsample: 0.5, colsample_bytree: "0.7", gamma: 1, lambda: 3, min_child_weight: 2.5, objective: "reg:linear" })).toEqual({
      learningRate: 0.1,
      maxDepth: 4,
      baggingFraction: 0.5,
      featureFraction: 0.7,
      minGainToSplit: 2,
      lambdaL2: 3,
      minDataInLeaf: 3,
    });
    expect(histParamsFromNames({ max_depth: 0, num_leaves: 31 })).toEqual({ maxDepth: Infinity, maxLeaves: 31 });
  });

  it("native is the default; its state survives structuredClone and restore", async () => {
    const tr = design(2000, 4, nonlinear, 13);
    const va = design(500, 4, nonlinear, 14);
    const state = await fitGbdt(tr, va, { numBoostRound: 50, earlyStoppingRounds: 10, maxRows: 1500, params: { eta: 0.2, max_depth: 5 } });
    expect(state.engine).toBe("native");
    expect(state.info.trainRows).toBe(1500);
    expect(state.info.bestRounds).toBe(state.trees.nodeStart.length - 1);
    const model = restoreModel(state);
    const revived = restoreModel(structuredClone(state));
    expect(revived.predict(va)).toEqual(model.predict(va));
    expect(model.predict(va)).toEqual(predictHistTrees(state.trees, va.x, va.nRows, va.nFeatures));
    const again = fitNativeGbdt(tr, va, { numBoostRound: 50, earlyStoppingRounds: 10, maxRows: 1500, params: { eta: 0.2, max_depth: 5 } });
    expect(again.trees).toEqual(state.trees);
  });

  it("reaches a validation MSE similar to XGBoost's on the same small design", async () => {
    const f = (x: Float64Array, r: () => number): number => Math.tanh(2 * x[0]!) * x[1]! + 0.5 * x[2]! * (x[3]! > 0 ? 1 : 0) + 0.5 * (r() - 0.5);
    const tr = design(3000, 6, f, 15);
    const va = design(1500, 6, f, 16);
    const te = design(1500, 6, f, 17);
    const opts = { numBoostRound: 200, earlyStoppingRounds: 20, params: { eta: 0.1, max_depth: 4 } };
    const xgb = await fitGbdt(tr, va, { ...opts, engine: "xgboost" });
    const nat = await fitGbdt(tr, va, { ...opts, engine: "native" });
    expect(xgb.engine).toBe("xgboost");
    const mx = mse(predictGbdt(xgb, te), te.y);
    const mn = mse(predictGbdt(nat, te), te.y);
    expect(mn).toBeLessThan(mx * 1.1);
    expect(mn).toBeLessThan(0.1);
  });
});
