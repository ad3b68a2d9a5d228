/**
 * The prediction target: qlib's `Ref($close,-2)/Ref($close,-1) - 1`, the return from the close of
 * t+1 to the close of t+2 (a signal known at the close of t is traded at t+1).
 *
 * Computed straight from `$close` on the calendar grid rather than through the expression parser,
 * because the parser rightly rejects negative shifts outside a label.
 */
import type { Panel } from "../factors/panel.ts";

/** How many days past t the default label reads (`Ref($close,-2)`). */
export const LABEL_HORIZON = 2;

/**
 * Label per (instrument, date), instrument-major like the panel. NaN where close at t+1 or t+2 is
 * missing or outside the instrument's span, and where the ratio is not finite.
 */
export function labelReturns(panel: Panel): Float64Array {
  const close = panel.fields.get("close");
  if (close === undefined) throw new Error("labelReturns: the panel has no close field");
  const out = new Float64Array(panel.nDates * panel.nInst);
  labelReturnsInto({ close, first: panel.first, last: panel.last }, panel.nDates, out, 0, panel.nDates - 1);
  return out;
}

/**
 * labelReturns' cells at dates [from, to] only, written into `out` (other dates untouched): what
 * the IC's preparing threads compute, each for its own dates.
 */
export function labelReturnsInto(
  src: { readonly close: Float64Array; readonly first: Int32Array; readonly last: Int32Array },
  nDates: number,
  out: Float64Array,
  from: number,
  to: number,
): void {
  const { close, first, last } = src;
  for (let i = 0; i < first.length; i++) {
    const base = i * nDates;
    // Ref shifts stay inside the instrument's own series: t+2 must be within its span.
    const lo = Math.max(from, first[i]!);
    const hi = Math.min(to, last[i]! - LABEL_HORIZON);
    for (let t = from; t < lo && t <= to; t++) out[base + t] = NaN;
    for (let t = lo; t <= hi; t++) {
      const r = close[base + t + 2]! / close[base + t + 1]! - 1;
      out[base + t] = Number.isFinite(r) ? r : NaN;
    }
    for (let t = Math.max(from, hi + 1, lo); t <= to; t++) out[base + t] = NaN;
  }
}
