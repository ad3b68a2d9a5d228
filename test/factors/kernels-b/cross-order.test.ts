/**
 * Cross-sectional means and moments sum in the reference's order: over the row of instruments
 * (0 for one outside the cross-section or NaN), numpy's pairwise summation, as
 * factor_ref.py's `.sum(-1)` over its contiguous (dates × instruments) array. A sequential sum
 * over the valid values differs in the last bit on most dates, and LOWDAY(ZSCORE(PROD(9.86, 14)), 28)
 * on 60 S&P 500 instruments differed from the reference on 935 cells through it (bench/fuzz-parity.ts).
 */
import { describe, expect, it } from "vitest";
import { csMean, csScale, csStd, csZscore, type CrossSectionShape } from "../../../factors/kernels/cross.ts";
import { pairwiseDot, pairwiseSum } from "../../../factors/kernels/pairwise.ts";
import { mulberry32 } from "../../helpers/rng.ts";

const T = 40;
const I = 150; // > 128: numpy's pairwise sum splits the row recursively

function panel(): { x: Float64Array; p: CrossSectionShape; member: Uint8Array } {
  const rng = mulberry32(9);
  const x = new Float64Array(T * I);
  const member = new Uint8Array(T * I);
  for (let c = 0; c < x.length; c++) {
    x[c] = rng() < 0.1 ? NaN : Math.round((20 + rng() * 80) * 100) / 100;
    member[c] = rng() < 0.9 ? 1 : 0;
  }
  const first = Int32Array.from({ length: I }, (_, i) => (i % 7 === 0 ? 5 : 0));
  const last = Int32Array.from({ length: I }, (_, i) => (i % 11 === 0 ? 30 : T - 1));
  return { x, p: { nDates: T, nInst: I, first, last, member }, member };
}

/**
 * The row at date t: every instrument whose span has begun by t (the reference's row holds all
 * of them; see cross.ts for why later ones are left out), NaN outside the cross-section.
 */
function row(x: Float64Array, p: CrossSectionShape, t: number): { values: Float64Array; inst: number[] } {
  const inst = [...Array(I).keys()].filter((i) => t >= p.first[i]!);
  const values = Float64Array.from(inst, (i) => {
    const c = i * T + t;
    return t <= p.last[i]! && p.member![c] === 1 ? x[c]! : NaN;
  });
  return { values, inst };
}

/** `_center` with numpy's pairwise sums: count, mean, deviations (0 where NaN). */
function centre(r: Float64Array): { cnt: number; mean: number; d: Float64Array } {
  let lo = Infinity;
  let cnt = 0;
  for (const v of r) {
    if (v === v) {
      cnt++;
      if (v < lo) lo = v;
    }
  }
  const d = r.map((v) => (v === v ? v - lo : 0));
  const m = pairwiseSum(d, 0, r.length) / cnt;
  return { cnt, mean: lo + m, d: d.map((v, i) => (r[i] === r[i] ? v - m : 0)) };
}

describe("cross-sectional sums in numpy's pairwise order over the whole row", () => {
  const { x, p } = panel();

  it("MEAN, STD and ZSCORE equal the reference's arithmetic bit for bit", () => {
    const mean = new Float64Array(T * I);
    const std = new Float64Array(T * I);
    const z = new Float64Array(T * I);
    csMean(x, mean, p);
    csStd(x, std, p);
    csZscore(x, z, p);
    let seqDiffers = 0;
    for (let t = 0; t < T; t++) {
      const { values: r, inst } = row(x, p, t);
      const { cnt, mean: mu, d } = centre(r);
      const sd = Math.sqrt(pairwiseDot(d, 0, d, 0, r.length) / (cnt - 1));
      const k0 = [...r.keys()].find((k) => r[k] === r[k])!;
      expect(mean[inst[k0]! * T + t]).toBe(mu);
      expect(std[inst[k0]! * T + t]).toBe(sd);
      r.forEach((v, k) => {
        if (v === v) expect(z[inst[k]! * T + t]).toBe(d[k]! / sd);
      });
      // a left-to-right sum over the valid values (the previous order) gives other last bits
      const vals = [...r].filter((v) => v === v);
      const lo = Math.min(...vals);
      let s = 0;
      for (const v of vals) s += v - lo;
      if (lo + s / cnt !== mu) seqDiffers++;
    }
    expect(seqDiffers).toBeGreaterThan(0);
  });

  it("SCALE divides by np.nansum(|x|) over the row, pairwise", () => {
    const out = new Float64Array(T * I);
    csScale(x, out, p, 2);
    for (let t = 0; t < T; t++) {
      const { values: r, inst } = row(x, p, t);
      const s = pairwiseSum(r.map((v) => (v === v ? Math.abs(v) : 0)), 0, r.length);
      r.forEach((v, k) => {
        if (v === v) expect(out[inst[k]! * T + t]).toBe((v * 2) / s);
      });
    }
  });
});
