import { afterEach, describe, expect, it } from "vitest";
import { lehmer } from "../../helpers/sort-inputs.ts";
import { centPrices } from "../../helpers/series.ts";
import { rollingExtremes, type ExtremeOutput } from "../../../factors/kernels/order-deque.ts";
import { useWasmExtremes } from "../../../factors/kernels/wasm/extremes.ts";

const bits = (xs: ArrayLike<number>): string[] => Array.from(xs, (v) => (Object.is(v, -0) ? "-0" : String(v)));

type Asked = Pick<ExtremeOutput, "emit" | "plus">;

/** The outputs `asked` of x over [start, end), with or without the kernel. */
function extremes(x: Float64Array, start: number, end: number, n: number, sign: 1 | -1, asked: Asked[], wasm: boolean): Float64Array[] {
  useWasmExtremes(wasm);
  const outs = asked.map(() => new Float64Array(x.length).fill(7)); // not NaN: a cell the kernel forgets shows
  rollingExtremes(x, asked.map((a, e) => ({ ...a, out: outs[e]! })), start, end, n, sign);
  return outs;
}

describe("the WebAssembly rolling extremes (factors/kernels/wasm/extremes.wat)", () => {
  afterEach(() => useWasmExtremes(true));

  const rnd = lehmer(89);
  const series: Record<string, (len: number) => Float64Array> = {
    "cent prices with gaps": (len) => centPrices(rnd, len, { missing: 0.05 }),
    // Ties everywhere (the oldest extreme wins), ±0, infinities (invalid), runs of NaN.
    "few values, ±0, infinities, NaN runs": (len) => Float64Array.from({ length: len }, (_, t) => {
      const u = rnd();
      return t % 37 < 6 ? NaN : u < 0.03 ? -Infinity : u < 0.1 ? (u < 0.07 ? 0 : -0) : Math.round(u * 3);
    }),
  };
  const families: Asked[][] = [
    [{ emit: "value", plus: 0 }, { emit: "qlibIdx", plus: 0 }],
    [{ emit: "daysSince", plus: 0 }],
    [{ emit: "daysSince", plus: 1 }, { emit: "value", plus: 0 }, { emit: "qlibIdx", plus: 0 }],
  ];

  for (const [name, make] of Object.entries(series)) {
    it(`gives the JavaScript scan's numbers: ${name}`, () => {
      for (const len of [1, 2, 7, 64, 301]) {
        const x = make(len + 5);
        for (const n of [1, 2, 3, 5, 10, 20, 30, 60, 1000]) {
          for (const sign of [1, -1] as const) {
            for (const asked of families) {
              const a = extremes(x, 3, len + 3, n, sign, asked, true);
              const b = extremes(x, 3, len + 3, n, sign, asked, false);
              a.forEach((out, e) => expect(bits(out), `len ${len} n ${n} sign ${sign} ${asked[e]!.emit}`).toEqual(bits(b[e]!)));
            }
          }
        }
      }
    });
  }

  it("the expanding window (n = 0) and writes inside [start, end) only", () => {
    const x = centPrices(rnd, 120);
    const [v] = extremes(x, 10, 110, 0, 1, [{ emit: "value", plus: 0 }], true);
    expect(bits(v!)).toEqual(bits(extremes(x, 10, 110, 0, 1, [{ emit: "value", plus: 0 }], false)[0]!));
    expect([...v!.subarray(0, 10), ...v!.subarray(110)].every((y) => y === 7)).toBe(true);
  });
});
