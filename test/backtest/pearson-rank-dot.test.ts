import { describe, expect, it } from "vitest";
import { RankScratch } from "../../backtest/stats.ts";

let seed = 11;
const rnd = (): number => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
};

// Finite inputs (the IC gathers finite factor values only) that reach each path of the sort.
const GENERATORS: Record<string, () => number> = {
  uniform: () => rnd() - 0.5,
  "few values (ties)": () => Math.round(rnd() * 5) / 5,
  "one outlier (crowded bucket)": () => (rnd() < 0.01 ? 1e9 : rnd()),
  "nested crowding (re-bucketing gives up: radix)": () => Math.pow(10, -Math.floor(rnd() * 300)),
  "huge spread": () => Math.exp(40 * rnd()) * (rnd() < 0.5 ? -1 : 1),
  "range overflows": () => (rnd() < 0.5 ? 1.7e308 : -1.7e308) * rnd(),
  constant: () => 3.25,
  subnormal: () => 5e-324 * Math.round(rnd() * 10),
};

describe("RankScratch.pearsonRankDot", () => {
  for (const [name, gen] of Object.entries(GENERATORS)) {
    it(`the same bits as the two-pass Pearson plus rankDot: ${name}`, () => {
      for (const n of [2, 3, 17, 480]) {
        const s = new RankScratch(n);
        const x = Float64Array.from({ length: n }, gen);
        const w = Float64Array.from({ length: n + 5 }, () => rnd() - 0.5);
        const y = Float64Array.from({ length: n + 5 }, () => rnd() - 0.5);
        const mn = Math.min(...x);
        const mx = Math.max(...x);
        // Reference: the IC's separate passes (shift by the minimum, then two-pass), then rankDot.
        let sx = 0;
        for (let k = 0; k < n; k++) sx += x[k]! - mn;
        const a = sx / n;
        let sxy = 0;
        let sxx = 0;
        for (let k = 0; k < n; k++) {
          const d = x[k]! - mn - a;
          sxy += d * y[3 + k]!;
          sxx += d * d;
        }
        s.vals.set(x);
        const rank = new Float64Array(2);
        s.rankDot(n, mn, mx, w, 5, rank);
        s.vals.set(x);
        const got = new Float64Array(4);
        s.pearsonRankDot(n, mn, mx, w, 5, y, 3, got);
        expect([...got].map((v) => Object.is(v, -0) ? "-0" : v), `n=${n}`).toEqual([rank[0], rank[1], sxy, sxx].map((v) => Object.is(v, -0) ? "-0" : v));
      }
    });
  }
});
