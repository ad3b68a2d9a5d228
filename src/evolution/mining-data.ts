/**
 * What mining may see. The panel is cut at the end of the mining-valid range before anything
 * else happens, so no reward, prompt, gate or selection can read a price of the test range — not
 * even through the label of the last valid days (their t+2 close lies beyond the cut, so they are
 * NaN, and the splits are sealed as well). The final backtest gets the full panel separately.
 */
import { createHash } from "node:crypto";
import type { Panel } from "../../factors/panel.ts";
import { QuantaError } from "../../factors/errors.ts";
import { ICEvaluator } from "../../backtest/ic.ts";
import { labelReturns } from "../../backtest/label.ts";
import { Split, checkSplits, formatDateRange, type DateRange } from "../../backtest/split.ts";
import { panelFingerprint } from "../data/inspect.ts";
import { restrictPanel } from "../data/restrict.ts";
import { BASE_FEATURES } from "./base-features.ts";
import type { FactorEvaluator } from "./evaluator.ts";

export interface MiningRanges {
  readonly train: DateRange;
  readonly valid: DateRange;
}

export interface MiningData {
  /** The panel cut at the mining-valid end. */
  readonly panel: Panel;
  readonly ranges: MiningRanges;
  /** The label on the cut panel (NaN where t+2 is beyond the cut). */
  readonly label: Float64Array;
  readonly train: Split;
  readonly valid: Split;
  /** Label cross-sections prepared once per range, reused for every factor. */
  readonly trainIc: ICEvaluator;
  readonly validIc: ICEvaluator;
  /** Values of BASE_FEATURES, in order. */
  readonly base: readonly Float64Array[];
  /** Identifies (data, ranges): the evaluation-cache key together with the canonical expression. */
  readonly fingerprint: string;
  /** Fields an expression may read, with `$` (`$return` is derived from `$close`). */
  readonly fields: readonly string[];
}

/** Fields of a panel as expressions name them, `$return` included when `$close` exists. */
export function panelFieldNames(panel: Panel): string[] {
  const names = [...panel.fields.keys()].map((f) => `$${f}`);
  if (panel.fields.has("close") && !panel.fields.has("return")) names.push("$return");
  return names;
}

export async function prepareMiningData(full: Panel, ranges: MiningRanges, evaluator: FactorEvaluator): Promise<MiningData> {
  if (!(ranges.train.end < ranges.valid.start)) {
    throw new QuantaError(
      `mining-train ${formatDateRange(ranges.train)} must end before mining-valid ${formatDateRange(ranges.valid)} starts`,
    );
  }
  const panel = restrictPanel(full, { end: ranges.valid.end }, "mining data");
  const train = Split.of(panel, "train", ranges.train);
  const valid = Split.of(panel, "valid", ranges.valid);
  checkSplits([train, valid]);
  const label = labelReturns(panel);
  const base = await evaluator.evaluate(
    panel,
    BASE_FEATURES.map((b) => b.expression),
    "quanta",
  );
  const fingerprint = createHash("sha256")
    .update(`${panelFingerprint(panel)}|train ${formatDateRange(ranges.train)}|valid ${formatDateRange(ranges.valid)}`)
    .digest("hex")
    .slice(0, 16);
  return {
    panel,
    ranges,
    label,
    train,
    valid,
    trainIc: new ICEvaluator(label, panel, train),
    validIc: new ICEvaluator(label, panel, valid),
    base,
    fingerprint,
    fields: panelFieldNames(panel),
  };
}
