import { describe, expect, it } from "vitest";
import { Evaluator, evaluateFactors } from "../../../factors/evaluate.ts";
import type { Dialect } from "../../../factors/ast.ts";
import { parseExpr } from "../../../factors/parser.ts";
import { warmupPanel } from "../../../src/pool/warmup.ts";
import { clipSpans } from "../../../src/workflow/screen.ts";
import { runFused, spanCells } from "../../../factors/kernels/fused.ts";
import { Binary } from "../../../factors/kernels/elementwise.ts";

/** Each expression evaluated alone, without the batch cache (no families) and without fusion. */
function alone(texts: readonly string[], dialect: Dialect): Float64Array[] {
  const panel = warmupPanel(9, 90);
  // The profile switches fusion off: operator-by-operator, the reference behaviour.
  return texts.map((t) => evaluateFactors(panel, [parseExpr(t, dialect)], dialect, { cache: false, profile: new Map() })[0]!);
}

function batch(texts: readonly string[], dialect: Dialect): Float64Array[] {
  return evaluateFactors(warmupPanel(9, 90), texts.map((t) => parseExpr(t, dialect)), dialect);
}

/** Same bits (NaN = NaN): the shared passes do exactly the arithmetic of the single kernels. */
function expectSameBits(a: Float64Array[], b: Float64Array[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((x, k) => {
    for (let i = 0; i < x.length; i++) expect(Object.is(x[i], b[k]![i]), `expression ${k}, cell ${i}: ${x[i]} vs ${b[k]![i]}`).toBe(true);
  });
}

describe("family passes (one kernel pass for several statistics of the same window)", () => {
  it("Quantile / Rank / Med, Mean / Std / Var and Max / Min / IdxMax / IdxMin match their single kernels", () => {
    const texts = [
      "Quantile($close, 7, 0.8)", "Rank($close, 7)", "Quantile($close, 7, 0.2)/$close", "Med($close, 7)",
      "Mean($volume, 5)", "Std($volume, 5)", "Var($volume, 5)+1",
      "Max($high, 6)", "IdxMax($high, 6)", "Min($low, 6)", "IdxMin($low, 6)", "(IdxMax($high, 6)-IdxMin($low, 6))/6",
      "Mean($close>Ref($close, 1), 5)", "Mean($close<Ref($close, 1), 5)", "Max($high, 0.5)", "Mean($close, 0)", "Std($close, 0)",
    ];
    expectSameBits(batch(texts, "qlib"), alone(texts, "qlib"));
  });

  it("quanta families (TS_QUANTILE / TS_RANK / TS_MEDIAN, TS_MEAN / TS_STD, TS_MAX / TS_ARGMAX / HIGHDAY)", () => {
    const texts = [
      "TS_QUANTILE($close, 8, 0.3)", "TS_RANK($close, 8)", "TS_MEDIAN($close, 8)",
      "TS_MEAN($volume, 4)", "TS_STD($volume, 4)", "TS_VAR($volume, 4)",
      "TS_MAX($high, 5)", "TS_ARGMAX($high, 5)", "HIGHDAY($high, 5)", "TS_MIN($low, 5)", "LOWDAY($low, 5)",
    ];
    expectSameBits(batch(texts, "quanta"), alone(texts, "quanta"));
  });

  it("a rolling mean of 0/1 flags is the correctly rounded count / n (ties stay exact ties)", () => {
    const [m] = batch(["Mean($close>Ref($close, 1), 5)"], "qlib");
    const panel = warmupPanel(9, 90);
    let checked = 0;
    for (let i = 0; i < panel.nInst; i++) {
      for (let t = panel.first[i]! + 6; t <= panel.last[i]!; t++) {
        const v = m![i * panel.nDates + t]!;
        if (Number.isNaN(v)) continue;
        // 5 valid points when no day in the window is missing
        let valid = 0;
        const close = panel.fields.get("close")!;
        for (let s = t - 4; s <= t; s++) if (!Number.isNaN(close[i * panel.nDates + s]!)) valid++;
        if (valid !== 5) continue;
        expect(v).toBe(Math.round(v * 5) / 5);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});

describe("fused element-wise trees", () => {
  it("give the same bits as operator-by-operator evaluation (qlib and quanta rules)", () => {
    const qlib = [
      "($close-$open)/$open", "($high-Greater($open, $close))/($high-$low+1e-12)", "Abs($close-Ref($close, 1))*$volume",
      "If($close>$open, $high, $low)-2*$close", "Log($volume+1)-Log($volume)", "Power($close/$open, 2)", "-($close>$open)",
      "($close>$open)+($close<$open)*2", "Mean($close, 5)/$close-1",
    ];
    expectSameBits(batch(qlib, "qlib"), alone(qlib, "qlib"));
    const quanta = [
      "LOG($close - 60) + SQRT($volume) / INV($open)", "WHERE($close > $open, $close, $open * 2) - MAX($high, $low)",
      "($close - $open) / ($high - $high)", "NOT($close > 50) + ($volume > 5e5 && $close < 60)",
    ];
    expectSameBits(batch(quanta, "quanta"), alone(quanta, "quanta"));
  });

  it("compute only the cells asked for; spanCells merges adjacent spans", () => {
    const out = new Float64Array(8).fill(-1);
    const a = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    runFused({ kind: "binary", op: Binary.Mul, left: { kind: "slot", index: 0 }, right: { kind: "slot", index: 1 } }, [a, 10], out, false, {
      starts: Int32Array.of(1, 5),
      ends: Int32Array.of(3, 6),
    });
    expect([...out]).toEqual([-1, 20, 30, -1, -1, 60, -1, -1]);
    const cells = spanCells({ nInst: 3, nDates: 4, first: Int32Array.of(1, 0, 4), last: Int32Array.of(3, 2, -1) });
    expect([...cells.starts]).toEqual([1]); // [1, 4) and [4, 7) merge; the third span is empty
    expect([...cells.ends]).toEqual([7]);
  });

  it("on a cut panel, with buffers recycled from earlier batches, what lies outside the spans never reaches a result", () => {
    // qlib intermediates are not masked outside the spans (kernels never read there): the clipped
    // spans leave real prices outside them, and recycled buffers hold the last batch's values.
    const panel = clipSpans(warmupPanel(9, 90), 20, 80);
    const texts = ["Sum(Greater($close-Ref($close, 1), 0), 5)/(Sum(Abs($close-Ref($close, 1)), 5)+1e-12)", "Mean($close, 5)/$close", "Corr($close, Log($volume+1), 10)", "($close-Min($low, 5))/(Max($high, 5)-Min($low, 5)+1e-12)", "Ref(Abs($close-$open), 2)/$close"];
    const exprs = texts.map((t) => parseExpr(t, "qlib"));
    const fresh = texts.map((t) => evaluateFactors(panel, [parseExpr(t, "qlib")], "qlib", { cache: false, profile: new Map() })[0]!);
    const ev = new Evaluator(panel, "qlib");
    for (let round = 0; round < 3; round++) {
      const got: Float64Array[] = [];
      ev.stream([...exprs].reverse(), (_k, v) => got.push(v.slice()));
      expectSameBits(got.reverse(), fresh);
    }
    expect(fresh[1]!.some((v) => !Number.isNaN(v))).toBe(true);
  });

  it("a scalar-only tree stays a scalar", () => {
    const [v] = batch(["$close*0+(2+3)*4"], "qlib");
    const panel = warmupPanel(9, 90);
    expect(v![panel.first[0]!]).toBe(20);
  });
});

describe("buffer recycling", () => {
  it("a cached sub-expression's buffer is reused once its expression is done, and never clobbered early", () => {
    const panel = warmupPanel(9, 90);
    const ev = new Evaluator(panel, "qlib");
    const exprs = ["Rank($close, 5)+-Rank($close, 5)", "Ref($close, 1)/$close", "Ref($close, 1)-$close"].map((t) => parseExpr(t, "qlib"));
    const first: Float64Array[] = [];
    ev.stream(exprs, (_k, v) => first.push(v.slice()));
    const pool = (ev as unknown as { pool: Float64Array[] }).pool;
    const before = pool.length;
    const again: Float64Array[] = [];
    ev.stream(exprs, (_k, v) => again.push(v.slice()));
    expect(pool.length).toBe(before); // nothing leaked, nothing new needed
    expectSameBits(again, first);
    for (let i = 0; i < first[0]!.length; i++) if (!Number.isNaN(first[0]![i]!)) expect(first[0]![i]).toBe(0);
  });
});
