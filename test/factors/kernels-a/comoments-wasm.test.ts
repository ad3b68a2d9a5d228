import { afterEach, describe, expect, it } from "vitest";
import { lehmer } from "../../helpers/sort-inputs.ts";
import { rollingCorr, rollingTimeRegression } from "../../../factors/kernels/regression.ts";
import { ComomentsWasm, useWasmComoments } from "../../../factors/kernels/wasm/comoments.ts";
import { Scratch } from "../../../factors/kernels/scratch.ts";

const bits = (xs: ArrayLike<number>): string[] => Array.from(xs, (v) => (Object.is(v, -0) ? "-0" : String(v)));

/** qlib's Corr(x, y, n) over [start, end), with or without the kernel. */
function corr(x: Float64Array, y: Float64Array, start: number, end: number, n: number, wasm: boolean): Float64Array {
  useWasmComoments(wasm);
  const out = new Float64Array(x.length).fill(7); // not NaN: a cell the kernel forgets shows
  rollingCorr(x, y, out, start, end, n, true, new Scratch());
  return out;
}

describe("the WebAssembly co-moment pass (factors/kernels/wasm/comoments.wat)", () => {
  afterEach(() => useWasmComoments(true));

  const rnd = lehmer(31);
  /** Close-like and volume-like series, missing on the same days unless `apart`. */
  function pair(len: number, kind: string): [Float64Array, Float64Array] {
    let p = 30;
    const x = new Float64Array(len);
    const y = new Float64Array(len);
    for (let t = 0; t < len; t++) {
      p = Math.max(1, p + Math.round((rnd() - 0.5) * 60) / 100);
      x[t] = kind === "suspensions" && t % 90 < 30 ? 8.88 : p;
      y[t] = kind === "collinear" && t % 50 < 25 ? 3 * x[t]! - 1 : kind === "suspensions" && t % 90 < 30 ? 0 : Math.log(1 + Math.round(rnd() * 1e6));
      if (rnd() < 0.03) {
        x[t] = NaN;
        if (kind !== "apart") y[t] = NaN;
      }
      if (kind === "apart" && rnd() < 0.02) y[t] = Infinity;
    }
    return [x, y];
  }

  for (const kind of ["prices and volumes", "suspensions", "collinear", "apart"]) {
    it(`gives the JavaScript pass's bits: ${kind}`, () => {
      for (const len of [1, 2, 7, 61, 400]) {
        const [x, y] = pair(len + 6, kind);
        for (const n of [0, 1, 2, 3, 5, 10, 20, 30, 60, 1000]) {
          expect(bits(corr(x, y, 3, len + 3, n, true)), `len ${len} n ${n}`).toEqual(bits(corr(x, y, 3, len + 3, n, false)));
        }
      }
    });
  }

  it("the regression on time (windows the replay does not take) gives the JavaScript pass's bits", () => {
    for (const kind of ["prices and volumes", "suspensions"]) {
      for (const len of [1, 3, 70, 400]) {
        const [x] = pair(len + 6, kind);
        for (const n of [0, 2, 33, 40, 60, 1000]) {
          for (const mask of [true, false]) {
            const run = (wasm: boolean) => {
              useWasmComoments(wasm);
              const outs = { beta: new Float64Array(x.length).fill(7), r2: new Float64Array(x.length).fill(7), resi: new Float64Array(x.length).fill(7) };
              rollingTimeRegression(x, outs, 3, len + 3, n, mask, new Scratch());
              return outs;
            };
            const a = run(true);
            const b = run(false);
            for (const k of ["beta", "r2", "resi"] as const) expect(bits(a[k]), `${kind} len ${len} n ${n} mask ${mask} ${k}`).toEqual(bits(b[k]));
          }
        }
      }
    }
  });

  it("lists the windows near ±1 and 0, and says when the series are not valid on the same days", () => {
    const k = new ComomentsWasm(16);
    const x = [1, 2, 3, 4, 5, 6, 7, 8];
    k.x.set(x);
    k.y.set(x.map((v) => (v % 3) * 2)); // perfectly correlated over some 2-day windows
    const listed = k.run(8, 2, 1 - 1e-7, 1e-7, true);
    expect(listed).toBeGreaterThan(0);
    const days = Array.from(k.ties.subarray(0, listed));
    for (const t of days) expect(Math.abs(k.out[t]!) >= 1 - 1e-7 || Math.abs(k.out[t]!) <= 1e-7).toBe(true);
    for (let t = 0; t < 8; t++) if (!days.includes(t)) expect(Math.abs(k.out[t]!) > 1e-7 && Math.abs(k.out[t]!) < 1 - 1e-7 || Number.isNaN(k.out[t]!)).toBe(true);
    expect(k.run(8, 2, 1 - 1e-7, 1e-7, false)).toBe(0);
    k.y[4] = NaN; // x valid there, y not
    expect(k.run(8, 2, 1 - 1e-7, 1e-7, true)).toBe(-1);
  });
});
