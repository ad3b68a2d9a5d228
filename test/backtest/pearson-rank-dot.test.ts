import { describe, expect, it } from "vitest";
import { lehmer, shiftedPearsonSums, sortInputs } from "../helpers/sort-inputs.ts";
import { RankScratch } from "../../backtest/stats.ts";

const rnd = lehmer(11);
const GENERATORS = sortInputs(rnd, { finiteOnly: true });

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
        const [sxy, sxx] = shiftedPearsonSums(x, n, mn, y, 3);
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
