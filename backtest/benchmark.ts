/**
 * Benchmark daily returns on the panel's calendar (length nDates, NaN where undefined; the
 * simulation counts NaN as 0, as qlib's `fillna(0)`).
 */
import type { Panel } from "../factors/panel.ts";

/**
 * Equal-weight universe: per date, the mean close-to-close return (close_t / close_{t−1} − 1) of
 * the instruments in the cross-section (span and membership) where both closes are finite.
 */
export function equalWeightBenchmark(panel: Panel): Float64Array {
  const close = panel.fields.get("close");
  if (!close) throw new Error("equalWeightBenchmark: the panel has no close field");
  const { nDates, nInst } = panel;
  const sum = new Float64Array(nDates);
  const cnt = new Int32Array(nDates);
  for (let i = 0; i < nInst; i++) {
    const base = i * nDates;
    const first = Math.max(1, panel.first[i]!);
    for (let t = first; t <= panel.last[i]!; t++) {
      if (panel.member !== undefined && panel.member[base + t] !== 1) continue;
      const r = close[base + t]! / close[base + t - 1]! - 1;
      if (Number.isFinite(r)) {
        sum[t] = sum[t]! + r;
        cnt[t] = cnt[t]! + 1;
      }
    }
  }
  const out = new Float64Array(nDates);
  for (let t = 0; t < nDates; t++) out[t] = cnt[t]! > 0 ? sum[t]! / cnt[t]! : NaN;
  return out;
}

/**
 * An index close series (its own dates, sorted ISO) as returns on the panel's calendar: the return
 * on date d is close_d / close of the index's previous row − 1 (qlib: `$close/Ref($close,1)-1` on
 * the index's own calendar), NaN on panel dates the index does not have.
 */
export function indexBenchmark(panel: Pick<Panel, "dates" | "nDates">, indexDates: readonly string[], indexClose: ArrayLike<number>): Float64Array {
  const byDate = new Map<string, number>();
  for (let k = 1; k < indexDates.length; k++) {
    const r = indexClose[k]! / indexClose[k - 1]! - 1;
    byDate.set(indexDates[k]!, Number.isFinite(r) ? r : NaN);
  }
  const out = new Float64Array(panel.nDates);
  for (let t = 0; t < panel.nDates; t++) out[t] = byDate.get(panel.dates[t]!) ?? NaN;
  return out;
}
