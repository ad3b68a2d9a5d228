/** The newest window a retrain re-evaluates on: the last N dates of the data, or explicit dates. */
import { dateIndexRange, type IndexRange } from "../../backtest/split.ts";
import { QuantaError } from "../../factors/errors.ts";
import type { Panel } from "../../factors/panel.ts";

export interface RetrainWindow {
  readonly range: IndexRange;
  readonly start: string;
  readonly end: string;
  readonly days: number;
}

export const DEFAULT_WINDOW_DAYS = 250;

export function retrainWindow(panel: Pick<Panel, "dates" | "nDates">, o: { days?: number; start?: string; end?: string } = {}): RetrainWindow {
  if (panel.nDates === 0) throw new QuantaError("retrain: the data has no dates");
  let range: IndexRange;
  if (o.start !== undefined || o.end !== undefined) {
    if (o.days !== undefined) throw new QuantaError("retrain: give either --window or --start/--end, not both");
    range = dateIndexRange(panel, { start: o.start ?? "0000-01-01", end: o.end ?? "9999-12-31" });
    if (range.to < range.from) {
      throw new QuantaError(`retrain: no date of the data (${panel.dates[0]} .. ${panel.dates[panel.nDates - 1]}) falls in ${o.start ?? "…"} .. ${o.end ?? "…"}`);
    }
  } else {
    const days = o.days ?? DEFAULT_WINDOW_DAYS;
    if (!Number.isInteger(days) || days < 5) throw new QuantaError(`retrain: --window must be an integer ≥ 5 days, got ${days}`);
    range = { from: Math.max(0, panel.nDates - days), to: panel.nDates - 1 };
  }
  return { range, start: panel.dates[range.from]!, end: panel.dates[range.to]!, days: range.to - range.from + 1 };
}
