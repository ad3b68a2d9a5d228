import { describe, expect, it } from "vitest";
import { lehmer, naiveRanks, sortInputs } from "../helpers/sort-inputs.ts";
import { RankScratch } from "../../backtest/stats.ts";


const rnd = lehmer(7);
const GENERATORS = sortInputs(rnd);

describe("RankScratch", () => {
  for (const [name, gen] of Object.entries(GENERATORS)) {
    it(`ranks, rankDot and argsort agree with a comparison sort: ${name}`, () => {
      const s = new RankScratch(600);
      const out = new Float64Array(600);
      const dot = new Float64Array(2);
      for (let it = 0; it < 60; it++) {
        const n = 1 + Math.floor(rnd() * 600);
        const x = Float64Array.from({ length: n }, gen);
        s.vals.set(x);
        s.ranks(n, out);
        const want = naiveRanks(x, n);
        for (let k = 0; k < n; k++) expect(out[k], `${name}, n=${n}, k=${k}`).toBe(want[k]);
        expect([...s.vals.subarray(0, n)]).toEqual([...x]); // input left intact

        const fin = x.map((v) => (Number.isFinite(v) ? v : 0));
        s.vals.set(fin);
        let mn = Infinity;
        let mx = -Infinity;
        for (const v of fin) {
          if (v < mn) mn = v;
          if (v > mx) mx = v;
        }
        const w = Float64Array.from({ length: n + 2 }, () => rnd() - 0.5);
        s.rankDot(n, mn, mx, w, 2, dot);
        const r = naiveRanks(fin, n);
        const c = (n + 1) / 2;
        let sxy = 0;
        let sxx = 0;
        for (let k = 0; k < n; k++) {
          sxy += (r[k]! - c) * w[2 + k]!;
          sxx += (r[k]! - c) ** 2;
        }
        expect(dot[0]).toBeCloseTo(sxy, 9);
        expect(dot[1]).toBe(sxx); // half-integer arithmetic: exact

        const order = [...s.argsort(n)];
        expect(order).toEqual(Array.from({ length: n }, (_, i) => i).sort((a, b) => fin[a]! - fin[b]! || a - b));
      }
    });
  }
});
