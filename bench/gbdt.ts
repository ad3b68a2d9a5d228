/**
 * `node --import tsx bench/gbdt.ts`: the native histogram GBDT on a synthetic design the size of
 * CSI 300 × Alpha158 (1200 dates × 300 instruments = 360k rows × 158 features, features and label
 * rank-normalised-like per date), timed per tree and in total; then native vs XGBoost (WASM) valid
 * MSE on a small design. The machine may be shared: CPU seconds of this process are printed next to
 * wall seconds. Sizes: GBDT_BENCH_DATES, GBDT_BENCH_INST, GBDT_BENCH_FEATURES,
 * GBDT_BENCH_ROUNDS; GBDT_BENCH_SKIP_XGB=1 skips the comparison.
 */
import type { DesignMatrix } from "../backtest/preprocess.ts";
import { fitGbdt, predictGbdt } from "../backtest/models/gbdt.ts";
import { trainHistGbdt } from "../backtest/models/hist-gbdt.ts";
import { mulberry32 as rng } from "../test/helpers/rng.ts";

const env = (k: string, d: number): number => (process.env[k] ? Number(process.env[k]) : d);


/** Standard normal CDF (Abramowitz–Stegun 7.1.26 through erf). */
function phi(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const e = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + e) / 2 : (1 - e) / 2;
}

/**
 * nDates × nInst rows (date-major, as designMatrix orders them). Eight latent factors drive the
 * features (each a noisy mix of two of them, like the correlated Alpha158 families) and, through
 * a non-linear function, a weak label (daily IC of the true signal ≈ 0.15). Values are mapped to
 * (rank pct − 0.5) × 3.46 on a grid of the day's cross-section size, as CSRankNorm leaves them.
 */
function synthDesign(nDates: number, nInst: number, F: number, seed: number, dateOffset = 0): DesignMatrix {
  const r = rng(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const n = nDates * nInst;
  const x = new Float64Array(n * F);
  const y = new Float64Array(n);
  const date = new Int32Array(n);
  const inst = new Int32Array(n);
  const L = 8;
  const la = Int32Array.from({ length: F }, (_, j) => j % L);
  const lb = Int32Array.from({ length: F }, (_, j) => (j * 3 + 1) % L);
  const z = new Float64Array(L);
  const grid = (u: number, m: number): number => ((Math.floor(u * m) + 0.5) / m - 0.5) * 3.46;
  for (let d = 0; d < nDates; d++) {
    const m = nInst - (d % 17); // cross-section size varies a little by date
    for (let i = 0; i < nInst; i++) {
      const row = d * nInst + i;
      date[row] = dateOffset + d;
      inst[row] = i;
      for (let k = 0; k < L; k++) z[k] = gauss();
      for (let j = 0; j < F; j++) {
        const v = 0.7 * z[la[j]!]! + 0.4 * z[lb[j]!]! + 0.6 * gauss();
        x[row * F + j] = j % 29 === 5 && r() < 0.02 ? 0 : grid(phi(v / 1.01), m); // some Fillna zeros
      }
      const s = 0.5 * z[0]! + 0.4 * Math.tanh(2 * z[1]!) * z[2]! + 0.3 * (Math.abs(z[3]!) - 0.8);
      y[row] = grid(phi((0.15 * s) / 0.4 + gauss()), m);
    }
  }
  return { nRows: n, nFeatures: F, x, y, rawLabel: y, inst, date };
}

function mse(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += (a[k]! - b[k]!) ** 2;
  return s / a.length;
}

/** MSE on `m` of predicting the mean label of `train` everywhere (the no-skill baseline). */
function baselineMse(train: DesignMatrix, m: DesignMatrix): number {
  let mean = 0;
  for (let k = 0; k < train.nRows; k++) mean += train.y[k]!;
  return mse(new Float64Array(m.nRows).fill(mean / train.nRows), m.y);
}

const nDates = env("GBDT_BENCH_DATES", 1200);
const nInst = env("GBDT_BENCH_INST", 300);
const F = env("GBDT_BENCH_FEATURES", 158);
const rounds = env("GBDT_BENCH_ROUNDS", 100);

let t = performance.now();
const train = synthDesign(nDates, nInst, F, 1);
const valid = synthDesign(Math.round(nDates / 4), nInst, F, 2, nDates);
console.log(`synthetic design: train ${train.nRows} × ${F}, valid ${valid.nRows} × ${F} (${((performance.now() - t) / 1000).toFixed(1)} s to make)`);

// 1. Fixed rounds, no validation: cost per tree.
{
  const fit = trainHistGbdt(train, undefined, {}, { numBoostRound: rounds, seed: 1 });
  const nodes = fit.trees.nodeStart[fit.trees.nodeStart.length - 1]!;
  console.log(
    `native, ${rounds} rounds (64 leaves, depth ≤ 8, lr 0.05, ff 0.89, bagging 0.88): bin ${(fit.binMs / 1000).toFixed(2)} s ` +
      `(cpu ${(fit.binCpuMs / 1000).toFixed(2)} s), boost ${(fit.boostMs / 1000).toFixed(2)} s = ${(fit.boostMs / rounds / 1000).toFixed(3)} s/tree ` +
      `(cpu ${(fit.boostCpuMs / rounds / 1000).toFixed(3)} s/tree), ${(nodes / rounds).toFixed(0)} nodes/tree`,
  );
}

// 1b. The same with half the features and half the rows per tree (LightGBM-style speed setting).
{
  const fit = trainHistGbdt(train, undefined, { featureFraction: 0.5, baggingFraction: 0.5 }, { numBoostRound: rounds, seed: 1 });
  console.log(
    `native, ${rounds} rounds with featureFraction 0.5, baggingFraction 0.5: boost ${(fit.boostMs / 1000).toFixed(2)} s = ` +
      `${(fit.boostMs / rounds / 1000).toFixed(3)} s/tree (cpu ${(fit.boostCpuMs / rounds / 1000).toFixed(3)} s/tree)`,
  );
}

// 2. Early stopping on the valid design (rmse and rankic), up to 500 rounds.
for (const evalMetric of ["rmse", "rankic"] as const) {
  t = performance.now();
  const cpu0 = process.cpuUsage();
  const model = await fitGbdt(train, valid, { numBoostRound: 500, earlyStoppingRounds: 50, evalMetric, seed: 1 });
  const total = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0).user / 1e6;
  const p = predictGbdt(model, valid);
  const h = model.info.validHistory;
  console.log(
    `native, early stopping on ${evalMetric}: ${model.info.roundsTrained} rounds trained, best ${model.info.bestRounds} ` +
      `(valid ${evalMetric} ${h[model.info.bestRounds - 1]!.toFixed(5)}), total ${total.toFixed(1)} s (cpu ${cpu.toFixed(1)} s), ` +
      `${(total / model.info.roundsTrained).toFixed(3)} s/round incl. validation; valid MSE ${mse(p, valid.y).toFixed(5)} (no skill: ${baselineMse(train, valid).toFixed(5)})`,
  );
}

// 3. Quality against XGBoost (WASM) on a small design.
if (process.env.GBDT_BENCH_SKIP_XGB !== "1") {
  const small = synthDesign(100, 200, 20, 3);
  const smallValid = synthDesign(50, 200, 20, 4, 100);
  const smallTest = synthDesign(50, 200, 20, 5, 150);
  const common = { numBoostRound: 300, earlyStoppingRounds: 30, seed: 1, params: { eta: 0.05, max_depth: 6, subsample: 0.8789, colsample_bytree: 0.8879 } };
  for (const engine of ["native", "xgboost"] as const) {
    t = performance.now();
    const m = await fitGbdt(small, smallValid, { ...common, engine });
    const s = (performance.now() - t) / 1000;
    console.log(
      `${engine.padEnd(7)} on ${small.nRows} × 20: ${m.info.bestRounds}/${m.info.roundsTrained} rounds, ${s.toFixed(1)} s; ` +
        `valid MSE ${mse(predictGbdt(m, smallValid), smallValid.y).toFixed(5)}, test MSE ${mse(predictGbdt(m, smallTest), smallTest.y).toFixed(5)} ` +
        `(no skill: valid ${baselineMse(small, smallValid).toFixed(5)}, test ${baselineMse(small, smallTest).toFixed(5)})`,
    );
  }
}
