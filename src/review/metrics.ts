/**
 * IC metrics of evaluated factors on one date window, in the library's metric shape (the four IC
 * numbers plus the day counts), with the label prepared once for all factors.
 */
import { ICEvaluator } from "../../backtest/ic.ts";
import { labelReturns } from "../../backtest/label.ts";
import type { IndexRange } from "../../backtest/split.ts";
import type { Panel } from "../../factors/panel.ts";
import { summaryToMetrics } from "../evolution/scoring.ts";
import type { FactorMetrics } from "../evolution/types.ts";

/**
 * Metrics of each values array against the next-day label on `window`. The label at t reads the
 * closes of t+1 and t+2, so the last two dates of the data never count (their label is NaN).
 */
export function windowMetrics(panel: Panel, values: readonly Float64Array[], window: IndexRange, label?: Float64Array): FactorMetrics[] {
  if (values.length === 0) return [];
  const ic = new ICEvaluator(label ?? labelReturns(panel), panel, window);
  return values.map((v) => summaryToMetrics(ic.metrics(v)));
}
