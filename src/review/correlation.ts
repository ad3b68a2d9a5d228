/**
 * The factor correlation matrix: for every pair, the mean over dates of the cross-sectional
 * Spearman correlation (backtest's `meanCrossSectionalRankCorr`, the redundancy measure of
 * DESIGN §3), on one date window.
 *
 * Computed pair by pair that costs two rankings per pair and date. Here each factor is ranked once
 * per date over the whole cross-section; a pair whose two factors are both defined on the entire
 * cross-section that day (the common case) then needs only a Pearson of the stored ranks, which is
 * exactly what the pair-wise function computes. Other days fall back to the pair-wise computation
 * over the instruments where both are defined, so the result equals the pair-wise one bit for bit.
 */
import type { IndexRange } from "../../backtest/split.ts";
import { RankScratch, pearson } from "../../backtest/stats.ts";
import type { Panel } from "../../factors/panel.ts";

export interface CorrelationMatrix {
  readonly n: number;
  /** Row-major n×n, symmetric, 1 on the diagonal (NaN where no date counts). */
  readonly values: Float64Array;
}

export function corrAt(m: CorrelationMatrix, a: number, b: number): number {
  return m.values[a * m.n + b]!;
}

/** The matrix as nested arrays (for JSON and the report). */
export function matrixRows(m: CorrelationMatrix): number[][] {
  return Array.from({ length: m.n }, (_, a) => Array.from(m.values.subarray(a * m.n, (a + 1) * m.n)));
}

function inCross(panel: Panel, i: number, t: number): boolean {
  if (t < panel.first[i]! || t > panel.last[i]!) return false;
  return panel.member === undefined || panel.member[i * panel.nDates + t] === 1;
}

export function rankCorrelationMatrix(panel: Panel, values: readonly Float64Array[], window: IndexRange): CorrelationMatrix {
  const n = values.length;
  const { nDates, nInst } = panel;
  const from = Math.max(0, window.from);
  const to = Math.min(nDates - 1, window.to);
  const nd = Math.max(0, to - from + 1);

  // The cross-section of each date: instruments in span (and membership), ascending.
  const crossOff = new Int32Array(nd + 1);
  const crossAll: number[] = [];
  for (let k = 0; k < nd; k++) {
    for (let i = 0; i < nInst; i++) if (inCross(panel, i, from + k)) crossAll.push(i);
    crossOff[k + 1] = crossAll.length;
  }
  const cross = Int32Array.from(crossAll);
  const cells = cross.length;

  // Per factor: ranks over the full cross-section on dates where it is defined everywhere in it.
  const sa = new RankScratch(Math.max(1, nInst));
  const sb = new RankScratch(Math.max(1, nInst));
  const xa = sa.vals;
  const xb = sb.vals;
  const ra = new Float64Array(nInst);
  const rb = new Float64Array(nInst);
  const ranks = values.map(() => new Float64Array(cells));
  const complete = values.map(() => new Uint8Array(nd));
  values.forEach((v, f) => {
    for (let k = 0; k < nd; k++) {
      const o0 = crossOff[k]!;
      const m = crossOff[k + 1]! - o0;
      let ok = m >= 2;
      for (let j = 0; ok && j < m; j++) {
        const x = v[cross[o0 + j]! * nDates + from + k]!;
        if (x - x === 0) xa[j] = x;
        else ok = false;
      }
      if (!ok) continue;
      sa.ranks(m, ra);
      ranks[f]!.set(ra.subarray(0, m), o0);
      complete[f]![k] = 1;
    }
  });

  const out = new Float64Array(n * n).fill(Number.NaN);
  for (let a = 0; a < n; a++) {
    out[a * n + a] = 1;
    for (let b = a + 1; b < n; b++) {
      const va = values[a]!;
      const vb = values[b]!;
      let sum = 0;
      let days = 0;
      for (let k = 0; k < nd; k++) {
        const o0 = crossOff[k]!;
        const m = crossOff[k + 1]! - o0;
        let c: number;
        if (complete[a]![k] === 1 && complete[b]![k] === 1) {
          c = pearson(ranks[a]!.subarray(o0, o0 + m), ranks[b]!.subarray(o0, o0 + m), m);
        } else {
          let cnt = 0;
          const t = from + k;
          for (let j = 0; j < m; j++) {
            const p = cross[o0 + j]! * nDates + t;
            const x = va[p]!;
            const y = vb[p]!;
            if (x - x === 0 && y - y === 0) {
              xa[cnt] = x;
              xb[cnt] = y;
              cnt++;
            }
          }
          if (cnt < 2) continue;
          sa.ranks(cnt, ra);
          sb.ranks(cnt, rb);
          c = pearson(ra, rb, cnt);
        }
        if (Number.isFinite(c)) {
          sum += c;
          days++;
        }
      }
      const r = days > 0 ? sum / days : Number.NaN;
      out[a * n + b] = r;
      out[b * n + a] = r;
    }
  }
  return { n, values: out };
}
