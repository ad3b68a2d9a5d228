import type { Rng } from "./sort-inputs.ts";

/**
 * A price-like random walk in cents (two-decimal values: windows of different instruments or days
 * tie exactly, as real prices do), never below 1, with a share `missing` of NaN days.
 */
export function centPrices(rnd: Rng, len: number, { start = 50, stepCents = 100, missing = 0.03 } = {}): Float64Array {
  let p = start;
  return Float64Array.from({ length: len }, () => {
    p = Math.max(1, p + Math.round((rnd() - 0.5) * stepCents) / 100);
    return rnd() < missing ? NaN : p;
  });
}
