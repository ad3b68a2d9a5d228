/**
 * Cross-sectional kernels (quanta dialect): per date, over the instruments in
 * the cross-section — inside their span [first, last] and, when `member` is
 * given, members that day.
 *
 * Every kernel has the shape `(x, out, panel, ...extra): void` over whole
 * instrument-major arrays (`x[i·nDates + t]`) and writes EVERY cell of `out`:
 * cells outside the cross-section get NaN. `out` may alias `x`. Scratch (a few
 * nInst-sized buffers) is allocated once per call.
 *
 * | export                  | per date t                                                                  | op        |
 * |-------------------------|-----------------------------------------------------------------------------|-----------|
 * | csRank                  | pct rank among the non-NaN values, ties averaged, (0,1]; NaN where x is NaN | RANK      |
 * | csZscore                | (x − mean) / std (ddof 1); NaN where x is NaN, < 2 values or std = 0        | ZSCORE    |
 * | csScale(…, a = 1)       | x·a / Σ|x|; NaN where x is NaN or the result is not finite (Σ|x| = 0)       | SCALE     |
 * | csMean csStd csMedian csMax csMin | aggregate of the non-NaN values (std ddof 1, ≥ 2 values), broadcast to every cross-section cell, also those whose x is NaN | MEAN STD MEDIAN MAX MIN |
 * | csSkew csKurt           | scipy biased skew / excess kurtosis, ≥ 3 / ≥ 4 values, NaN if m2 ≤ (1e-15·mean)²; broadcast | SKEW KURT |
 *
 * Means and central moments are two-pass after subtracting the column's smallest
 * value (as the reference evaluator), so equal values give exactly 0 variance.
 */
import type { Panel } from "../panel.ts";
import { sortWithPayload } from "./cross-sort.ts";
import { sortedMedian } from "./order-sorted.ts";

/** The part of a Panel that defines each date's cross-section. */
export type CrossSectionShape = Pick<Panel, "nDates" | "nInst" | "first" | "last" | "member">;

/** One date's cross-section, gathered from the instrument-major layout. */
class Column {
  /** cells (i·nDates + t) of the instruments in the cross-section */
  readonly cells: Int32Array;
  nCells = 0;
  /** their non-NaN values, in instrument order */
  readonly vals: Float64Array;
  /** cells of those values */
  readonly valCells: Int32Array;
  nVals = 0;

  constructor(nInst: number) {
    this.cells = new Int32Array(nInst);
    this.vals = new Float64Array(nInst);
    this.valCells = new Int32Array(nInst);
  }

  /** Gathers date t and writes NaN to `out` outside the cross-section (alias-safe: other cells only). */
  gather(x: Float64Array, out: Float64Array, p: CrossSectionShape, t: number): void {
    const { nDates, nInst, first, last, member } = p;
    let nc = 0;
    let nv = 0;
    for (let i = 0; i < nInst; i++) {
      const c = i * nDates + t;
      if (t < first[i]! || t > last[i]! || (member !== undefined && member[c] !== 1)) {
        out[c] = NaN;
        continue;
      }
      this.cells[nc++] = c;
      const v = x[c]!;
      if (v === v) {
        this.vals[nv] = v;
        this.valCells[nv] = c;
        nv++;
      }
    }
    this.nCells = nc;
    this.nVals = nv;
  }

  /** Writes v to every cross-section cell of the gathered date. */
  broadcast(out: Float64Array, v: number): void {
    for (let k = 0; k < this.nCells; k++) out[this.cells[k]!] = v;
  }

  /** Writes NaN to the cross-section cells whose x is NaN (the valid ones are written by the caller). */
  nanWhereMissing(x: Float64Array, out: Float64Array): void {
    for (let k = 0; k < this.nCells; k++) {
      const c = this.cells[k]!;
      if (x[c] !== x[c]) out[c] = NaN;
    }
  }
}

/** Smallest value of vals[0..m) (m >= 1): the shift that makes the two-pass moments exact on equal values. */
function minOf(vals: Float64Array, m: number): number {
  let lo = vals[0]!;
  for (let k = 1; k < m; k++) if (vals[k]! < lo) lo = vals[k]!;
  return lo;
}

/** Mean of the shifted values vals − ref (the reference's `_center`). */
function shiftedMean(vals: Float64Array, m: number, ref: number): number {
  let s = 0;
  for (let k = 0; k < m; k++) s += vals[k]! - ref;
  return s / m;
}

function sampleStd(vals: Float64Array, m: number): number {
  if (m < 2) return NaN;
  const ref = minOf(vals, m);
  const md = shiftedMean(vals, m, ref);
  let s2 = 0;
  for (let k = 0; k < m; k++) {
    const d = vals[k]! - ref - md;
    s2 += d * d;
  }
  return Math.sqrt(s2 / (m - 1));
}

/** scipy.stats.skew / kurtosis (bias=True, fisher=True) with scipy's zero-variance rule. */
function scipyMoment(vals: Float64Array, m: number, kurt: boolean): number {
  if (m < (kurt ? 4 : 3)) return NaN;
  const ref = minOf(vals, m);
  const md = shiftedMean(vals, m, ref);
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  for (let k = 0; k < m; k++) {
    const d = vals[k]! - ref - md;
    const d2 = d * d;
    s2 += d2;
    s3 += d2 * d;
    s4 += d2 * d2;
  }
  const m2 = s2 / m;
  const mean = ref + md;
  const tiny = 1e-15 * mean; // np.finfo(float64).resolution
  if (m2 <= tiny * tiny) return NaN;
  return kurt ? s4 / m / (m2 * m2) - 3 : s3 / m / m2 ** 1.5;
}

/** vals[0..m) and their cells may be reordered (scratch). */
type Aggregate = (vals: Float64Array, m: number, cells: Int32Array) => number;

/** Per date: one number from the non-NaN values, broadcast to the whole cross-section (NaN if none). */
function broadcastAggregate(x: Float64Array, out: Float64Array, p: CrossSectionShape, agg: Aggregate): void {
  const col = new Column(p.nInst);
  for (let t = 0; t < p.nDates; t++) {
    col.gather(x, out, p, t);
    if (col.nCells === 0) continue;
    col.broadcast(out, col.nVals === 0 ? NaN : agg(col.vals, col.nVals, col.valCells));
  }
}

export function csMean(x: Float64Array, out: Float64Array, p: CrossSectionShape): void {
  broadcastAggregate(x, out, p, (v, m) => {
    const ref = minOf(v, m);
    return ref + shiftedMean(v, m, ref);
  });
}

export function csStd(x: Float64Array, out: Float64Array, p: CrossSectionShape): void {
  broadcastAggregate(x, out, p, sampleStd);
}

export function csMedian(x: Float64Array, out: Float64Array, p: CrossSectionShape): void {
  broadcastAggregate(x, out, p, (v, m, cells) => {
    sortWithPayload(v, cells, 0, m);
    return sortedMedian(v, m);
  });
}

export function csMax(x: Float64Array, out: Float64Array, p: CrossSectionShape): void {
  broadcastAggregate(x, out, p, (v, m) => {
    let hi = v[0]!;
    for (let k = 1; k < m; k++) if (v[k]! > hi) hi = v[k]!;
    return hi;
  });
}

export function csMin(x: Float64Array, out: Float64Array, p: CrossSectionShape): void {
  broadcastAggregate(x, out, p, minOf);
}

export function csSkew(x: Float64Array, out: Float64Array, p: CrossSectionShape): void {
  broadcastAggregate(x, out, p, (v, m) => scipyMoment(v, m, false));
}

export function csKurt(x: Float64Array, out: Float64Array, p: CrossSectionShape): void {
  broadcastAggregate(x, out, p, (v, m) => scipyMoment(v, m, true));
}

export function csRank(x: Float64Array, out: Float64Array, p: CrossSectionShape): void {
  const col = new Column(p.nInst);
  for (let t = 0; t < p.nDates; t++) {
    col.gather(x, out, p, t);
    col.nanWhereMissing(x, out);
    const m = col.nVals;
    const v = col.vals;
    const cells = col.valCells;
    sortWithPayload(v, cells, 0, m);
    // each run of equal values [a, b) shares the average of ranks a+1..b
    for (let a = 0; a < m; ) {
      let b = a + 1;
      while (b < m && v[b] === v[a]) b++;
      const r = (a + 1 + b) / 2 / m;
      for (let k = a; k < b; k++) out[cells[k]!] = r;
      a = b;
    }
  }
}

export function csZscore(x: Float64Array, out: Float64Array, p: CrossSectionShape): void {
  const col = new Column(p.nInst);
  for (let t = 0; t < p.nDates; t++) {
    col.gather(x, out, p, t);
    const m = col.nVals;
    col.nanWhereMissing(x, out);
    if (m === 0) continue;
    const v = col.vals;
    const ref = minOf(v, m);
    const md = shiftedMean(v, m, ref);
    const std = sampleStd(v, m);
    for (let k = 0; k < m; k++) {
      const z = (v[k]! - ref - md) / std;
      out[col.valCells[k]!] = z - z === 0 ? z : NaN;
    }
  }
}

export function csScale(x: Float64Array, out: Float64Array, p: CrossSectionShape, a = 1): void {
  const col = new Column(p.nInst);
  for (let t = 0; t < p.nDates; t++) {
    col.gather(x, out, p, t);
    const m = col.nVals;
    col.nanWhereMissing(x, out);
    const v = col.vals;
    let s = 0;
    for (let k = 0; k < m; k++) s += Math.abs(v[k]!);
    for (let k = 0; k < m; k++) {
      const r = (v[k]! * a) / s;
      out[col.valCells[k]!] = r - r === 0 ? r : NaN;
    }
  }
}
