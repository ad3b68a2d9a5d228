/**
 * Date ranges and splits. A `Split` is the only way the model and metric code learn which dates it
 * may read: it carries the inclusive date-index window and, for the label, the last date whose
 * label is realised inside the window. Mining uses sealed splits so that nothing it computes (not
 * even the label of the last valid days, which needs closes of the following days) reads a price
 * from the test range.
 */
import type { Panel } from "../factors/panel.ts";
import { QuantaError } from "../factors/errors.ts";
import { LABEL_HORIZON } from "./label.ts";

/** Inclusive calendar range, ISO `YYYY-MM-DD` on both ends. */
export interface DateRange {
  readonly start: string;
  readonly end: string;
}

/** Inclusive date-index window on a panel's calendar; empty when `to < from`. */
export interface IndexRange {
  readonly from: number;
  readonly to: number;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const YEAR = /^(\d{4})$/;

function parseEnd(text: string, side: "start" | "end", whole: string): string {
  const s = text.trim();
  const y = YEAR.exec(s);
  if (y) return side === "start" ? `${y[1]}-01-01` : `${y[1]}-12-31`;
  const d = DAY.exec(s);
  if (d) {
    const month = Number(d[2]);
    const day = Number(d[3]);
    const probe = new Date(Date.UTC(Number(d[1]), month - 1, day));
    if (probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day) return s;
  }
  throw new QuantaError(`bad date range "${whole}": ${side} "${s}" is not YYYY-MM-DD or YYYY`);
}

/** Parse "A:B" where A and B are `YYYY-MM-DD` or `YYYY` (a year means its first / last day). */
export function parseDateRange(text: string): DateRange {
  const parts = text.split(":");
  if (parts.length !== 2) throw new QuantaError(`bad date range "${text}": expected START:END`);
  const start = parseEnd(parts[0]!, "start", text);
  const end = parseEnd(parts[1]!, "end", text);
  if (start > end) throw new QuantaError(`bad date range "${text}": start ${start} is after end ${end}`);
  return { start, end };
}

export function formatDateRange(r: DateRange): string {
  return `${r.start}:${r.end}`;
}

/** First index whose date is ≥ `date` (dates are sorted ISO strings, so string order is date order). */
function lowerBound(dates: readonly string[], date: string): number {
  let lo = 0;
  let hi = dates.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (dates[mid]! < date) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The calendar indices inside `range` (inclusive). Empty (`to < from`) when no date falls inside. */
export function dateIndexRange(panel: Pick<Panel, "dates">, range: DateRange): IndexRange {
  const from = lowerBound(panel.dates, range.start);
  const to = lowerBound(panel.dates, `${range.end}\uffff`) - 1;
  return { from, to };
}

export interface SplitOptions {
  /**
   * Only read labels realised inside the split (t + horizon ≤ last date). Default true: mining
   * splits must not peek at the following range. Set false for reference-parity metrics, where the
   * label of the last days reads the closes that follow (as qlib and metrics_ref.py do).
   */
  readonly sealLabel?: boolean;
  /** Days past t the label reads; default 2 (`Ref($close,-2)`). */
  readonly labelHorizon?: number;
}

/** A named date window of one panel's calendar that readers cannot see past. */
export class Split {
  private constructor(
    readonly name: string,
    readonly range: DateRange,
    /** First date index (inclusive). */
    readonly from: number,
    /** Last date index (inclusive); `to < from` for an empty split. */
    readonly to: number,
    readonly sealed: boolean,
    /** Last date index whose label may be read (≤ to). */
    readonly labelTo: number,
  ) {}

  static of(panel: Pick<Panel, "dates">, name: string, range: DateRange, opts: SplitOptions = {}): Split {
    const { from, to } = dateIndexRange(panel, range);
    const sealed = opts.sealLabel ?? true;
    // The label at t reads closes up to t + horizon; a sealed split drops the dates whose label
    // would be realised after its end.
    const labelTo = sealed ? to - (opts.labelHorizon ?? LABEL_HORIZON) : to;
    return new Split(name, range, from, to, sealed, labelTo);
  }

  /** Number of calendar dates inside. */
  get nDates(): number {
    return Math.max(0, this.to - this.from + 1);
  }

  get empty(): boolean {
    return this.to < this.from;
  }

  has(t: number): boolean {
    return t >= this.from && t <= this.to;
  }

  /** Date indices inside, ascending. */
  dateIndices(): Int32Array {
    const out = new Int32Array(this.nDates);
    for (let k = 0; k < out.length; k++) out[k] = this.from + k;
    return out;
  }

  /** The date window whose labels may be read: `from..labelTo`. */
  labelWindow(): IndexRange {
    return { from: this.from, to: Math.min(this.to, this.labelTo) };
  }

  /** The date window itself (scores, features, holdings). */
  window(): IndexRange {
    return { from: this.from, to: this.to };
  }

  toString(): string {
    return `${this.name} ${formatDateRange(this.range)}`;
  }
}

/** Fails (exit 2) when a split holds no date, or when splits overlap or are out of order. */
export function checkSplits(splits: readonly Split[]): void {
  for (const s of splits) {
    if (s.empty) throw new QuantaError(`split ${s}: no trading date of the data falls inside`);
  }
  for (let k = 1; k < splits.length; k++) {
    const a = splits[k - 1]!;
    const b = splits[k]!;
    if (b.from <= a.to) throw new QuantaError(`splits ${a} and ${b} overlap or are out of order`);
  }
}
