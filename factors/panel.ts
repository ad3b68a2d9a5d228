/**
 * The market panel: one Float64Array per field, instrument-major
 * (`values[i * nDates + t]`), so one instrument's history is contiguous and a
 * time-series kernel walks it without strides. Missing = NaN.
 *
 * Buffers may sit on SharedArrayBuffers so pool workers read them without copying.
 */
export interface Panel {
  /** Sorted trading calendar, ISO `YYYY-MM-DD`. */
  readonly dates: readonly string[];
  /** Sorted instrument names. */
  readonly instruments: readonly string[];
  readonly nDates: number;
  readonly nInst: number;
  /** Field name without `$` (`close`, `volume`, …) → instrument-major values. */
  readonly fields: ReadonlyMap<string, Float64Array>;
  /**
   * Span of each instrument: the date index of its first and last row in the
   * source (inclusive). Outside the span it is in no cross-section and its
   * factor values are NaN. An instrument with no rows has first = nDates, last = -1.
   */
  readonly first: Int32Array;
  readonly last: Int32Array;
  /**
   * Optional universe membership, instrument-major like the fields (1 = member).
   * Cross-sectional operators and metrics only see members.
   */
  readonly member?: Uint8Array;
}

/** Index of (instrument i, date t) in an instrument-major array. */
export function cell(panel: Pick<Panel, "nDates">, i: number, t: number): number {
  return i * panel.nDates + t;
}

/** True when instrument i is in the cross-section at date t (in span and, if given, a member). */
export function inCrossSection(panel: Panel, i: number, t: number): boolean {
  if (t < panel.first[i]! || t > panel.last[i]!) return false;
  return panel.member === undefined || panel.member[i * panel.nDates + t] === 1;
}
