/**
 * The label's cross-sections laid out on shared memory and prepared by the threads that use them
 * (layOutSharedSections): in any number of parts, from a label array or from the close prices
 * (`returnsOf`), the IC is bit for bit the IC of a label prepared by one thread.
 */
import { describe, expect, it } from "vitest";
import { FIXTURES, loadFactors, loadPanel } from "./helpers.ts";
import { labelReturns } from "../../backtest/label.ts";
import { ICEvaluator, LabelCrossSections, layOutSharedSections } from "../../backtest/ic.ts";
import { clipSpans } from "../../src/workflow/screen.ts";

const panel = loadPanel(`${FIXTURES}sp500_ic_slice.csv.gz`);
const mpanel = loadPanel(`${FIXTURES}sp500_ic_slice.csv.gz`, `${FIXTURES}sp500_ic_membership.csv`);
const factors = [...loadFactors(`${FIXTURES}sp500_ic_factors.csv.gz`, panel).values()];
const label = labelReturns(panel);

function sameBits(a: Float64Array, b: Float64Array): void {
  expect(a.length).toBe(b.length);
  expect(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))).toBe(true);
}

describe("shared label sections", () => {
  const window = { from: 5, to: panel.nDates - 3 };
  const eager = new ICEvaluator(label, panel, window);

  it.each([1, 2, 5, 64, 10_000])("in %i part(s), from the label array: the same daily IC bits", (parts) => {
    const shared = layOutSharedSections(label, panel, window, parts);
    expect(shared.parts.length).toBe(Math.min(parts, window.to - window.from + 1));
    expect((shared.label as Float64Array).buffer).toBeInstanceOf(SharedArrayBuffer); // workers get it without a copy
    const ev = new ICEvaluator(new LabelCrossSections(shared, panel), panel, window);
    expect([...shared.state]).toEqual(shared.parts.map(() => 2)); // all ready
    for (const f of factors) {
      const a = eager.daily(f);
      const b = ev.daily(f);
      expect(b.from).toBe(a.from);
      sameBits(b.ic, a.ic);
      sameBits(b.rankIc, a.rankIc);
    }
  });

  it("from the close prices of a wider panel (returnsOf), cross-sections on a cut one with a membership", () => {
    const cut = clipSpans(mpanel, 30, 200);
    const win = { from: 60, to: 200 };
    const ref = new ICEvaluator(labelReturns(mpanel), cut, win);
    const shared = layOutSharedSections({ returnsOf: mpanel }, cut, win, 3);
    // The prices travel to the workers on shared memory (copied there once if they were not).
    expect(mpanel.fields.get("close")!.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(Object.values(shared.label).every((a: Float64Array | Int32Array) => a.buffer instanceof SharedArrayBuffer)).toBe(true);
    const ev = new ICEvaluator(new LabelCrossSections(shared, cut), cut, win);
    let counted = 0;
    for (const f of factors) {
      const a = ref.daily(f);
      const b = ev.daily(f);
      sameBits(b.ic, a.ic);
      sameBits(b.rankIc, a.rankIc);
      counted += a.ic.filter((v) => !Number.isNaN(v)).length;
    }
    expect(counted).toBeGreaterThan(100);
    // The label's last dates read closes past the cut's end: computed from the wider panel's spans.
    expect(Number.isNaN(ev.daily(factors[0]!).ic.at(-1)!)).toBe(false);
  });

  it("a second thread's view of prepared sections reuses them (nothing is claimed again)", () => {
    const shared = layOutSharedSections(label, panel, window, 4);
    new LabelCrossSections(shared, panel);
    const order0 = shared.parts[0]!.order[0];
    shared.parts[0]!.order[0] = -1; // would be overwritten if the part were prepared again
    new LabelCrossSections(shared, panel);
    expect(shared.parts[0]!.order[0]).toBe(-1);
    shared.parts[0]!.order[0] = order0!;
  });

  it("a part another thread failed to prepare fails the others with a message, instead of hanging", () => {
    const shared = layOutSharedSections(label, panel, window, 3);
    Atomics.store(shared.state, 1, 3); // failed
    expect(() => new LabelCrossSections(shared, panel)).toThrow(/failed to prepare/);
  });

  it("an empty window has no parts and no dates", () => {
    const shared = layOutSharedSections(label, panel, { from: 50, to: 40 }, 4);
    expect(shared.parts).toHaveLength(0);
    const ev = new ICEvaluator(new LabelCrossSections(shared, panel), panel, { from: 50, to: 40 });
    expect(ev.daily(factors[0]!).ic).toHaveLength(0);
  });
});
