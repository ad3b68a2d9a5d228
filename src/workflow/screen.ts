/**
 * The two factor-set workloads behind `quanta eval` and `quanta ic`: evaluate a set into a long
 * table, or screen it by daily IC / RankIC against the label over a date range. Both run on the
 * evaluation pool (workers share the panel's memory).
 */
import type { Dialect } from "../../factors/ast.ts";
import type { Panel } from "../../factors/panel.ts";
import { labelReturns } from "../../backtest/label.ts";
import { dateIndexRange, type IndexRange } from "../../backtest/split.ts";
import type { ICSummary } from "../../backtest/ic.ts";
import { EvalPool } from "../pool/pool.ts";
import type { PreparedFactor } from "./factor-set.ts";

/** Date-index window of [start, end] on the panel's calendar (whole calendar when open). */
export function windowOf(panel: Panel, start?: string, end?: string): IndexRange {
  return dateIndexRange(panel, { start: start ?? "0000-01-01", end: end ?? "9999-12-31" });
}

export interface FactorIc extends ICSummary {
  readonly name: string;
}

export async function screenFactors(
  panel: Panel,
  factors: readonly PreparedFactor[],
  dialect: Dialect,
  window: IndexRange,
  pool: EvalPool,
): Promise<FactorIc[]> {
  const label = labelReturns(panel);
  const summaries = await pool.ic(
    panel,
    factors.map((f) => f.canonical),
    dialect,
    label,
    window,
  );
  return factors.map((f, k) => ({ name: f.name, ...summaries[k]! }));
}

export async function evaluateFactorSet(
  panel: Panel,
  factors: readonly PreparedFactor[],
  dialect: Dialect,
  pool: EvalPool,
  opts: { profile?: boolean } = {},
): Promise<{ values: Float64Array[]; profile?: Map<string, number> }> {
  return pool.evaluate(
    panel,
    factors.map((f) => f.canonical),
    dialect,
    opts,
  );
}
