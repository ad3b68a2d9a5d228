import { describe, expect, it } from "vitest";
import { Evaluator, derivedReturn, evaluateFactors, evaluateOne } from "../../../factors/evaluate.ts";
import { FieldError, ParseError } from "../../../factors/errors.ts";
import type { Panel } from "../../../factors/panel.ts";
import { parseExpr } from "../../../factors/parser.ts";
import type { Dialect } from "../../../factors/ast.ts";

const N = NaN;

/**
 * 3 instruments × 6 dates, instrument-major:
 *   A: full span, a missing day at t = 3;  B: span t = 2..5;  C: span t = 0..3.
 */
function smallPanel(member?: Uint8Array): Panel {
  const close = Float64Array.from([
    10, 11, 12, N, 12, 15,
    N, N, 20, 22, 22, 21,
    5, 5, 6, 7, N, N,
  ]);
  const volume = Float64Array.from([
    100, 0, 300, N, 500, 600,
    N, N, 10, 20, 30, 40,
    1, 2, 3, 4, N, N,
  ]);
  return {
    dates: ["d0", "d1", "d2", "d3", "d4", "d5"],
    instruments: ["A", "B", "C"],
    nDates: 6,
    nInst: 3,
    fields: new Map([["close", close], ["volume", volume]]),
    first: Int32Array.from([0, 2, 0]),
    last: Int32Array.from([5, 5, 3]),
    ...(member ? { member } : {}),
  };
}

function ev(text: string, dialect: Dialect = "quanta", panel = smallPanel()): number[] {
  return [...evaluateOne(panel, parseExpr(text, dialect), dialect)];
}

function expectValues(got: number[], want: number[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    if (Number.isNaN(want[i]!)) expect(g, `cell ${i}`).toBeNaN();
    else expect(g, `cell ${i}`).toBeCloseTo(want[i]!, 12);
  });
}

describe("fields", () => {
  it("a field the panel lacks is a FieldError naming it and listing those present", () => {
    const e = parseExpr("TS_MEAN($vwap, 5)", "quanta");
    expect(() => evaluateFactors(smallPanel(), [e], "quanta")).toThrow(FieldError);
    expect(() => evaluateFactors(smallPanel(), [e], "quanta")).toThrow(
      "field $vwap is not in the data (available: $close, $return, $volume)",
    );
  });

  it("$return = close/close[t−1] − 1: NaN on the span's first day and after a missing day", () => {
    expectValues([...derivedReturn(smallPanel())], [
      N, 0.1, 1 / 11, N, N, 0.25,
      N, N, N, 0.1, 0, -1 / 22,
      N, 0, 0.2, 1 / 6, N, N,
    ]);
  });

  it("a bare field is copied, masked outside spans, never the panel's own array", () => {
    const p = smallPanel();
    const out = evaluateOne(p, parseExpr("$close", "qlib"), "qlib");
    expect(out).not.toBe(p.fields.get("close"));
    expectValues([...out], [...p.fields.get("close")!]);
  });
});

describe("node rules", () => {
  it("a scalar expression is broadcast over the spans only", () => {
    expectValues(ev("2 + 3"), [5, 5, 5, 5, 5, 5, N, N, 5, 5, 5, 5, 5, 5, 5, 5, N, N]);
  });

  it("quanta: x/0 is NaN at the node; qlib keeps ±inf inside the expression (NaN only in the final output)", () => {
    // volume 0 at A/d1: 1/0
    expect(ev("1 / $volume > 0", "quanta")[1]).toBeNaN();
    expect(ev("1 / $volume > 0", "qlib")[1]).toBe(1);
    expect(ev("1 / $volume", "qlib")[1]).toBeNaN();
  });

  it("quanta comparisons with a NaN operand are NaN, qlib's are false", () => {
    expect(ev("DELAY($close, 1) > 0", "quanta")[0]).toBeNaN();
    expect(ev("Ref($close, 1) > 0", "qlib")[0]).toBe(0);
    expect(ev("Ref($close, 1) > 0", "qlib")[6]).toBeNaN(); // outside B's span
  });

  it("windows roll over missing days inside the span and never reach another instrument", () => {
    expectValues(ev("TS_SUM($volume, 2)"), [100, 100, 300, 300, 500, 1100, N, N, 10, 30, 50, 70, 1, 3, 5, 7, N, N]);
  });

  it("qlib Ref(x, 0) is the first value of each instrument's series", () => {
    expectValues(ev("Ref($close, 0)", "qlib"), [10, 10, 10, 10, 10, 10, N, N, 20, 20, 20, 20, 5, 5, 5, 5, N, N]);
  });

  it("cross-sectional operators see only the instruments in the span and in the membership", () => {
    expectValues(ev("RANK($close)"), [1, 1, 2 / 3, N, 0.5, 0.5, N, N, 1, 1, 1, 1, 0.5, 0.5, 1 / 3, 0.5, N, N]);
    const member = new Uint8Array(18).fill(1);
    member[2] = 0; // A is not a member on d2
    const r = ev("RANK($close)", "quanta", smallPanel(member));
    expect(r[2]).toBeNaN();
    expect(r[8]).toBe(1);
    expect(r[14]).toBe(0.5);
  });

  it("look-ahead is rejected unless allowFuture (labels)", () => {
    const label = parseExpr("Ref($close, -1) / $close - 1", "qlib", { allowFuture: true });
    expect(() => evaluateFactors(smallPanel(), [label], "qlib")).toThrow(ParseError);
    const out = evaluateFactors(smallPanel(), [label], "qlib", { allowFuture: true })[0]!;
    expectValues([...out.subarray(0, 6)], [0.1, 1 / 11, N, N, 0.25, N]);
  });
});

describe("batches", () => {
  const texts = [
    "Mean($close, 3) / $close",
    "Std($close, 3) + Mean($close, 3)",
    "Slope($close, 4)",
    "Rsquare($close, 4) * 2",
    "Resi($close, 4) - Slope($close, 4)",
    "Corr($close, Log($volume + 1), 3)",
    "Mean($close, 3) / $close",
  ];

  it("shared sub-expressions and multi-output siblings give the same values as separate evaluation", () => {
    const p = smallPanel();
    const exprs = texts.map((t) => parseExpr(t, "qlib"));
    const batch = evaluateFactors(p, exprs, "qlib");
    const single = exprs.map((e) => evaluateOne(p, e, "qlib", { cache: false }));
    batch.forEach((b, i) => expectValues([...b], [...single[i]!]));
    expect(batch[0]).not.toBe(batch[6]); // every result is the caller's own array
  });

  it("computes a shared sub-expression once (the field is read once per distinct subtree)", () => {
    const counts = new Map<string, number>();
    const p = smallPanel();
    const fields = new Map(p.fields);
    const counting = new Proxy(fields, {
      get(target, prop) {
        if (prop === "get") {
          return (k: string) => {
            counts.set(k, (counts.get(k) ?? 0) + 1);
            return target.get(k);
          };
        }
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const panel: Panel = { ...p, fields: counting };
    const exprs = ["TS_MEAN($volume, 3)", "TS_MEAN($volume, 3) + 1", "TS_MEAN($volume, 3) * 2"].map((t) => parseExpr(t, "quanta"));
    counts.clear();
    evaluateFactors(panel, exprs, "quanta");
    expect(counts.get("volume")).toBe(1);
    counts.clear();
    evaluateFactors(panel, exprs, "quanta", { cache: false });
    expect(counts.get("volume")).toBe(3);
  });

  it("stream hands results over in order; profile records operator times", () => {
    const profile = new Map<string, number>();
    const seen: number[] = [];
    const ev2 = new Evaluator(smallPanel(), "qlib", { profile });
    ev2.stream(texts.map((t) => parseExpr(t, "qlib")), (i, v) => {
      seen.push(i);
      expect(v.length).toBe(18);
    });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const op of ["Mean", "Std", "Slope", "Corr", "/", "+"]) expect(profile.has(op), op).toBe(true);
  });

  it("element-wise outputs may reuse an operand's buffer without clobbering a later operand", () => {
    const got = ev("MAX($close, $volume / 10, $close - 1) + MIN($close * 2, $volume)");
    const p = smallPanel();
    const c = p.fields.get("close")!;
    const v = p.fields.get("volume")!;
    const want = [...c].map((x, k) => Math.max(x, v[k]! / 10, x - 1) + Math.min(x * 2, v[k]!));
    expectValues(got, want);
  });

  it("the final output maps every non-finite value to NaN", () => {
    const out = ev("$close / ($close - $close)", "qlib");
    expect(out.every((v) => Number.isNaN(v))).toBe(true);
  });
});
