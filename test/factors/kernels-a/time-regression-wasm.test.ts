import { afterEach, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { lehmer } from "../../helpers/sort-inputs.ts";
import { centPrices } from "../../helpers/series.ts";
import { rollingTimeRegression } from "../../../factors/kernels/regression.ts";
import { useWasmTimeRegression } from "../../../factors/kernels/wasm/time-regression.ts";
import { Scratch } from "../../../factors/kernels/scratch.ts";

const bits = (xs: ArrayLike<number>): string[] => Array.from(xs, (v) => (Object.is(v, -0) ? "-0" : String(v)));

/** Slope, R² and residual of qlib's time regression over y[start, end), with or without the kernel. */
function regress(y: Float64Array, start: number, end: number, n: number, wasm: boolean, which = { beta: true, r2: true, resi: true }) {
  useWasmTimeRegression(wasm);
  const fill = () => new Float64Array(y.length).fill(7); // not NaN: a cell the kernel forgets shows
  const outs = { beta: which.beta ? fill() : undefined, r2: which.r2 ? fill() : undefined, resi: which.resi ? fill() : undefined };
  rollingTimeRegression(y, outs, start, end, n, true, new Scratch());
  return outs;
}

describe("the WebAssembly time regression (factors/kernels/wasm/time-regression.wat)", () => {
  afterEach(() => useWasmTimeRegression(true));

  it("is assembled: the committed bytes are what the .wat assembles to", () => {
    const script = fileURLToPath(new URL("../../../bin/build-wasm.mjs", import.meta.url));
    expect(() => execFileSync(process.execPath, [script, "--check"], { stdio: "pipe" })).not.toThrow();
  });

  const rnd = lehmer(97);
  const series: Record<string, (len: number) => Float64Array> = {
    // Prices in cents (exact ties across windows), a few missing days.
    "cent prices with gaps": (len) => centPrices(rnd, len),
    // A suspension: the same price for weeks (zero variance, R² masked, slope exactly 0).
    "suspensions and ±Infinity": (len) => Float64Array.from({ length: len }, (_, t) => (t % 97 < 40 ? 12.34 : t % 211 === 5 ? Infinity : 10 + rnd())),
    // Nearly constant windows (std around the 2e-5 mask).
    "tiny spread": (len) => Float64Array.from({ length: len }, () => 3 + Math.round(rnd() * 4) * 1e-5),
    "wide spread": (len) => Float64Array.from({ length: len }, () => Math.exp(20 * rnd()) * (rnd() < 0.5 ? -1 : 1)),
    // Minima tied between +0 and -0 (the window's minimum is the newest of equals, sign included).
    "zeros of both signs": (len) => Float64Array.from({ length: len }, () => (rnd() < 0.4 ? (rnd() < 0.5 ? 0 : -0) : Math.round(rnd() * 3))),
  };

  for (const [name, make] of Object.entries(series)) {
    it(`gives the JavaScript replay's bits: ${name}`, () => {
      for (const len of [1, 4, 9, 33, 300, 301]) {
        const y = make(len + 5);
        for (const n of [1, 2, 5, 7, 8, 9, 10, 16, 17, 20, 30, 32]) {
          const a = regress(y, 3, len + 3, n, true);
          const b = regress(y, 3, len + 3, n, false);
          expect(bits(a.beta!), `len ${len} n ${n} beta`).toEqual(bits(b.beta!));
          expect(bits(a.r2!), `len ${len} n ${n} r2`).toEqual(bits(b.r2!));
          expect(bits(a.resi!), `len ${len} n ${n} resi`).toEqual(bits(b.resi!));
        }
      }
    });
  }

  it("writes only the outputs asked for, and only inside [start, end)", () => {
    const y = series["cent prices with gaps"]!(120);
    const a = regress(y, 10, 100, 20, true, { beta: false, r2: true, resi: false });
    expect(a.beta).toBeUndefined();
    expect(a.resi).toBeUndefined();
    expect(bits(a.r2!)).toEqual(bits(regress(y, 10, 100, 20, false, { beta: false, r2: true, resi: false }).r2!));
    expect([...a.r2!.subarray(0, 10), ...a.r2!.subarray(100)].every((v) => v === 7)).toBe(true);
    // Some windows of 20 all-valid days, so the kernel did the work.
    expect(a.r2!.subarray(29, 100).some((v) => v !== 7 && Number.isFinite(v))).toBe(true);
  });

  it("a longer series than any before gets room for it", () => {
    const y = series["wide spread"]!(5000);
    expect(bits(regress(y, 0, 5000, 30, true).beta!)).toEqual(bits(regress(y, 0, 5000, 30, false).beta!));
  });
});
