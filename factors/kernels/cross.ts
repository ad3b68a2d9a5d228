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
 * value (as the reference evaluator), so equal values give exactly 0 variance. Their
 * sums run over the row of instruments (0 for one outside the cross-section or NaN) in
 * numpy's pairwise order (./pairwise.ts), as the reference's `.sum(-1)` over its
 * contiguous (dates × instruments) array: the same last bit, so a cross-section that
 * ties or is exactly 0 there does here too (ZSCORE of a column of nearly equal values,
 * fed to LOWDAY, differed otherwise; bench/fuzz-parity.ts). One departure: the row at
 * date t holds only the instruments whose span has begun by t. The reference's row holds
 * every instrument of the panel, so an instrument listed after t would move the pairwise
 * grouping — the last bit of a value at t would depend on later data, which the
 * no-look-ahead property (test/properties/no-lookahead.test.ts) forbids. The two agree
 * whenever no instrument starts after t.
 */
import type { Panel } from "../panel.ts";
import { sortWithPayload } from "./cross-sort.ts";
import { pairwiseDot, pairwiseSum } from "./pairwise.ts";
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
  /** the value of every instrument whose span has begun, NaN outside the cross-section (the reference's row) */
  readonly row: Float64Array;
  /** entries of `row` in use */
  rowLen = 0;
  /** row index of each non-NaN value */
  readonly valRow: Int32Array;
  /** after centre(): (row − min) − mean where row is a number, 0 elsewhere */
  readonly dev: Float64Array;

  constructor(nInst: number) {
    this.cells = new Int32Array(nInst);
    this.vals = new Float64Array(nInst);
    this.valCells = new Int32Array(nInst);
    this.row = new Float64Array(nInst);
    this.valRow = new Int32Array(nInst);
    this.dev = new Float64Array(nInst);
  }

  /** Gathers date t and writes NaN to `out` outside the cross-section (alias-safe: other cells only). */
  gather(x: Float64Array, out: Float64Array, p: CrossSectionShape, t: number): void {
    const { nDates, nInst, first, last, member } = p;
    let nc = 0;
    let nv = 0;
    let nr = 0;
    for (let i = 0; i < nInst; i++) {
      const c = i * nDates + t;
      const begun = t >= first[i]!;
      if (begun) this.row[nr] = 0 / 0;
      if (!begun || t > last[i]! || (member !== undefined && member[c] !== 1)) {
        out[c] = 0 / 0;
        if (begun) nr++;
        continue;
      }
      this.cells[nc++] = c;
      const v = x[c]!;
      if (v === v) {
        this.vals[nv] = v;
        this.valCells[nv] = c;
        this.valRow[nv] = nr;
        this.row[nr] = v;
        nv++;
      }
      nr++;
    }
    this.nCells = nc;
    this.nVals = nv;
    this.rowLen = nr;
  }

  /**
   * The reference's `_center` of the row (needs nVals ≥ 1): fills `dev` and returns the mean,
   * min + Σ(row − min) / count with the sum in numpy's pairwise order over the whole row.
   */
  centre(): number {
    const row = this.row;
    const dev = this.dev;
    const n = this.rowLen;
    let lo = 1 / 0;
    for (let i = 0; i < n; i++) if (row[i]! < lo) lo = row[i]!;
    for (let i = 0; i < n; i++) {
      const v = row[i]!;
      dev[i] = v === v ? v - lo : 0;
    }
    const m = pairwiseSum(dev, 0, n) / this.nVals;
    for (let i = 0; i < n; i++) dev[i] = row[i] === row[i] ? dev[i]! - m : 0;
    return lo + m;
  }

  /** Sample standard deviation (ddof 1) from `dev` after centre(); NaN below 2 values. */
  std(): number {
    const n = this.rowLen;
    return this.nVals > 1 ? Math.sqrt(pairwiseDot(this.dev, 0, this.dev, 0, n) / (this.nVals - 1)) : 0 / 0;
  }

  /** Writes v to every cross-section cell of the gathered date. */
  broadcast(out: Float64Array, v: number): void {
    for (let k = 0; k < this.nCells; k++) out[this.cells[k]!] = v;
  }

  /** Writes NaN to the cross-section cells whose x is NaN (the valid ones are written by the caller). */
  nanWhereMissing(x: Float64Array, out: Float64Array): void {
    for (let k = 0; k < this.nCells; k++) {
      const c = this.cells[k]!;
      if (x[c] !== x[c]) out[c] = 0 / 0;
    }
  }
}

/** Smallest value of vals[0..m) (m >= 1). */
function minOf(vals: Float64Array, m: number): number {
  let lo = vals[0]!;
  for (let k = 1; k < m; k++) if (vals[k]! < lo) lo = vals[k]!;
  return lo;
}

/**
 * scipy.stats.skew / kurtosis (bias=True, fisher=True) with scipy's zero-variance rule, from the
 * centred row (`_central_moments`: m_k = Σd^k / count, d³ as d²·d, d⁴ as d²·d², sums pairwise).
 * `d2` is work space of the row's length.
 */
function scipyMoment(col: Column, kurt: boolean, d2: Float64Array): number {
  const m = col.nVals;
  if (m < (kurt ? 4 : 3)) return 0 / 0;
  const mean = col.centre();
  const dev = col.dev;
  const n = col.rowLen;
  for (let i = 0; i < n; i++) d2[i] = dev[i]! * dev[i]!;
  const m2 = pairwiseSum(d2, 0, n) / m;
  const tiny = 1e-15 * mean; // np.finfo(float64).resolution
  if (m2 <= tiny * tiny) return 0 / 0;
  return kurt ? pairwiseDot(d2, 0, d2, 0, n) / m / (m2 * m2) - 3 : pairwiseDot(d2, 0, dev, 0, n) / m / m2 ** 1.5;
}

/** Per date: one number from the gathered column, broadcast to the whole cross-section (NaN if no value). */
function broadcastColumn(x: Float64Array, out: Float64Array, p: CrossSectionShape, stat: (col: Column) => number): void {
  const col = new Column(p.nInst);
  for (let t = 0; t < p.nDates; t++) {
    col.gather(x, out, p, t);
    if (col.nCells === 0) continue;
    col.broadcast(out, col.nVals === 0 ? 0 / 0 : stat(col));
  }
}

/** vals[0..m) and their cells may be reordered (scratch). */
type Aggregate = (vals: Float64Array, m: number, cells: Int32Array) => number;

/** Per date: one number from the non-NaN values, broadcast to the whole cross-section (NaN if none). */
function broadcastAggregate(x: Float64Array, out: Float64Array, p: CrossSectionShape, agg: Aggregate): void {
  const col = new Column(p.nInst);
  for (let t = 0; t < p.nDates; t++) {
    col.gather(x, out, p, t);
    if (col.nCells === 0) continue;
    col.broadcast(out, col.nVals === 0 ? 0 / 0 : agg(col.vals, col.nVals, col.valCells));
  }
}

export function csMean(x: Float64Array, out: Float64Array, p: CrossSectionShape): void {
  broadcastColumn(x, out, p, (col) => col.centre());
}

export function csStd(x: Float64Array, out: Float64Array, p: CrossSectionShape): void {
  broadcastColumn(x, out, p, (col) => {
    col.centre();
    return col.std();
  });
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
  const d2 = new Float64Array(p.nInst);
  broadcastColumn(x, out, p, (col) => scipyMoment(col, false, d2));
}

export function csKurt(x: Float64Array, out: Float64Array, p: CrossSectionShape): void {
  const d2 = new Float64Array(p.nInst);
  broadcastColumn(x, out, p, (col) => scipyMoment(col, true, d2));
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
    col.centre();
    const std = col.std();
    const dev = col.dev;
    for (let k = 0; k < m; k++) {
      const c = col.valCells[k]!;
      const z = dev[col.valRow[k]!]! / std;
      out[c] = z - z === 0 ? z : 0 / 0;
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
    // np.nansum(|x|) over the row: NaN → 0, numpy's pairwise order
    const absRow = col.dev;
    for (let i = 0; i < col.rowLen; i++) {
      const r = col.row[i]!;
      absRow[i] = r === r ? Math.abs(r) : 0;
    }
    const s = pairwiseSum(absRow, 0, col.rowLen);
    for (let k = 0; k < m; k++) {
      const r = (v[k]! * a) / s;
      out[col.valCells[k]!] = r - r === 0 ? r : 0 / 0;
    }
  }
}
