/**
 * Fast decimal parsing straight from bytes. The fast path (plain decimals with
 * a mantissa below 2^53 and at most 22 fraction digits) is exact: mantissa and
 * 10^k are exact doubles and one IEEE division rounds correctly, so the result
 * equals parseFloat. Anything else (exponents, long mantissas, NaN/inf words)
 * goes through a validated slow path.
 */

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
const TWO53 = 9007199254740992;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const MISSING_WORDS = new Set(["nan", "-nan", "na", "null", "none", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"]);

/**
 * Set to true by parseNumberBytes when the field is not a number. An object
 * (not an exported `let`) so hot loops can hold a direct reference to it.
 */
export const numberParse = { failed: false };

/**
 * Parse bytes [s, e). Empty → NaN. Words nan/na/null/none and infinities → NaN
 * (non-finite values are missing in quanta). On garbage returns NaN and sets
 * `numberParse.failed` (check it right after the call).
 */
export function parseNumberBytes(b: Uint8Array, s: number, e: number): number {
  numberParse.failed = false;
  if (s === e) return NaN;
  let i = s;
  let c = b[i]!;
  let neg = false;
  if (c === 45) { neg = true; i++; } else if (c === 43) i++;
  let mant = 0, nDigits = 0, frac = 0;
  while (i < e) {
    c = b[i]! - 48;
    if (c < 0 || c > 9) break;
    mant = mant * 10 + c;
    nDigits++;
    i++;
  }
  if (i < e && b[i] === 46) {
    i++;
    while (i < e) {
      c = b[i]! - 48;
      if (c < 0 || c > 9) break;
      mant = mant * 10 + c;
      nDigits++;
      frac++;
      i++;
    }
  }
  if (i === e && nDigits > 0 && mant < TWO53 && frac < 23) {
    const v = frac === 0 ? mant : mant / POW10[frac]!;
    return neg ? -v : v;
  }
  return slowParse(b, s, e);
}

function slowParse(b: Uint8Array, s: number, e: number): number {
  let text = "";
  for (let k = s; k < e; k++) text += String.fromCharCode(b[k]!);
  text = text.trim();
  if (text === "") return NaN;
  if (DECIMAL.test(text)) {
    const v = parseFloat(text);
    return Number.isFinite(v) ? v : NaN;
  }
  if (MISSING_WORDS.has(text.toLowerCase())) return NaN;
  numberParse.failed = true;
  return NaN;
}

/** Same rules for a string (small files: membership, calendars). Returns undefined on garbage. */
export function parseNumberText(text: string): number | undefined {
  const b = Buffer.from(text, "latin1");
  const v = parseNumberBytes(b, 0, b.length);
  return numberParse.failed ? undefined : v;
}
