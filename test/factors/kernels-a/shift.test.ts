import { describe, expect, it } from "vitest";
import { delta, deltaFirst, firstValue, pctChange, shift } from "../../../factors/kernels/shift.ts";

const N = NaN;
const f = (...v: number[]): Float64Array => Float64Array.from(v);

function onSpan(k: (x: Float64Array, out: Float64Array, s: number, e: number) => void, x: Float64Array, s: number, e: number): number[] {
  const out = new Float64Array(x.length).fill(-1);
  k(x, out, s, e);
  return [...out];
}

describe("shifts stay inside the span", () => {
  const x = f(100, 1, 2, Infinity, 4, 200);
  it("DELAY / Ref: x[t − k], NaN before the span start; ±inf pass through", () => {
    expect(onSpan((a, o, s, e) => shift(a, o, s, e, 1), x, 1, 5)).toEqual([-1, N, 1, 2, Infinity, -1]);
  });
  it("negative k looks ahead (labels only), NaN past the span end", () => {
    expect(onSpan((a, o, s, e) => shift(a, o, s, e, -2), x, 1, 5)).toEqual([-1, Infinity, 4, N, N, -1]);
  });
  it("qlib Ref(x, 0): the first value of the span, broadcast", () => {
    expect(onSpan(firstValue, x, 1, 5)).toEqual([-1, 1, 1, 1, 1, -1]);
    expect(onSpan(firstValue, f(N, 3), 0, 2)).toEqual([N, N]);
  });
  it("DELTA / Delta and qlib Delta(x, 0)", () => {
    expect(onSpan((a, o, s, e) => delta(a, o, s, e, 2), f(1, 2, 4, 8), 0, 4)).toEqual([N, N, 3, 6]);
    expect(onSpan((a, o, s, e) => delta(a, o, s, e, 0), f(1, N, 4), 0, 3)).toEqual([0, N, 0]);
    expect(onSpan(deltaFirst, f(1, 2, 4), 0, 3)).toEqual([0, 1, 3]);
  });
  it("TS_PCTCHANGE: x / x[t − k] − 1", () => {
    expect(onSpan((a, o, s, e) => pctChange(a, o, s, e, 1), f(2, 3, N, 6), 0, 4)).toEqual([N, 0.5, N, N]);
  });
});
