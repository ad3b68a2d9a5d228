import { describe, expect, it } from "vitest";
import type { Panel } from "../../factors/panel.ts";
import { meanCrossSectionalRankCorr } from "../../backtest/ic.ts";
import { CorrelationStore } from "../../src/evolution/correlation.ts";
import { SeededRandom } from "../../src/evolution/seeds.ts";

/** A panel with staggered spans and an optional membership mask; only the shape matters here. */
function panel(nInst: number, nDates: number, rng: SeededRandom, withMember: boolean): Panel {
  const first = Int32Array.from({ length: nInst }, () => rng.int(5));
  const last = Int32Array.from({ length: nInst }, () => nDates - 1 - rng.int(5));
  let member: Uint8Array | undefined;
  if (withMember) member = Uint8Array.from({ length: nInst * nDates }, () => (rng.chance(0.9) ? 1 : 0));
  return {
    dates: Array.from({ length: nDates }, (_, t) => `2020-01-${String(1 + (t % 28)).padStart(2, "0")}`),
    instruments: Array.from({ length: nInst }, (_, i) => `I${i}`),
    nDates,
    nInst,
    fields: new Map(),
    first,
    last,
    ...(member ? { member } : {}),
  };
}

/** Values with NaN holes, ties (rounded) and a partial dependence on `base`. */
function values(n: number, rng: SeededRandom, base?: Float64Array, holes = 0.05): Float64Array {
  return Float64Array.from({ length: n }, (_, c) => {
    if (rng.chance(holes)) return Number.NaN;
    const noise = Math.round((rng.next() - 0.5) * 20) / 4; // coarse: many ties
    return base ? (Number.isNaN(base[c]!) ? rng.next() : base[c]! * 0.8) + noise : noise;
  });
}

describe("CorrelationStore", () => {
  it("equals the reference mean daily rank correlation, with holes, ties, spans and membership", () => {
    for (const withMember of [false, true]) {
      const rng = new SeededRandom(7 + Number(withMember));
      const p = panel(40, 30, rng, withMember);
      const a = values(40 * 30, rng);
      const b = values(40 * 30, rng, a);
      const c = values(40 * 30, rng, undefined, 0); // no holes: the fast path on many dates
      const window = { from: 3, to: 24 };
      const exact = new CorrelationStore(p, window, { exact: true });
      const approx = new CorrelationStore(p, window);
      for (const [x, y] of [
        [a, b],
        [a, c],
        [c, c],
      ] as const) {
        const ref = meanCrossSectionalRankCorr(x, y, p, window);
        expect(exact.correlate(exact.profile(x), exact.profile(y))).toBeCloseTo(ref, 5);
        // 5% holes on each side: the approximation stays within a few hundredths.
        expect(Math.abs(approx.correlate(approx.profile(x), approx.profile(y)) - ref)).toBeLessThan(0.03);
      }
      // Without holes the finite sets agree and the fast path is exact.
      const d = values(40 * 30, rng, c, 0);
      expect(approx.correlate(approx.profile(c), approx.profile(d))).toBeCloseTo(meanCrossSectionalRankCorr(c, d, p, window), 5);
    }
  });

  it("finds the most correlated stored factor and every one above a threshold", () => {
    const rng = new SeededRandom(3);
    const p = panel(30, 20, rng, false);
    const a = values(600, rng);
    const near = values(600, rng, a);
    const far = values(600, rng);
    const store = new CorrelationStore(p, { from: 0, to: 19 });
    store.add("a", "A", a);
    store.add("far", "FAR", far);
    store.add("a", "A again", far); // same key: ignored
    expect(store.size).toBe(2);
    const hit = store.mostCorrelated(near);
    expect(hit.key).toBe("a");
    expect(Math.abs(hit.corr)).toBeGreaterThan(0.5);
    const above = store.correlatedProfile(store.profile(near), 0.5);
    expect(store.mostCorrelatedProfile(store.profile(near))).toEqual(above.most);
    expect(above.hits.map((h) => h.key)).toEqual(["a"]);
    expect(above.most.key).toBe("a");
  });
});
