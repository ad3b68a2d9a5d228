/**
 * Shifts on the calendar grid over ONE instrument's span x[start..end)
 * (convention of ./moments.ts). Values before `start` or at/after `end` do not
 * exist (NaN). Unlike the window kernels, shifts pass ±inf through (qlib Ref).
 * A negative k looks into the future: only label definitions may ask for it
 * (the parser rejects it elsewhere).
 */

/** DELAY(A, k) / qlib Ref(x, k), k ≠ 0: out[t] = x[t − k]. */
export function shift(x: Float64Array, out: Float64Array, start: number, end: number, k: number): void {
  for (let t = start; t < end; t++) {
    const src = t - k;
    out[t] = src >= start && src < end ? x[src]! : 0 / 0;
  }
}

/** qlib Ref(x, 0): the first value of the instrument's series, broadcast over its span. */
export function firstValue(x: Float64Array, out: Float64Array, start: number, end: number): void {
  if (end <= start) return;
  out.fill(x[start]!, start, end);
}

/** DELTA(A, k) / qlib Delta(x, k), k ≠ 0 or quanta k = 0: x[t] − x[t − k]. */
export function delta(x: Float64Array, out: Float64Array, start: number, end: number, k: number): void {
  for (let t = start; t < end; t++) {
    const src = t - k;
    out[t] = src >= start && src < end ? x[t]! - x[src]! : 0 / 0;
  }
}

/** qlib Delta(x, 0): x − the first value of the series. */
export function deltaFirst(x: Float64Array, out: Float64Array, start: number, end: number): void {
  if (end <= start) return;
  const first = x[start]!;
  for (let t = start; t < end; t++) out[t] = x[t]! - first;
}

/** TS_PCTCHANGE(A, k): x[t] / x[t − k] − 1 (no fill; NaN where undefined). */
export function pctChange(x: Float64Array, out: Float64Array, start: number, end: number, k: number): void {
  for (let t = start; t < end; t++) {
    const src = t - k;
    out[t] = src >= start && src < end ? x[t]! / x[src]! - 1 : 0 / 0;
  }
}
