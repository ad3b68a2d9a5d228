import { describe, expect, it } from "vitest";
import { Evaluator } from "../../../factors/evaluate.ts";
import { parseExpr } from "../../../factors/parser.ts";
import { warmupPanel } from "../../../src/pool/warmup.ts";
import { ICEvaluator } from "../../../backtest/ic.ts";

// Shared results on purpose: a field, a sub-expression used again later, a scalar, a division by 0.
const TEXTS = [
  "$close",
  "Mean($close, 5)",
  "Mean($close, 5)/$close",
  "Mean($close, 5)",
  "Std($close, 10)/Mean($close, 5)",
  "($close-$open)/($high-$low)",
  "$close/($close-$close)",
  "3",
  "Corr($close, $volume, 8)",
];

function run(raw: boolean): { values: Float64Array[]; ics: unknown[] } {
  const panel = warmupPanel(14, 120);
  const close = panel.fields.get("close")!;
  const label = new Float64Array(close.length).fill(NaN);
  for (let k = 0; k + 2 < close.length; k++) label[k] = close[k + 2]! / close[k + 1]! - 1;
  const ic = new ICEvaluator(label, panel, { from: 20, to: panel.nDates - 3 });
  const values: Float64Array[] = [];
  const ics: unknown[] = [];
  new Evaluator(panel, "qlib").stream(
    TEXTS.map((t) => parseExpr(t, "qlib")),
    (_k, v) => {
      values.push(Float64Array.from(v));
      ics.push(ic.metrics(v));
    },
    { raw },
  );
  return { values, ics };
}

describe("Evaluator.stream raw (for the IC)", () => {
  const masked = run(false);
  const raw = run(true);
  const panel = warmupPanel(14, 120);

  it("gives the same IC summaries", () => {
    expect(raw.ics).toEqual(masked.ics);
  });

  it("inside the spans the same values, except that non-finite ones may stay ±Infinity", () => {
    TEXTS.forEach((text, k) => {
      for (let i = 0; i < panel.nInst; i++) {
        for (let t = panel.first[i]!; t <= panel.last[i]!; t++) {
          const c = i * panel.nDates + t;
          const m = masked.values[k]![c]!;
          const r = raw.values[k]![c]!;
          if (Number.isNaN(m)) expect(r - r === 0, `${text} cell ${c}: ${r}`).toBe(false);
          else expect(r, `${text} cell ${c}`).toBe(m);
        }
      }
    });
    expect(raw.values[6]!.some((v) => v === Infinity || v === -Infinity)).toBe(true); // the raw pass really skipped masking
  });
});
