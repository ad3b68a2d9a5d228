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
  const { nDates, nInst } = panel;
  const out = new Float64Array(nDates * nInst).fill(NaN);
  for (let i = 0; i < nInst; i++) {
    const base = i * nDates;
    // Ref shifts stay inside the instrument's own series: t+2 must be within its span.
    const lastT = panel.last[i]! - LABEL_HORIZON;
    for (let t = Math.max(0, panel.first[i]!); t <= lastT; t++) {
      const r = close[base + t + 2]! / close[base + t + 1]! - 1;
      if (Number.isFinite(r)) out[base + t] = r;
    }
  }
  return out;
}
