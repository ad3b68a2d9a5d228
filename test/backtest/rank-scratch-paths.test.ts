import { describe, expect, it } from "vitest";
import { lehmer, naiveRanks, shiftedPearsonSums } from "../helpers/sort-inputs.ts";
import { RANK_SCRATCH_MAX, RankScratch } from "../../backtest/stats.ts";

/**
 * The IC's path through RankScratch (pearsonRankDot) case by case, against the definitions: the
 * radix sort's tie and shared-key handling, its give-up to the fallback sort, unkeyable ranges,
 * tiny and constant cross-sections. With half-integer weights (label rank deviations, as the IC
 * passes them) the Spearman sums are exact, so they must match the definition to the bit.
 */


/** pearsonRankDot's four sums by definition: Spearman sums from naive ranks, then the two-pass Pearson. */
function reference(x: Float64Array, n: number, w: Float64Array, y: Float64Array): number[] {
  let mn = Infinity;
  let mx = -Infinity;
  for (let k = 0; k < n; k++) {
    mn = Math.min(mn, x[k]!);
    mx = Math.max(mx, x[k]!);
  }
  let rw = 0;
  let rr = 0;
  if (mx > mn) {
    const r = naiveRanks(x, n);
    const c = (n + 1) / 2;
    for (let k = 0; k < n; k++) {
      rw += (r[k]! - c) * w[k]!;
      rr += (r[k]! - c) ** 2;
    }
  }
  return [rw, rr, ...shiftedPearsonSums(x, n, mn, y)];
}

/** Label rank deviations of n labels with ties (half-integers), in label order. */
function labelRankDevs(n: number, rnd: () => number): Float64Array {
  const labels = Array.from({ length: n }, () => Math.round(rnd() * n * 0.7)).sort((a, b) => a - b);
  return Float64Array.from(naiveRanks(labels, n), (r) => r - (n + 1) / 2);
}

const rnd = lehmer(2024);
const CASES: Record<string, (n: number) => number[]> = {
  "distinct values": (n) => Array.from({ length: n }, () => rnd() - 0.5),
  "ties at every size (t ≡ 0..3 mod 4)": (n) => Array.from({ length: n }, (_, k) => Math.floor(Math.sqrt(k * 7) % 9)).sort(() => rnd() - 0.5),
  // 0.5 + k·1e-12 share one key (of 65536 over [0, 1)), arrive out of order, and tie among themselves:
  // values are inserted back, and join tie groups both at the end and further in.
  "values sharing a key, ties among them": (n) => Array.from({ length: n }, () => (rnd() < 0.1 ? 0.5 + Math.floor(rnd() * 3) * 1e-12 : rnd())),
  "a big tie group sharing its key with other values": (n) => Array.from({ length: n }, () => (rnd() < 0.3 ? 0.25 : rnd() < 0.1 ? 0.25 + rnd() * 1e-9 : rnd())),
  "an outlier squeezes all else into one key (fallback sort)": (n) => Array.from({ length: n }, (_, k) => (k === 3 ? 1e12 : rnd())),
  "the fallback sort with ties": (n) => Array.from({ length: n }, (_, k) => (k === 3 ? 1e12 : Math.round(rnd() * 20) * 1e-3)),
  "a range too small to scale (subnormal)": (n) => Array.from({ length: n }, () => 5e-324 * Math.round(rnd() * 10)),
  "a range too large to scale": (n) => Array.from({ length: n }, () => (rnd() < 0.5 ? -1.7e308 : 1.7e308) * rnd()),
  "±0 and ties": (n) => Array.from({ length: n }, () => (rnd() < 0.3 ? 0 : rnd() < 0.5 ? -0 : Math.round(rnd() * 4))),
  constant: (n) => Array.from({ length: n }, () => 3.25),
};

describe("RankScratch.pearsonRankDot against the definitions", () => {
  for (const [name, gen] of Object.entries(CASES)) {
    it(name, () => {
      const s = new RankScratch(600);
      for (const n of [1, 2, 3, 5, 64, 497, 600]) {
        for (let rep = 0; rep < 3; rep++) {
          const x = Float64Array.from(gen(n));
          const w = labelRankDevs(n, rnd);
          const y = Float64Array.from({ length: n }, () => rnd() - 0.5);
          let mn = Infinity;
          let mx = -Infinity;
          for (const v of x) {
            mn = Math.min(mn, v);
            mx = Math.max(mx, v);
          }
          s.vals.set(x);
          const got = new Float64Array(4);
          s.pearsonRankDot(n, mn, mx, w, 0, y, 0, got);
          expect([...got], `${name}, n=${n}`).toEqual(reference(x, n, w, y));
          expect([...s.vals.subarray(0, n)]).toEqual([...x]); // input left intact

          // rankDot takes the same sort: the same bits, also with arbitrary weights.
          const wr = Float64Array.from({ length: n }, () => rnd() - 0.5);
          const a = new Float64Array(4);
          const b = new Float64Array(2);
          s.pearsonRankDot(n, mn, mx, wr, 0, y, 0, a);
          s.rankDot(n, mn, mx, wr, 0, b);
          expect([b[0], b[1]]).toEqual([a[0], a[1]]);

          const ranks = new Float64Array(n);
          s.ranks(n, ranks);
          expect([...ranks]).toEqual([...naiveRanks(x, n)]);
        }
      }
    });
  }
});

describe("RankScratch instances share one sort kernel", () => {
  it("an argsort result stays valid while another scratch sorts", () => {
    const a = new RankScratch(50);
    const b = new RankScratch(50);
    a.vals.set([3, 1, 2, 1, 5]);
    const order = a.argsort(5);
    const before = [...order];
    b.vals.set([9, 8, 7, 6, 5, 4]);
    const rb = new Float64Array(6);
    b.ranks(6, rb);
    expect([...order]).toEqual(before);
    expect(before).toEqual([1, 3, 2, 0, 4]);
    expect([...rb]).toEqual([6, 5, 4, 3, 2, 1]);
  });

  it("refuses more values than the kernel holds", () => {
    expect(() => new RankScratch(RANK_SCRATCH_MAX + 1)).toThrow(RangeError);
    expect(() => new RankScratch(RANK_SCRATCH_MAX)).not.toThrow();
  });
});
