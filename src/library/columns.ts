/**
 * Factor metrics as plain typed columns (one Float64Array per metric, NaN where missing), for
 * scripts and notebooks that analyse a library without walking objects.
 */
import type { StoredFactor } from "./types.ts";

export interface FactorMetricColumns {
  split: string;
  id: Int32Array;
  name: string[];
  expression: string[];
  status: string[];
  ic: Float64Array;
  icir: Float64Array;
  rankIc: Float64Array;
  rankIcir: Float64Array;
}

export function factorMetricColumns(factors: readonly StoredFactor[], split = "valid"): FactorMetricColumns {
  const n = factors.length;
  const cols: FactorMetricColumns = {
    split,
    id: new Int32Array(n),
    name: new Array<string>(n),
    expression: new Array<string>(n),
    status: new Array<string>(n),
    ic: new Float64Array(n).fill(Number.NaN),
    icir: new Float64Array(n).fill(Number.NaN),
    rankIc: new Float64Array(n).fill(Number.NaN),
    rankIcir: new Float64Array(n).fill(Number.NaN),
  };
  factors.forEach((f, i) => {
    cols.id[i] = f.id;
    cols.name[i] = f.name;
    cols.expression[i] = f.expression;
    cols.status[i] = f.status;
    const m = f.metrics[split];
    if (!m) return;
    cols.ic[i] = m.ic;
    cols.icir[i] = m.icir;
    cols.rankIc[i] = m.rankIc;
    cols.rankIcir[i] = m.rankIcir;
  });
  return cols;
}
