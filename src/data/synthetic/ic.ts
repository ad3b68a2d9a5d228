import type { Panel } from "../../../factors/panel.ts";
import { averageRanks } from "./ranking.ts";

/**
 * The standard label on a panel: Ref($close,-2)/Ref($close,-1) - 1, i.e. the
 * return from close t+1 to close t+2, instrument-major; NaN where either close
 * is missing or outside the instrument's span.
 */
export function forwardLabel(panel: Panel): Float64Array {
  const close = panel.fields.get("close");
  if (!close) throw new Error("panel has no close");
  const { nDates } = panel;
  const out = new Float64Array(panel.nInst * nDates).fill(NaN);
  for (let i = 0; i < panel.nInst; i++) {
    const base = i * nDates;
    for (let t = panel.first[i]!; t + 2 <= panel.last[i]!; t++) {
      const v = close[base + t + 2]! / close[base + t + 1]! - 1;
      if (Number.isFinite(v)) out[base + t] = v;
    }
  }
  return out;
}

function pearson(x: Float64Array, y: Float64Array, n: number): number {
  let mx = 0, my = 0;
  for (let k = 0; k < n; k++) { mx += x[k]!; my += y[k]!; }
  mx /= n; my /= n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let k = 0; k < n; k++) {
    const dx = x[k]! - mx, dy = y[k]! - my;
    sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
  }
  const d = Math.sqrt(sxx * syy);
  return d > 0 ? sxy / d : NaN;
}

/**
 * Daily cross-sectional IC and RankIC of a score against a label (both
 * instrument-major), over instruments in the cross-section (span and member
 * mask) where both are finite; NaN on days with fewer than `minCount` pairs.
 */
export function dailyIc(panel: Panel, score: Float64Array, label: Float64Array, minCount = 10): { ic: Float64Array; rankIc: Float64Array } {
  const { nDates, nInst } = panel;
  const ic = new Float64Array(nDates).fill(NaN), rankIc = new Float64Array(nDates).fill(NaN);
  const x = new Float64Array(nInst), y = new Float64Array(nInst);
  const rx = new Float64Array(nInst), ry = new Float64Array(nInst);
  const keys = new Float64Array(nInst), idx = new Int32Array(nInst);
  for (let t = 0; t < nDates; t++) {
    let n = 0;
    for (let i = 0; i < nInst; i++) {
      if (t < panel.first[i]! || t > panel.last[i]!) continue;
      const c = i * nDates + t;
      if (panel.member && panel.member[c] !== 1) continue;
      const s = score[c]!, l = label[c]!;
      if (!Number.isFinite(s) || !Number.isFinite(l)) continue;
      x[n] = s; y[n] = l; n++;
    }
    if (n < minCount) continue;
    ic[t] = pearson(x, y, n);
    averageRanks(x, n, keys, idx, rx);
    averageRanks(y, n, keys, idx, ry);
    rankIc[t] = pearson(rx, ry, n);
  }
  return { ic, rankIc };
}

/** Mean and mean/std (ICIR) of the finite entries of a daily series, optionally over [from, to). */
export function seriesStats(s: Float64Array, from = 0, to = s.length): { mean: number; ir: number; days: number } {
  let n = 0, sum = 0, sq = 0;
  for (let t = from; t < to; t++) {
    const v = s[t]!;
    if (Number.isNaN(v)) continue;
    n++; sum += v; sq += v * v;
  }
  if (n === 0) return { mean: NaN, ir: NaN, days: 0 };
  const mean = sum / n;
  const sd = n > 1 ? Math.sqrt((sq - n * mean * mean) / (n - 1)) : NaN;
  return { mean, ir: sd > 0 ? mean / sd : NaN, days: n };
}
