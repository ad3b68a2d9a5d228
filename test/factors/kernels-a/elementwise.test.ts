import { describe, expect, it } from "vitest";
import { Binary, Unary, binaryInto, cpow, finiteOrNaN, unaryInto, whereInto } from "../../../factors/kernels/elementwise.ts";

const N = NaN;
const f = (...v: number[]): Float64Array => Float64Array.from(v);

function bin(op: Binary, a: Float64Array, b: Float64Array, nanLogic: boolean, len = Math.max(a.length, b.length)): number[] {
  const out = new Float64Array(len);
  binaryInto(op, a, b, out, nanLogic);
  return [...out];
}

describe("comparisons and logic", () => {
  const a = f(1, N, 3, 0);
  const b = f(2, 1, N, 0);
  it("qlib (numpy): a NaN operand compares false; != is true", () => {
    expect(bin(Binary.Gt, a, b, false)).toEqual([0, 0, 0, 0]);
    expect(bin(Binary.Le, a, b, false)).toEqual([1, 0, 0, 1]);
    expect(bin(Binary.Ne, a, b, false)).toEqual([1, 1, 1, 0]);
  });
  it("quanta: a NaN operand gives NaN", () => {
    expect(bin(Binary.Gt, a, b, true)).toEqual([0, N, N, 0]);
    expect(bin(Binary.Eq, a, b, true)).toEqual([0, N, N, 1]);
  });
  it("&& || on truth values: numpy treats NaN as true, quanta gives NaN", () => {
    expect(bin(Binary.And, a, b, false)).toEqual([1, 1, 1, 0]);
    expect(bin(Binary.Or, f(0, N), f(0, 0), false)).toEqual([0, 1]);
    expect(bin(Binary.And, a, b, true)).toEqual([1, N, N, 0]);
  });
  it("!: numpy NaN → 0; quanta NaN → NaN", () => {
    const out = new Float64Array(3);
    unaryInto(Unary.Not, f(0, 2, N), out, false);
    expect([...out]).toEqual([1, 0, 0]);
    unaryInto(Unary.Not, f(0, 2, N), out, true);
    expect([...out]).toEqual([1, 0, N]);
  });
  it("where: numpy takes `a` on a NaN condition, quanta gives NaN", () => {
    const out = new Float64Array(3);
    whereInto(f(1, 0, N), f(10, 20, 30), f(-1), out, false);
    expect([...out]).toEqual([10, -1, 30]);
    whereInto(f(1, 0, N), f(10, 20, 30), f(-1), out, true);
    expect([...out]).toEqual([10, -1, N]);
  });
});

describe("arithmetic", () => {
  it("scalars broadcast as 1-element operands", () => {
    expect(bin(Binary.Sub, f(5), f(1, 2, 3), false)).toEqual([4, 3, 2]);
    expect(bin(Binary.Div, f(1, -1, 0), f(0), false)).toEqual([Infinity, -Infinity, N]);
  });
  it("Greater / Less propagate NaN (np.maximum / np.minimum)", () => {
    expect(bin(Binary.Max, f(1, N, 3), f(2, 0, N), false)).toEqual([2, N, N]);
    expect(bin(Binary.Min, f(1, 5), f(2, 0), false)).toEqual([1, 0]);
  });
  it("pow follows C/numpy where Math.pow differs", () => {
    expect(cpow(1, NaN)).toBe(1);
    expect(cpow(-1, Infinity)).toBe(1);
    expect(cpow(-8, 1 / 3)).toBeNaN();
    expect(cpow(2, 10)).toBe(1024);
  });
  it("log: qlib numpy (0 → −inf, < 0 → NaN), quanta ln of positives only", () => {
    const out = new Float64Array(3);
    unaryInto(Unary.Log, f(0, -1, Math.E), out, false);
    expect([...out]).toEqual([-Infinity, N, 1]);
    unaryInto(Unary.LogPositive, f(0, -1, Math.E), out, true);
    expect([...out]).toEqual([N, N, 1]);
  });
  it("finiteOrNaN maps ±inf to NaN", () => {
    const x = f(1, Infinity, -Infinity, N, 0);
    finiteOrNaN(x);
    expect([...x]).toEqual([1, N, N, N, 0]);
  });
});
