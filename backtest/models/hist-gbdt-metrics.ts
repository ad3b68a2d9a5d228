/**
 * Validation scores for early stopping, on a design matrix whose rows are grouped by date
 * (contiguous runs of equal `date`, as designMatrix builds them):
 *   rmse    root mean squared error against y (the rank-normalised label): lower is better
 *   ic      mean over dates of the Pearson correlation of prediction and y: higher is better
 *   rankic  mean over dates of the Spearman correlation (average ranks for ties): higher is better
 * Dates with fewer than two rows or a constant side are skipped (as a NaN daily IC would be).
 */

export type EvalMetric = "rmse" | "ic" | "rankic";

export function higherIsBetter(metric: EvalMetric): boolean {
  return metric !== "rmse";
}

export function rmse(pred: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let r = 0; r < y.length; r++) s += (pred[r]! - y[r]!) ** 2;
  return Math.sqrt(s / Math.max(1, y.length));
}

/** Pearson correlation of a[from..to) and b[from..to); NaN when either side is constant. */
function pearson(a: Float64Array, b: Float64Array, from: number, to: number): number {
  const n = to - from;
  let ma = 0;
  let mb = 0;
  for (let r = from; r < to; r++) {
    ma += a[r]!;
    mb += b[r]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let r = from; r < to; r++) {
    const u = a[r]! - ma;
    const v = b[r]! - mb;
    sab += u * v;
    saa += u * u;
    sbb += v * v;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** Average ranks (1-based) of v[from..to) into out[from..to), using sorted as scratch. */
function rankInto(v: Float64Array, from: number, to: number, sorted: Float64Array, out: Float64Array): void {
  const n = to - from;
  const s = sorted.subarray(0, n);
  s.set(v.subarray(from, to));
  s.sort();
  for (let r = from; r < to; r++) {
    const x = v[r]!;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    let up = lo;
    let top = n;
    while (up < top) {
      const mid = (up + top) >>> 1;
      if (s[mid]! <= x) up = mid + 1;
      else top = mid;
    }
    out[r] = (lo + up + 1) / 2; // mean of ranks lo+1 .. up
  }
}

/**
 * Scores predictions on one validation matrix. Label ranks and day boundaries are computed once,
 * so scoring each boosting round costs one pass (rmse, ic) or one sort per date (rankic).
 */
export class ValidScorer {
  readonly metric: EvalMetric;
  private readonly y: Float64Array;
  private readonly dayStart: Int32Array;
  private readonly yRank: Float64Array;
  private readonly pRank: Float64Array;
  private readonly sorted: Float64Array;

  constructor(metric: EvalMetric, y: Float64Array, date: Int32Array) {
    this.metric = metric;
    this.y = y;
    const n = y.length;
    const starts: number[] = [];
    let maxDay = 0;
    for (let r = 0; r < n; r++) {
      if (r === 0 || date[r] !== date[r - 1]) {
        if (starts.length > 0) maxDay = Math.max(maxDay, r - starts[starts.length - 1]!);
        starts.push(r);
      }
    }
    if (starts.length > 0) maxDay = Math.max(maxDay, n - starts[starts.length - 1]!);
    starts.push(n);
    this.dayStart = Int32Array.from(starts);
    this.sorted = new Float64Array(metric === "rankic" ? maxDay : 0);
    this.pRank = new Float64Array(metric === "rankic" ? n : 0);
    this.yRank = new Float64Array(metric === "rankic" ? n : 0);
    if (metric === "rankic") for (let d = 0; d + 1 < this.dayStart.length; d++) rankInto(y, this.dayStart[d]!, this.dayStart[d + 1]!, this.sorted, this.yRank);
  }

  score(pred: Float64Array): number {
    if (this.metric === "rmse") return rmse(pred, this.y);
    const rank = this.metric === "rankic";
    let sum = 0;
    let days = 0;
    for (let d = 0; d + 1 < this.dayStart.length; d++) {
      const from = this.dayStart[d]!;
      const to = this.dayStart[d + 1]!;
      if (to - from < 2) continue;
      let c: number;
      if (rank) {
        rankInto(pred, from, to, this.sorted, this.pRank);
        c = pearson(this.pRank, this.yRank, from, to);
      } else c = pearson(pred, this.y, from, to);
      if (Number.isFinite(c)) {
        sum += c;
        days++;
      }
    }
    return days > 0 ? sum / days : NaN;
  }
}
