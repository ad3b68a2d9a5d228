/**
 * Preprocessing as qlib's processors, per date over the cross-section (in span and, when the
 * panel has one, in the membership):
 *   ProcessInf   ±inf → the mean of that date's other (finite) values of the same column
 *   CSRankNorm   (rank pct − 0.5) × 3.46, pct = average rank / number of non-NaN values
 *                (pandas `rank(pct=True)`; 3.46 ≈ √12 scales a uniform to unit std, qlib's constant)
 *   Fillna       missing features → 0 (the cross-sectional median after CSRankNorm)
 *   DropnaLabel  rows without a finite label are not fitted on
 * and the result as a dense row-major design matrix.
 *
 * Features are ranked over the whole cross-section of the date, label or not (qlib's infer
 * processors run before DropnaLabel, and at prediction time there is no label to filter on); the
 * label is ranked over the rows that keep one.
 */
import type { Panel } from "../factors/panel.ts";
import type { IndexRange, Split } from "./split.ts";
import { RankScratch, transposeWindow } from "./stats.ts";

/** qlib's CSRankNorm multiplier. */
export const RANK_NORM_SCALE = 3.46;

function inCross(panel: Panel, i: number, t: number): boolean {
  if (t < panel.first[i]! || t > panel.last[i]!) return false;
  return panel.member === undefined || panel.member[i * panel.nDates + t] === 1;
}

/**
 * Rank-normalised copy of `values` over `window` (NaN outside it, outside the cross-section and
 * where the input is NaN). ±inf are first replaced by the date's finite mean (ProcessInf).
 */
export function csRankNorm(values: Float64Array, panel: Panel, window: IndexRange): Float64Array {
  const { nDates, nInst } = panel;
  const out = new Float64Array(values.length).fill(NaN);
  const scratch = new RankScratch(nInst);
  const xs = scratch.vals;
  const who = new Int32Array(nInst);
  const rk = new Float64Array(nInst);
  for (let t = Math.max(0, window.from); t <= Math.min(nDates - 1, window.to); t++) {
    const n = gatherCross(values, panel, t, xs, who);
    rankNormInto(xs, n, scratch, rk);
    for (let k = 0; k < n; k++) out[who[k]! * nDates + t] = rk[k]!;
  }
  return out;
}

/**
 * Gathers the date's cross-section values of one column with ProcessInf applied; returns how many
 * are non-NaN (values in xs[0..n), their instrument ids in who).
 */
function gatherCross(values: Float64Array, panel: Panel, t: number, xs: Float64Array, who: Int32Array): number {
  const { nDates, nInst } = panel;
  let n = 0;
  let nInf = 0;
  let sum = 0;
  for (let i = 0; i < nInst; i++) {
    if (!inCross(panel, i, t)) continue;
    const v = values[i * nDates + t]!;
    if (Number.isNaN(v)) continue;
    xs[n] = v;
    who[n] = i;
    n++;
    if (v === Infinity || v === -Infinity) nInf++;
    else sum += v;
  }
  return nInf > 0 ? replaceInf(xs, who, n, nInf, sum) : n;
}

/** out[k] = (averageRank_k / n − 0.5) × 3.46 for xs[0..n). */
function rankNormInto(xs: Float64Array, n: number, scratch: RankScratch, out: Float64Array): void {
  if (n === 0) return;
  if (xs !== scratch.vals) scratch.vals.set(xs.subarray(0, n));
  scratch.ranks(n, out);
  for (let k = 0; k < n; k++) out[k] = (out[k]! / n - 0.5) * RANK_NORM_SCALE;
}

/** A dense design matrix: row r is (instrument inst[r], date date[r]); x is row-major rows × features. */
export interface DesignMatrix {
  readonly nRows: number;
  readonly nFeatures: number;
  readonly x: Float64Array;
  /** Rank-normalised label per row (empty when built without a label). */
  readonly y: Float64Array;
  /** The raw label per row (empty when built without a label). */
  readonly rawLabel: Float64Array;
  readonly inst: Int32Array;
  readonly date: Int32Array;
}

export interface DesignOptions {
  /**
   * `fit` (default when a label is given): dates of the split's label window, rows with a finite
   * label only, y filled. `predict`: every cross-section row of the split's dates, no label read.
   */
  readonly mode?: "fit" | "predict";
}

/**
 * Design matrix of a split: CSRankNorm'd features (NaN → 0), and for fitting the CSRankNorm'd
 * label with NaN-label rows dropped. Rows are ordered by date, then instrument.
 */
export function designMatrix(
  features: readonly Float64Array[],
  label: Float64Array | undefined,
  panel: Panel,
  split: Split,
  opts: DesignOptions = {},
): DesignMatrix {
  const mode = opts.mode ?? (label ? "fit" : "predict");
  if (mode === "fit" && !label) throw new Error("designMatrix: fitting needs a label");
  const w = mode === "fit" ? split.labelWindow() : split.window();
  const from = Math.max(0, w.from);
  const to = Math.min(panel.nDates - 1, w.to);
  const nd = Math.max(0, to - from + 1);
  const { nDates, nInst } = panel;
  const F = features.length;

  // Each date's cross-section (instrument ids, ascending) and, among it, which become rows.
  const crossStart = new Int32Array(nd + 1);
  const crossInst: number[] = [];
  const crossRow: number[] = []; // row number, or −1 (in the cross-section but no label)
  const instRows: number[] = [];
  const dateRows: number[] = [];
  for (let k = 0; k < nd; k++) {
    const t = from + k;
    crossStart[k] = crossInst.length;
    for (let i = 0; i < nInst; i++) {
      if (!inCross(panel, i, t)) continue;
      crossInst.push(i);
      if (mode === "fit" && !Number.isFinite(label![i * nDates + t]!)) {
        crossRow.push(-1);
        continue;
      }
      crossRow.push(instRows.length);
      instRows.push(i);
      dateRows.push(t);
    }
  }
  crossStart[nd] = crossInst.length;
  const nRows = instRows.length;
  const x = new Float64Array(nRows * F); // zeros = Fillna(0)
  const y = new Float64Array(mode === "fit" ? nRows : 0);
  const rawLabel = new Float64Array(mode === "fit" ? nRows : 0);
  const inst = Int32Array.from(instRows);
  const date = Int32Array.from(dateRows);

  const scratch = new RankScratch(nInst);
  const xs = scratch.vals;
  const rowOfK = new Int32Array(nInst);
  const rk = new Float64Array(nInst);
  const rows = new Float64Array(nd * nInst);
  for (let f = 0; f < F; f++) {
    // Date-major copy of the window: each date's gather then reads one contiguous row.
    transposeWindow(features[f]!, nDates, nInst, from, nd, rows);
    for (let k = 0; k < nd; k++) {
      const c0 = crossStart[k]!;
      const c1 = crossStart[k + 1]!;
      const base = k * nInst;
      let n = 0;
      let nInf = 0;
      let sum = 0;
      for (let c = c0; c < c1; c++) {
        const v = rows[base + crossInst[c]!]!;
        if (Number.isNaN(v)) continue;
        xs[n] = v;
        rowOfK[n] = crossRow[c]!;
        n++;
        if (v === Infinity || v === -Infinity) nInf++;
        else sum += v;
      }
      if (nInf > 0) n = replaceInf(xs, rowOfK, n, nInf, sum);
      if (n === 0) continue;
      scratch.ranks(n, rk);
      for (let q = 0; q < n; q++) {
        const r = rowOfK[q]!;
        if (r >= 0) x[r * F + f] = (rk[q]! / n - 0.5) * RANK_NORM_SCALE;
      }
    }
  }
  if (mode === "fit") {
    // Each date's rows are exactly its finite-label cross-section: rank the label over them.
    let r0 = 0;
    while (r0 < nRows) {
      let r1 = r0 + 1;
      while (r1 < nRows && date[r1] === date[r0]) r1++;
      const t = date[r0]!;
      const n = r1 - r0;
      for (let r = r0; r < r1; r++) xs[r - r0] = rawLabel[r] = label![inst[r]! * nDates + t]!;
      scratch.ranks(n, rk);
      for (let r = r0; r < r1; r++) y[r] = (rk[r - r0]! / n - 0.5) * RANK_NORM_SCALE;
      r0 = r1;
    }
  }
  return { nRows, nFeatures: F, x, y, rawLabel, inst, date };
}

/**
 * qlib ProcessInf on gathered values: ±inf → the mean of the finite ones (dropped when there are
 * none). Compacts xs/tag in place; returns the new count.
 */
function replaceInf(xs: Float64Array, tag: Int32Array, n: number, nInf: number, sum: number): number {
  const fill = n > nInf ? sum / (n - nInf) : NaN;
  let m = 0;
  for (let k = 0; k < n; k++) {
    const v = xs[k]! === Infinity || xs[k]! === -Infinity ? fill : xs[k]!;
    if (Number.isNaN(v)) continue;
    xs[m] = v;
    tag[m] = tag[k]!;
    m++;
  }
  return m;
}

/** Scatter per-row predictions back to an instrument-major array (NaN elsewhere). */
export function scatterRows(m: Pick<DesignMatrix, "inst" | "date" | "nRows">, pred: ArrayLike<number>, panel: Panel): Float64Array {
  const out = new Float64Array(panel.nDates * panel.nInst).fill(NaN);
  for (let r = 0; r < m.nRows; r++) out[m.inst[r]! * panel.nDates + m.date[r]!] = pred[r]!;
  return out;
}
