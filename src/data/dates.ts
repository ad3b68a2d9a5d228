/**
 * Calendar dates as compact integer "day slots": ((year - 1800) * 12 + month - 1) * 31 + day - 1.
 * Not contiguous (every month has 31 slots), but monotone in the date, so a
 * boolean array indexed by slot yields the sorted calendar without sorting.
 */
export const MIN_YEAR = 1800;
export const MAX_YEAR = 2199;
export const DAY_SLOTS = (MAX_YEAR - MIN_YEAR + 1) * 12 * 31;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Slot of a valid (y, m, d), or -1 when the date does not exist or is out of range. */
export function daySlot(y: number, m: number, d: number): number {
  if (y < MIN_YEAR || y > MAX_YEAR || m < 1 || m > 12 || d < 1) return -1;
  if (d > DAYS_IN_MONTH[m - 1]! || (m === 2 && d === 29 && !isLeap(y))) return -1;
  return ((y - MIN_YEAR) * 12 + (m - 1)) * 31 + (d - 1);
}

const PAD2 = Array.from({ length: 32 }, (_, i) => (i < 10 ? `0${i}` : `${i}`));

/** ISO `YYYY-MM-DD` of a slot. */
export function slotToIso(slot: number): string {
  const d = (slot % 31) + 1;
  const mm = Math.floor(slot / 31);
  const m = (mm % 12) + 1;
  const y = Math.floor(mm / 12) + MIN_YEAR;
  return `${y}-${PAD2[m]}-${PAD2[d]}`;
}

/**
 * Parse `YYYY-MM-DD` (optionally followed by ` ` or `T` and a time, which is
 * ignored) from bytes [s, e). Returns the day slot or -1.
 */
export function parseDateBytes(b: Uint8Array, s: number, e: number): number {
  const n = e - s;
  if (n < 10 || (n > 10 && b[s + 10] !== 32 && b[s + 10] !== 84)) return -1;
  if (b[s + 4] !== 45 || b[s + 7] !== 45) return -1;
  let y = 0;
  for (let k = 0; k < 4; k++) {
    const c = b[s + k]! - 48;
    if (c < 0 || c > 9) return -1;
    y = y * 10 + c;
  }
  const m1 = b[s + 5]! - 48, m2 = b[s + 6]! - 48, d1 = b[s + 8]! - 48, d2 = b[s + 9]! - 48;
  if (m1 < 0 || m1 > 9 || m2 < 0 || m2 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return -1;
  return daySlot(y, m1 * 10 + m2, d1 * 10 + d2);
}

/** Slot of an ISO date string (same rules as parseDateBytes), or -1. */
export function parseIsoDate(text: string): number {
  const t = text.trim();
  const b = new Uint8Array(t.length);
  for (let k = 0; k < t.length; k++) b[k] = t.charCodeAt(k) & 0xff;
  return parseDateBytes(b, 0, b.length);
}

/** Normalise a user-given date to `YYYY-MM-DD`, or undefined when it is not a date. */
export function normaliseIsoDate(text: string): string | undefined {
  const slot = parseIsoDate(text);
  return slot < 0 ? undefined : slotToIso(slot);
}

/** Index of the first element of sorted `dates` that is >= `d` (dates.length if none). */
export function lowerBound(dates: readonly string[], d: string): number {
  let lo = 0, hi = dates.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (dates[mid]! < d) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element of sorted `dates` that is > `d`. */
export function upperBound(dates: readonly string[], d: string): number {
  let lo = 0, hi = dates.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (dates[mid]! <= d) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
