/**
 * Forward selection of the final pool on mining-valid: walk the correlation-filtered candidates in
 * order (best |valid RankIC| first) and keep one only if adding it raises the mining-valid RankIC
 * of a ridge model (fitted on mining-train, as the reward model) by at least `minGain`. A pool of
 * every uncorrelated factor lets weak ones dilute the final model; this keeps the ones that add
 * to the combination. Reads only mining ranges.
 *
 * Cost: one design matrix per range for all candidates, the centred Gram matrix once; each step is
 * a small Cholesky solve and one scoring pass over the valid rows.
 */
import type { Panel } from "../../factors/panel.ts";
import { ICEvaluator } from "../../backtest/ic.ts";
import { cholesky, choleskySolve } from "../../backtest/models/linear.ts";
import { designMatrix, scatterRows } from "../../backtest/preprocess.ts";
import type { Split } from "../../backtest/split.ts";

export interface ForwardSelection {
  /** Indices (into the candidate list) kept, in order. */
  readonly kept: number[];
  /** Mining-valid RankIC of the ridge model after each kept candidate. */
  readonly path: number[];
}

export function forwardSelectOnValid(
  features: readonly Float64Array[],
  label: Float64Array,
  panel: Panel,
  train: Split,
  valid: Split,
  opts: { minGain: number; lambda?: number },
): ForwardSelection {
  const F = features.length;
  if (F === 0) return { kept: [], path: [] };
  const lambda = opts.lambda ?? 0.01;
  const tm = designMatrix(features, label, panel, train, { mode: "fit" });
  const vm = designMatrix(features, undefined, panel, valid, { mode: "predict" });
  const n = tm.nRows;
  if (n === 0) return { kept: [], path: [] };
  // Centred Gram matrix and cross-products over all candidates, once.
  const mx = new Float64Array(F);
  let my = 0;
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < F; f++) mx[f] = mx[f]! + tm.x[r * F + f]!;
    my += tm.y[r]!;
  }
  for (let f = 0; f < F; f++) mx[f] = mx[f]! / n;
  my /= n;
  const G = new Float64Array(F * F);
  const c = new Float64Array(F);
  const d = new Float64Array(F);
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < F; f++) d[f] = tm.x[r * F + f]! - mx[f]!;
    const dy = tm.y[r]! - my;
    for (let i = 0; i < F; i++) {
      const di = d[i]!;
      if (di === 0) continue;
      c[i] = c[i]! + di * dy;
      for (let j = 0; j <= i; j++) G[i * F + j] = G[i * F + j]! + di * d[j]!;
    }
  }
  const ev = new ICEvaluator(label, panel, valid);
  const score = (subset: readonly number[]): number => {
    const k = subset.length;
    const A = new Float64Array(k * k);
    const b = new Float64Array(k);
    subset.forEach((fi, a) => {
      b[a] = c[fi]! / n;
      for (let bj = 0; bj <= a; bj++) {
        const fj = subset[bj]!;
        const g = fi >= fj ? G[fi * F + fj]! : G[fj * F + fi]!;
        A[a * k + bj] = g / n + (a === bj ? lambda : 0);
      }
    });
    if (!cholesky(A, k)) return Number.NaN;
    const w = choleskySolve(A, k, b);
    const pred = new Float64Array(vm.nRows);
    for (let r = 0; r < vm.nRows; r++) {
      let s = 0;
      for (let a = 0; a < k; a++) s += (vm.x[r * F + subset[a]!]! - mx[subset[a]!]!) * w[a]!;
      pred[r] = s; // the intercept does not change a cross-sectional rank
    }
    return ev.metrics(scatterRows(vm, pred, panel)).rankIc;
  };
  const kept: number[] = [];
  const path: number[] = [];
  let best = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < F; j++) {
    const s = score([...kept, j]);
    if (Number.isFinite(s) && s >= best + (kept.length === 0 ? 0 : opts.minGain)) {
      kept.push(j);
      path.push(s);
      best = s;
    }
  }
  return { kept, path };
}
