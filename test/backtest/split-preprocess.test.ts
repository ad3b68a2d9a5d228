import { describe, expect, it } from "vitest";
import { byDate, makePanel } from "./helpers.ts";
import { Split, checkSplits, dateIndexRange, parseDateRange } from "../../backtest/split.ts";
import { csRankNorm, designMatrix, scatterRows } from "../../backtest/preprocess.ts";
import { QuantaError } from "../../factors/errors.ts";

describe("date ranges and splits", () => {
  it("parses A:B with days or years", () => {
    expect(parseDateRange("2014-01-02:2015-06-30")).toEqual({ start: "2014-01-02", end: "2015-06-30" });
    expect(parseDateRange("2010:2014")).toEqual({ start: "2010-01-01", end: "2014-12-31" });
    expect(parseDateRange("2016:2018-03-31")).toEqual({ start: "2016-01-01", end: "2018-03-31" });
  });

  it("rejects malformed ranges with a user error", () => {
    for (const bad of ["2014", "2014-13-01:2015", "2015:2014", "2014-02-30:2015", "a:b", "2014:2015:2016"]) {
      expect(() => parseDateRange(bad)).toThrow(QuantaError);
    }
  });

  const dates = ["2014-12-30", "2014-12-31", "2015-01-02", "2015-01-05", "2015-01-06", "2015-01-07"];
  const panel = makePanel(dates, ["A"], { close: dates.map(() => [1]) });

  it("maps a range to inclusive calendar indices", () => {
    expect(dateIndexRange(panel, parseDateRange("2015:2015"))).toEqual({ from: 2, to: 5 });
    expect(dateIndexRange(panel, parseDateRange("2014-12-31:2015-01-05"))).toEqual({ from: 1, to: 3 });
    const none = dateIndexRange(panel, parseDateRange("2016:2017"));
    expect(none.to).toBeLessThan(none.from);
  });

  it("a sealed split reads labels only where they are realised inside it", () => {
    const s = Split.of(panel, "valid", parseDateRange("2015:2015"));
    expect([s.from, s.to, s.labelTo]).toEqual([2, 5, 3]);
    expect(s.labelWindow()).toEqual({ from: 2, to: 3 });
    expect([...s.dateIndices()]).toEqual([2, 3, 4, 5]);
    expect(Split.of(panel, "test", parseDateRange("2015:2015"), { sealLabel: false }).labelTo).toBe(5);
  });

  it("checkSplits rejects empty and overlapping splits", () => {
    const a = Split.of(panel, "train", parseDateRange("2014:2014"));
    const b = Split.of(panel, "valid", parseDateRange("2015-01-01:2015-01-05"));
    const c = Split.of(panel, "test", parseDateRange("2015-01-05:2015-12-31"));
    expect(() => checkSplits([a, b])).not.toThrow();
    expect(() => checkSplits([a, b, c])).toThrow(/overlap/);
    expect(() => checkSplits([Split.of(panel, "x", parseDateRange("2019:2019"))])).toThrow(/no trading date/);
  });
});

describe("CSRankNorm and the design matrix", () => {
  it("CSRankNorm = (average rank / count − 0.5) · 3.46 over the cross-section, NaN kept", () => {
    const p = makePanel(["d0"], ["A", "B", "C", "D", "E"], { close: [[1, 1, 1, 1, 1]] });
    const v = byDate([[3, 1, 2, NaN, 2]], 1, 5);
    const r = csRankNorm(v, p, { from: 0, to: 0 });
    const want = [1, 0.25, 0.625, NaN, 0.625].map((x) => (x - 0.5) * 3.46);
    for (let i = 0; i < 5; i++) {
      if (Number.isNaN(want[i]!)) expect(Number.isNaN(r[i]!)).toBe(true);
      else expect(r[i]!).toBeCloseTo(want[i]!, 14);
    }
  });

  it("±inf becomes the date's mean of the other values before ranking (ProcessInf)", () => {
    const p = makePanel(["d0"], ["A", "B", "C", "D"], { close: [[1, 1, 1, 1]] });
    // inf → mean(1, 2, 6) = 3: ranks of [3, 1, 2, 6] → [3, 1, 2, 4]
    const r = csRankNorm(byDate([[Infinity, 1, 2, 6]], 1, 4), p, { from: 0, to: 0 });
    expect(r[0]!).toBeCloseTo((3 / 4 - 0.5) * 3.46, 14);
    expect(r[3]!).toBeCloseTo((4 / 4 - 0.5) * 3.46, 14);
  });

  // 4 dates × 4 instruments; labels need closes 2 days ahead.
  const dates = ["d0", "d1", "d2", "d3"];
  const p = makePanel(
    dates,
    ["A", "B", "C", "D"],
    {
      close: [
        [10, 10, 10, 10],
        [10, 10, 10, NaN],
        [11, 9, 10.5, 10],
        [12, 9, 10, 10],
      ],
    },
    [
      [1, 1, 1, 1],
      [1, 1, 1, 1],
      [1, 1, 1, 0],
      [1, 1, 1, 1],
    ],
  );
  // Labels set by hand (not from the closes) to control where they are NaN.
  const label = byDate(
    [
      [0.1, -0.1, 0.05, NaN],
      [0.2, 0.3, -0.1, 0.0],
      [NaN, NaN, NaN, NaN],
      [NaN, NaN, NaN, NaN],
    ],
    4,
    4,
  );
  const f1 = byDate(
    [
      [1, 2, 3, 4],
      [4, 3, NaN, 1],
      [1, 1, 1, 1],
      [1, 1, 1, 1],
    ],
    4,
    4,
  );
  const f2 = byDate(
    [
      [5, 5, 6, 7],
      [1, 2, 3, 4],
      [1, 1, 1, 1],
      [1, 1, 1, 1],
    ],
    4,
    4,
  );
  const split = Split.of(p, "train", { start: "d0", end: "d3" });

  it("fit rows: labelled cross-section rows only; features ranked over the whole cross-section; NaN → 0", () => {
    const m = designMatrix([f1, f2], label, p, split, { mode: "fit" });
    // Sealed split over d0..d3: label window d0..d1. d0: D's label is NaN → rows A,B,C; d1: all four.
    expect([...m.date]).toEqual([0, 0, 0, 1, 1, 1, 1]);
    expect([...m.inst]).toEqual([0, 1, 2, 0, 1, 2, 3]);
    const rn = (rank: number, n: number): number => (rank / n - 0.5) * 3.46;
    // d0 f1 ranks over A..D (D has a feature value though its label is NaN): 1,2,3 of 4.
    expect(m.x[0 * 2 + 0]!).toBeCloseTo(rn(1, 4), 14);
    expect(m.x[2 * 2 + 0]!).toBeCloseTo(rn(3, 4), 14);
    // d0 f2: 5,5,6,7 → A,B tie at 1.5
    expect(m.x[0 * 2 + 1]!).toBeCloseTo(rn(1.5, 4), 14);
    // d1 f1: C is NaN → 0; others ranked among 3
    expect(m.x[5 * 2 + 0]!).toBe(0);
    expect(m.x[3 * 2 + 0]!).toBeCloseTo(rn(3, 3), 14);
    // y: d0 labels 0.1, −0.1, 0.05 → ranks 3, 1, 2 of 3
    expect(m.y[0]!).toBeCloseTo(rn(3, 3), 14);
    expect(m.y[1]!).toBeCloseTo(rn(1, 3), 14);
    expect(m.rawLabel[2]).toBe(0.05);
  });

  it("predict rows: every cross-section row of the split's dates, member mask respected", () => {
    const m = designMatrix([f1, f2], undefined, p, split, { mode: "predict" });
    // d0: 4, d1: 4 (D's close is NaN but it is in span), d2: D not a member → 3, d3: 4
    expect(m.nRows).toBe(15);
    expect(m.y.length).toBe(0);
    const back = scatterRows(m, Float64Array.from({ length: m.nRows }, (_, r) => r), p);
    expect(Number.isNaN(back[3 * 4 + 2]!)).toBe(true); // D at d2
    expect(back[0 * 4 + 3]!).toBe(11); // A at d3 is the 12th row
  });

  it("reads nothing outside the split: poisoning other dates leaves the matrix unchanged", () => {
    const s = Split.of(p, "s", { start: "d0", end: "d1" }, { sealLabel: false });
    const a = designMatrix([f1, f2], label, p, s);
    const g1 = f1.slice();
    const g2 = f2.slice();
    const lab = label.slice();
    for (let i = 0; i < 4; i++)
      for (const t of [2, 3]) {
        g1[i * 4 + t] = 1e9 * (i + 1);
        g2[i * 4 + t] = NaN;
        lab[i * 4 + t] = -5;
      }
    const b = designMatrix([g1, g2], lab, p, s);
    expect(b.x).toEqual(a.x);
    expect(b.y).toEqual(a.y);
  });
});
