/** Number formatting for tables. Missing values (null/undefined) show as an em dash. */
const DASH = "—";

export function fmtFixed(v: number | null | undefined, digits: number): string {
  return v === null || v === undefined ? DASH : v.toFixed(digits);
}

/** A fraction shown as a percentage: 0.1234 → "12.34%". */
export function fmtPct(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined ? DASH : `${(v * 100).toFixed(digits)}%`;
}

/** A CSS class for the sign of a value, so negative numbers can be told apart at a glance. */
export function signClass(v: number | null | undefined): string {
  return v === null || v === undefined ? "na" : v < 0 ? "neg" : "pos";
}
