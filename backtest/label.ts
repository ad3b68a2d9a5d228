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
  const { nDates, nInst, first } = panel;
  const out = new Float64Array(nDates * nInst).fill(NaN);
  for (let i = 0; i < nInst; i++) {
    // Ref shifts stay inside the instrument's own series: t+2 must be within its span.
    const lastT = panel.last[i]! - LABEL_HORIZON;
    for (let t = Math.max(0, first[i]!); t <= lastT; t++) out[i * nDates + t] = labelReturnAt(close, i * nDates + t);
  }
  return out;
}

/**
 * The label at cell `at` (instrument-major) of a series whose span reaches two days past it:
 * close(t+2) / close(t+1) − 1, NaN when not finite.
 */
export function labelReturnAt(close: Float64Array, at: number): number {
  const r = close[at + 2]! / close[at + 1]! - 1;
  return r - r === 0 ? r : NaN;
}
