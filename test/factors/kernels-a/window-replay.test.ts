/**
 * The quanta rolling kernels that replay the reference's arithmetic (factors/kernels/window-replay.ts)
 * and the fixes the random-expression fuzz (bench/fuzz-parity.ts) led to. Each case below was a
 * mismatch with shared/reference/factor_ref.py on real data: a last-bit difference turned into a
 * different value by a downstream comparison, rank, argmax, zero rule or division.
 */
import { describe, expect, it } from "vitest";
import { evaluateOne } from "../../../factors/evaluate.ts";
import { Emit2, rollingStd, rollingVar } from "../../../factors/kernels/moments.ts";
import { rollingCorr, rollingRegression } from "../../../factors/kernels/regression.ts";
import type { Panel } from "../../../factors/panel.ts";
import { parseExpr } from "../../../factors/parser.ts";
import {
  REPLAY_WINDOW_MAX, replayCoMoments, replayMoments2, replayProd, replaySkewKurt, replaySum,
} from "../../../factors/kernels/window-replay.ts";
import { Scratch } from "../../../factors/kernels/scratch.ts";
import { mulberry32 } from "../../helpers/rng.ts";

const N = NaN;
const f = (...v: number[]): Float64Array => Float64Array.from(v);
const scratch = new Scratch();

/** One instrument, every day in its span. */
function panelOf(fields: Record<string, Float64Array>): Panel {
  const T = Object.values(fields)[0]!.length;
  return {
    dates: Array.from({ length: T }, (_, t) => `d${String(t).padStart(4, "0")}`),
    instruments: ["A"],
    nDates: T,
    nInst: 1,
    fields: new Map(Object.entries(fields)),
    first: Int32Array.of(0),
    last: Int32Array.of(T - 1),
  };
}

function quanta(text: string, fields: Record<string, Float64Array>): number[] {
  return [...evaluateOne(panelOf(fields), parseExpr(text, "quanta"), "quanta")];
}

// ---------------------------------------------------------------------------------------------
// the reference's arithmetic, written out plainly (oldest point first, left to right, min-shifted)
// ---------------------------------------------------------------------------------------------

function windowAt(x: Float64Array, t: number, n: number): number[] {
  return Array.from({ length: n }, (_, k) => (t - n + 1 + k >= 0 ? x[t - n + 1 + k]! : NaN));
}

/** `_center`: count, mean and deviations (0 where invalid). */
function centre(w: number[], valid: boolean[]): { cnt: number; mean: number; d: number[] } {
  const vals = w.filter((_, k) => valid[k]);
  const lo = vals.length ? Math.min(...vals) : 0;
  const shifted = w.map((v, k) => (valid[k] ? v - lo : 0));
  let s = 0;
  for (const v of shifted) s += v;
  const m = s / vals.length;
  return { cnt: vals.length, mean: lo + m, d: shifted.map((v, k) => (valid[k] ? v - m : 0)) };
}

function seq(v: number[]): number {
  let s = 0;
  for (const x of v) s += x;
  return s;
}

function refStd(x: Float64Array, t: number, n: number): number {
  const w = windowAt(x, t, n);
  const { cnt, d } = centre(w, w.map((v) => v === v));
  return cnt > 1 ? Math.sqrt(seq(d.map((e) => e * e)) / (cnt - 1)) : NaN;
}

function refBeta(y: Float64Array, x: Float64Array | null, t: number, n: number): number {
  const wy = windowAt(y, t, n);
  const wx = x === null ? wy.map((_, k) => k + 1) : windowAt(x, t, n);
  const valid = wy.map((v, k) => v === v && wx[k] === wx[k]);
  const cy = centre(wy, valid);
  const cx = centre(wx, valid);
  const sxx = seq(cx.d.map((e) => e * e));
  return cy.cnt >= 2 && sxx > 0 ? seq(cx.d.map((e, k) => e * cy.d[k]!)) / sxx : NaN;
}

/** A price-like series with repeats, gaps and a suspension (NaN run). */
function series(seed: number, T = 400): Float64Array {
  const rng = mulberry32(seed);
  const x = new Float64Array(T);
  let p = 20;
  for (let t = 0; t < T; t++) {
    p = Math.round((p * (1 + (rng() - 0.5) * 0.04)) * 100) / 100;
    const r = rng();
    x[t] = r < 0.08 ? NaN : r < 0.2 && t > 0 ? x[t - 1]! : p;
  }
  x.fill(NaN, 150, 170);
  return x;
}

describe("replayed windows agree with the reference's arithmetic bit for bit", () => {
  it("standard deviation, slopes on a series and on SEQUENCE, every window", () => {
    for (const seed of [1, 2, 3]) {
      const x = series(seed);
      const y = series(seed + 10);
      for (const n of [2, 3, 5, 8, 13, 30]) {
        const std = new Float64Array(x.length);
        replayMoments2(x, [std], Int32Array.of(Emit2.Std), 0, x.length, n, 0, scratch);
        const beta = new Float64Array(x.length);
        const betaT = new Float64Array(x.length);
        replayCoMoments(y, x, { beta }, 0, x.length, n, scratch);
        replayCoMoments(y, null, { beta: betaT }, 0, x.length, n, scratch);
        for (let t = 0; t < x.length; t++) {
          expect(std[t], `std n=${n} t=${t}`).toBe(refStd(x, t, n));
          expect(beta[t], `beta n=${n} t=${t}`).toBe(refBeta(y, x, t, n));
          expect(betaT[t], `time beta n=${n} t=${t}`).toBe(refBeta(y, null, t, n));
        }
      }
    }
  });

  it("sums and products are left to right from the oldest point", () => {
    const out = new Float64Array(4);
    replaySum(f(0.1, 0.2, 0.3, 0.4), out, 0, 4, 3, scratch);
    expect([...out]).toEqual([0.1, 0.1 + 0.2, 0.1 + 0.2 + 0.3, 0.2 + 0.3 + 0.4]);
    replayProd(f(1.1, 1.3, N, 1.7), out, 0, 4, 3, scratch);
    expect([...out]).toEqual([1.1, 1.1 * 1.3, 1.1 * 1.3, 1.3 * 1.7]);
  });

  it("windows with the same valid points give the same value, whatever NaN days lie between", () => {
    // seven prices between NaN days slide through a 12-day window: windows 23 … 28 all hold
    // exactly these points, so in exact arithmetic and in the reference they have the same
    // statistics; the block schemes' last bit changed where a block boundary fell (day 24),
    // e.g. TS_STD 0.5344601192302558 vs …559
    const pts = [11.38, 11.55, 10.44, 11.25, 10.17, 11.18, 11.44];
    const x = new Float64Array(40).fill(N);
    const y = new Float64Array(40).fill(N);
    x.set(pts, 17);
    y.set(pts.map((v) => v * v - 100), 17);
    for (const op of ["TS_MEAN", "TS_STD", "TS_VAR", "TS_SUM", "TS_SKEW", "TS_KURT", "BB_UPPER"]) {
      const v = quanta(`${op}($x, 12)`, { x, y });
      expect(new Set(v.slice(23, 29)).size, op).toBe(1);
    }
    for (const op of ["TS_COVARIANCE($x, $y, 12)", "TS_CORR($x, $y, 12)", "REGBETA($y, $x, 12)"]) {
      expect(new Set(quanta(op, { x, y }).slice(23, 29)).size, op).toBe(1);
    }
  });

  it("exact zeros stay exactly 0: a symmetric window's slope on time and skew", () => {
    // REGBETA(EXP(8 > $volume), SEQUENCE(30), 5) on SH600000 2010-04-01: the window 1, 1, e, 1, 1
    // has slope 0; the block scheme gave −2.2e-17, and `&&` with it was 1 instead of 0
    const e = Math.E;
    const y = f(1, 1, 1, 1, e, 1, 1);
    expect(quanta("REGBETA($y, SEQUENCE(30), 5)", { y })[6]).toBe(0);
    expect(quanta("(REGBETA($y, SEQUENCE(30), 5) != 0)", { y })[6]).toBe(0);
    const s = new Float64Array(7);
    replaySkewKurt(f(2, 3, 5, 7, 8), s, 0, 5, 5, false, scratch);
    expect(s[4]).toBe(0);
  });

  it("a constant scalar's window sums are the same every day once the window is full", () => {
    // SUMIF(-4.23, 29, $return) was a constant series up to the last bit in the reference (so its
    // correlation with anything is NaN), and wobbled by an ulp here
    const r = Float64Array.from({ length: 80 }, (_, t) => (t % 7 === 3 ? 0 : 0.01 * ((t % 5) - 2) || 0.003));
    const v = quanta("SUMIF(-4.23, 29, $r)", { r }).slice(40);
    const w = quanta("TS_SUM(-4.23, 29)", { r }).slice(40);
    expect(new Set(w).size).toBe(1);
    // SUMIF's value depends only on how many days count: equal counts give equal sums
    const byCount = new Map<number, Set<number>>();
    const counts = quanta("COUNT($r != 0, 29)", { r }).slice(40);
    counts.forEach((c, k) => byCount.set(c, (byCount.get(c) ?? new Set()).add(v[k]!)));
    for (const s of byCount.values()) expect(s.size).toBe(1);
  });

  it("windows beyond REPLAY_WINDOW_MAX keep the block scheme (and agree to rounding)", () => {
    const x = series(7, 300);
    const n = REPLAY_WINDOW_MAX + 1;
    const viaEval = quanta(`TS_STD($x, ${n})`, { x });
    const block = new Float64Array(x.length);
    rollingStd(x, block, 0, x.length, n);
    expect(viaEval).toEqual([...block]);
    for (let t = 0; t < x.length; t++) {
      const r = refStd(x, t, n);
      if (r === r) expect(Math.abs(viaEval[t]! - r)).toBeLessThanOrEqual(1e-12 * r);
    }
  });

  it("TS_CORR / TS_COVARIANCE replay per window", () => {
    const x = series(4);
    const y = series(5);
    const out = new Float64Array(x.length);
    const viaBlock = new Float64Array(x.length);
    replayCoMoments(x, y, { corr: out }, 0, x.length, 10, scratch);
    rollingCorr(x, y, viaBlock, 0, x.length, 10, false, scratch);
    for (let t = 0; t < x.length; t++) {
      if (out[t] !== out[t]) expect(viaBlock[t]).toBeNaN();
      else expect(Math.abs(out[t]! - viaBlock[t]!)).toBeLessThan(1e-12);
    }
    expect(quanta("TS_CORR($x, $y, 10)", { x, y })).toEqual([...out].map((v) => (Number.isFinite(v) ? v : NaN)));
  });
});

describe("windows whose squares overflow", () => {
  // TS_VAR(EXP($open), 8) on CSI 300 SH600031 2010-10-22: exp of prices ~ 1e170, squared
  // deviations overflow. The reference's variance is +inf (then NaN), its correlation,
  // slope against that series and z-score 0; the block scheme clamped ∞ − ∞ to a variance of 0.
  const big = f(7.4e145, 7.6e154, 1.6e170, 1.4e169, 3.1e150, 2.2e160);
  const other = f(1, 2, 4, 3, 5, 4);

  it("variance and std are NaN, not 0, also for windows past REPLAY_WINDOW_MAX (block scheme)", () => {
    expect(quanta("TS_VAR($b, 4)", { b: big, o: other }).slice(2)).toEqual([N, N, N, N]);
    const out = new Float64Array(6);
    rollingVar(big, out, 0, 6, 4);
    expect(out[3]).toBe(Infinity);
    rollingVar(big, out, 0, 6, 0);
    expect(out[5]).toBe(Infinity);
  });

  it("correlation, slope on the huge series and z-score are 0, as the reference", () => {
    expect(quanta("TS_CORR($b, $o, 4)", { b: big, o: other })[4]).toBe(0);
    expect(quanta("REGBETA($o, $b, 4)", { b: big, o: other })[4]).toBe(0);
    expect(Math.abs(quanta("TS_ZSCORE($b, 4)", { b: big, o: other })[4]!)).toBe(0);
    const beta = new Float64Array(6);
    rollingRegression(other, big, { beta }, 0, 6, 0);
    expect(beta[5]).toBe(0);
  });
});
