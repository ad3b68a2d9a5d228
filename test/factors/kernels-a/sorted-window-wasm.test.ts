import { afterEach, describe, expect, it } from "vitest";
import { lehmer } from "../../helpers/sort-inputs.ts";
import { centPrices } from "../../helpers/series.ts";
import { rollingSortedStats, type SortedWindowOutput } from "../../../factors/kernels/order-sorted.ts";
import { useWasmSortedWindow } from "../../../factors/kernels/wasm/sorted-window.ts";

const bits = (xs: ArrayLike<number>): string[] => Array.from(xs, (v) => (Object.is(v, -0) ? "-0" : String(v)));

type Stat = Pick<SortedWindowOutput, "stat" | "q">;

/** The statistics of x over [start, end), with or without the kernel. */
function stats(x: Float64Array, start: number, end: number, n: number, asked: Stat[], wasm: boolean): Float64Array[] {
  useWasmSortedWindow(wasm);
  const outs = asked.map(() => new Float64Array(x.length).fill(7)); // not NaN: a cell the kernel forgets shows
  rollingSortedStats(x, asked.map((a, s) => ({ ...a, out: outs[s]! })), start, end, n);
  return outs;
}

describe("the WebAssembly sorted window (factors/kernels/wasm/sorted-window.wat)", () => {
  afterEach(() => useWasmSortedWindow(true));

  const rnd = lehmer(71);
  const series: Record<string, (len: number) => Float64Array> = {
    "cent prices with gaps": (len) => centPrices(rnd, len),
    // Few distinct values: long runs of equals (ranks are means over ties).
    "few values, ±0, infinities": (len) => Float64Array.from({ length: len }, () => {
      const u = rnd();
      return u < 0.03 ? Infinity : u < 0.06 ? NaN : u < 0.1 ? -0 : Math.round(u * 4) / 2;
    }),
    "suspensions": (len) => Float64Array.from({ length: len }, (_, t) => (t % 50 < 20 ? 3.21 : 3 + rnd())),
  };
  const families: Stat[][] = [
    [{ stat: "quantile", q: 0.8 }, { stat: "quantile", q: 0.2 }, { stat: "rank", q: 0 }],
    [{ stat: "median", q: 0 }],
    [{ stat: "quantile", q: 0 }, { stat: "quantile", q: 1 }, { stat: "quantile", q: 0.5 }, { stat: "rank", q: 0 }, { stat: "median", q: 0 }],
  ];

  for (const [name, make] of Object.entries(series)) {
    it(`gives the JavaScript scan's bits: ${name}`, () => {
      for (const len of [1, 2, 7, 64, 301]) {
        const x = make(len + 5);
        for (const n of [0, 1, 2, 3, 5, 10, 20, 30, 60, 1000]) {
          for (const asked of families) {
            const a = stats(x, 3, len + 3, n, asked, true);
            const b = stats(x, 3, len + 3, n, asked, false);
            a.forEach((out, s) => expect(bits(out), `len ${len} n ${n} ${asked[s]!.stat} ${asked[s]!.q}`).toEqual(bits(b[s]!)));
          }
        }
      }
    });
  }

  it("leaves the median absolute deviation to the JavaScript scan, and writes inside [start, end) only", () => {
    const x = centPrices(rnd, 200);
    const [mad, med] = stats(x, 10, 190, 20, [{ stat: "mad", q: 0 }, { stat: "median", q: 0 }], true);
    const [mad2, med2] = stats(x, 10, 190, 20, [{ stat: "mad", q: 0 }, { stat: "median", q: 0 }], false);
    expect(bits(mad!)).toEqual(bits(mad2!));
    expect(bits(med!)).toEqual(bits(med2!));
    const [q] = stats(x, 10, 190, 20, [{ stat: "quantile", q: 0.8 }], true);
    expect([...q!.subarray(0, 10), ...q!.subarray(190)].every((v) => v === 7)).toBe(true);
    expect(q!.subarray(10, 190).every((v) => v !== 7)).toBe(true);
  });
});
