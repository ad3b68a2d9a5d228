/**
 * NaN and ±∞ for the kernels' hot loops, computed rather than read from the globals `NaN` and
 * `Infinity`. Node 20's optimiser gives a value that may be one of those global constants and is
 * otherwise a computed double — `c > 0 ? s / c : NaN` stored to a Float64Array, or a running
 * minimum that starts at `Infinity` — a boxed representation, so every assignment allocated a
 * heap number: ~1.4 GB of short-lived garbage and its scavenges per Alpha158 evaluation on the
 * S&P 500 file. These constants keep such values unboxed doubles (no allocation in the loops).
 */
export const NAN = 0 / 0;
export const POS_INF = 1 / 0;
export const NEG_INF = -1 / 0;
