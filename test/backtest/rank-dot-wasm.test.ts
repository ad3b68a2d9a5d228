import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { lehmer, sortInputs } from "../helpers/sort-inputs.ts";
import { FIXTURES, loadFactors, loadPanel } from "./helpers.ts";
import { RankScratch } from "../../backtest/stats.ts";
import { RankDotWasm } from "../../backtest/wasm/rank-dot.ts";
import { ICEvaluator } from "../../backtest/ic.ts";
import { labelReturns } from "../../backtest/label.ts";

const rnd = lehmer(23);
const bits = (xs: ArrayLike<number>): string[] => Array.from(xs, (v) => (Object.is(v, -0) ? "-0" : String(v)));

/** prd on x against w and y (copied into the kernel's memory); undefined when it gave up. */
function wasmSums(k: RankDotWasm, w: Float64Array, y: Float64Array, x: Float64Array): number[] | undefined {
  const n = x.length;
  k.input.set(x);
  const wv = k.f64(n);
  const yv = k.f64(n);
  wv.set(w);
  yv.set(y);
  const mn = Math.min(...x);
  const mx = Math.max(...x);
  const status = k.prd(0, n, mn, mx, RankDotWasm.addressOf(wv, 0), RankDotWasm.addressOf(yv, 0));
  expect([0, 1]).toContain(status);
  return status === 0 ? [...k.result] : undefined;
}

function jsSums(w: Float64Array, y: Float64Array, x: Float64Array): number[] {
  const s = new RankScratch(x.length);
  s.vals.set(x);
  const out = new Float64Array(4);
  s.pearsonRankDot(x.length, Math.min(...x), Math.max(...x), w, 0, y, 0, out);
  return [...out];
}

describe("the WebAssembly ranking kernel (backtest/wasm/rank-dot.wat)", () => {
  it("is assembled: the committed bytes are what the .wat assembles to", () => {
    const script = fileURLToPath(new URL("../../bin/build-wasm.mjs", import.meta.url));
    expect(() => execFileSync(process.execPath, [script, "--check"], { stdio: "pipe" })).not.toThrow();
  });

  // Only distributions whose range can be keyed reach it (ICEvaluator checks, as here).
  const keyable = Object.entries(sortInputs(rnd, { finiteOnly: true })).filter(([name]) => !["constant", "range overflows", "±0", "subnormal"].includes(name));
  for (const [name, gen] of keyable) {
    it(`gives the JavaScript kernel's bits, or gives up: ${name}`, () => {
      let answered = 0;
      for (const n of [2, 3, 17, 480, 4000]) {
        const x = Float64Array.from({ length: n }, gen);
        if (!(65535 / (Math.max(...x) - Math.min(...x)) < Infinity)) continue;
        // Half-integer w, as the IC's label rank deviations: the rank sums are then exact.
        const w = Float64Array.from({ length: n }, () => Math.round(rnd() * 200) / 2 - 50);
        const y = Float64Array.from({ length: n }, () => rnd() - 0.5);
        const got = wasmSums(new RankDotWasm([n, n]), w, y, x);
        if (got === undefined) continue;
        answered++;
        expect(bits(got), `n=${n}`).toEqual(bits(jsSums(w, y, x)));
      }
      expect(answered).toBeGreaterThan(0);
    });
  }

  it("gives up on a long run of values sharing a key out of order (the JavaScript kernel counts those out)", () => {
    // One outlier squeezes the rest into key 0: 0.5 and its neighbour interleaved, 600 of them.
    const n = 601;
    const x = Float64Array.from({ length: n }, (_, k) => (k === 0 ? 1e9 : k % 2 === 0 ? 0.5 : 0.5 - 1e-16 * 0.5 * (1 + (k % 3))));
    const w = Float64Array.from({ length: n }, (_, k) => k - 300);
    const y = Float64Array.from({ length: n }, () => rnd());
    expect(wasmSums(new RankDotWasm([n, n]), w, y, x)).toBeUndefined();
    // A short out-of-order run it sorts itself, and agrees.
    const x2 = Float64Array.from([3, 2 + 1e-9, 2, 5, 2 + 2e-9, 1, 100]);
    const w2 = Float64Array.from([-3, -2, -1, 0, 1, 2, 3]);
    const y2 = Float64Array.from(x2, () => rnd());
    expect(bits(wasmSums(new RankDotWasm([7, 7]), w2, y2, x2)!)).toEqual(bits(jsSums(w2, y2, x2)));
  });

  it("day ranks a label-ordered row like prd; hands back what it cannot finish", () => {
    for (const m of [300, 301]) {
      const k = new RankDotWasm([m + 1, m, m]);
      // At an odd offset: rows of ICEvaluator's tile start wherever (nInst + 1)·d puts them.
      const row = k.f64(m + 1).subarray(1);
      const w = k.f64(m);
      const y = k.f64(m);
      w.set(Float64Array.from({ length: m }, () => Math.round(rnd() * 200) / 2 - 50));
      y.set(Float64Array.from({ length: m }, () => rnd() - 0.5));
      const run = () => k.day(RankDotWasm.addressOf(row, 0), m, RankDotWasm.addressOf(w, 0), RankDotWasm.addressOf(y, 0));
      row.set(Float64Array.from({ length: m }, () => rnd()));
      const values = Float64Array.from(row);
      expect(run()).toBe(0);
      expect(bits(k.result)).toEqual(bits(jsSums(w, y, values)));
      // Not finite at two places (one of them the last, outside the vector pairs when m is odd):
      // n + 1 back, the finite values in order in input.
      row[5] = NaN;
      row[m - 1] = -Infinity;
      expect(run()).toBe(m - 2 + 1);
      expect(Array.from(k.input.subarray(0, m - 2))).toEqual(Array.from(values).filter((_, j) => j !== 5 && j !== m - 1));
      // All finite but a range that cannot be keyed: m + 1, all of them in input.
      row[5] = 1e308;
      row[m - 1] = -1e308;
      expect(run()).toBe(m + 1);
      expect(Array.from(k.input.subarray(0, m))).toEqual(Array.from(row));
    }
  });

  it("refuses more room than it was made with", () => {
    const k = new RankDotWasm([10]);
    k.f64(10);
    expect(() => k.f64(1)).toThrow(/more room/);
  });
});

describe("ICEvaluator with and without the WebAssembly kernel", () => {
  it("the same daily IC and RankIC, bit for bit, on the S&P 500 slice (missing values included)", () => {
    const panel = loadPanel(`${FIXTURES}sp500_ic_slice.csv.gz`);
    const factors = [...loadFactors(`${FIXTURES}sp500_ic_factors.csv.gz`, panel).values()];
    // Holes (a missing factor value: the label side is recomputed over the pairs) and ties.
    const holed = Float64Array.from(factors[0]!, (v, i) => (i % 7 === 3 ? NaN : v));
    const tied = Float64Array.from(factors[1]!, (v) => Math.round(v * 20) / 20);
    // Infinite values (not finite: dropped as NaN is), a range too wide to key (±1e308: the kernel
    // hands the date back), a constant stretch.
    const wild = Float64Array.from(factors[2]!, (v, i) => (i % 11 === 0 ? Infinity : i % 13 === 0 ? -Infinity : i % 17 === 0 ? (i % 2 ? 1e308 : -1e308) : i % 29 < 3 ? 1 : v));
    const all = [...factors, holed, tied, wild];
    const label = labelReturns(panel);
    const window = { from: 0, to: panel.nDates - 1 };
    const a = new ICEvaluator(label, panel, window, { wasm: true });
    const b = new ICEvaluator(label, panel, window, { wasm: false });
    for (const f of all) {
      const x = a.daily(f);
      const y = b.daily(f);
      expect(bits(x.ic)).toEqual(bits(y.ic));
      expect(bits(x.rankIc)).toEqual(bits(y.rankIc));
    }
  });
});
