import { afterEach, describe, expect, it } from "vitest";
import { lehmer } from "../../helpers/sort-inputs.ts";
import { centPrices } from "../../helpers/series.ts";
import { Emit2, moments2MultiInto, rollingSum } from "../../../factors/kernels/moments.ts";
import { useWasmMoments } from "../../../factors/kernels/wasm/moments.ts";
import { Scratch } from "../../../factors/kernels/scratch.ts";

const bits = (xs: ArrayLike<number>): string[] => Array.from(xs, (v) => (Object.is(v, -0) ? "-0" : String(v)));

/** The statistics `modes` of x[xo, xo + len) written from oo, with or without the kernel. */
function moments(x: Float64Array, xo: number, len: number, n: number, modes: number[], k: number, wasm: boolean): Float64Array[] {
  useWasmMoments(wasm);
  const outs = modes.map(() => new Float64Array(len + 4).fill(7)); // not NaN: a cell the kernel forgets shows
  moments2MultiInto(x, xo, outs, Int32Array.from(modes), 2, len, n, k, new Scratch());
  return outs;
}

describe("the WebAssembly rolling moments (factors/kernels/wasm/moments.wat)", () => {
  afterEach(() => useWasmMoments(true));

  const rnd = lehmer(53);
  const series: Record<string, (len: number) => Float64Array> = {
    "prices with gaps": (len) => centPrices(rnd, len, { start: 20, stepCents: 40, missing: 0.04 }),
    "0/1 flags": (len) => Float64Array.from({ length: len }, () => (rnd() < 0.5 ? 1 : 0)),
    "suspensions, infinities": (len) => Float64Array.from({ length: len }, (_, t) => (t % 70 < 25 ? 5.55 : t % 131 === 7 ? -Infinity : 100 * rnd())),
    "volumes (large integers)": (len) => Float64Array.from({ length: len }, () => Math.round(rnd() * 5e7)),
    "tiny spread on a level": (len) => Float64Array.from({ length: len }, () => 1e4 + Math.round(rnd() * 8) * 1e-9),
  };
  const families = [[Emit2.Mean], [Emit2.Std], [Emit2.Mean, Emit2.Std], [Emit2.Var, Emit2.Zscore, Emit2.Band]];

  for (const [name, make] of Object.entries(series)) {
    it(`gives the JavaScript kernels' bits: ${name}`, () => {
      for (const len of [1, 2, 9, 64, 301]) {
        const x = make(len + 5);
        for (const n of [0, 1, 2, 5, 10, 20, 60, 1000]) {
          for (const modes of families) {
            const a = moments(x, 3, len, n, modes, -1.5, true);
            const b = moments(x, 3, len, n, modes, -1.5, false);
            a.forEach((out, e) => expect(bits(out), `len ${len} n ${n} modes ${modes} #${e}`).toEqual(bits(b[e]!)));
          }
        }
      }
    });
  }

  it("window sums give the JavaScript kernel's bits", () => {
    for (const [name, make] of Object.entries(series)) {
      for (const len of [1, 2, 9, 64, 301]) {
        const x = make(len + 5);
        for (const n of [0, 1, 2, 5, 10, 20, 60, 1000]) {
          const sums = (wasm: boolean) => {
            useWasmMoments(wasm);
            const out = new Float64Array(x.length).fill(7);
            rollingSum(x, out, 3, len + 3, n, new Scratch());
            return out;
          };
          expect(bits(sums(true)), `${name} len ${len} n ${n}`).toEqual(bits(sums(false)));
        }
      }
    }
  });

  it("writes the statistics asked for at their offset, nothing else", () => {
    const x = series["prices with gaps"]!(50);
    const [std] = moments(x, 0, 40, 10, [Emit2.Std], 0, true);
    expect(std![0]).toBe(7);
    expect(std![1]).toBe(7);
    expect(std![42]).toBe(7);
    expect(std!.subarray(12, 42).some((v) => Number.isFinite(v) && v !== 7)).toBe(true);
    // A longer series than any before (the kernel makes room for it).
    const long = series["volumes (large integers)"]!(6000);
    expect(bits(moments(long, 0, 6000, 20, [Emit2.Mean, Emit2.Std], 0, true)[1]!)).toEqual(bits(moments(long, 0, 6000, 20, [Emit2.Mean, Emit2.Std], 0, false)[1]!));
  });
});
