/**
 * Reusable work buffers for the rolling kernels, so a kernel called once per
 * instrument (hundreds of times per operator) allocates nothing per call and
 * nothing per cell. A buffer is identified by a slot number and grows on demand;
 * its contents are unspecified on entry (every kernel writes before it reads).
 *
 * Slot convention: a kernel uses slots 0–15 for its own work; code that
 * composes kernels (keeping one kernel's result while calling another) uses
 * slots ≥ 16 for what it keeps. One Scratch belongs to one thread.
 */
const EMPTY = new Float64Array(0);

export class Scratch {
  /** Slots a Scratch has (0 … SLOTS − 1). */
  static readonly SLOTS = 32;

  // Every slot exists from the start (an empty buffer until first used), so the slot array is the
  // same packed, fixed-length array of Float64Arrays in every Scratch whatever order kernels fill
  // it in: a slot filled out of order or read before any write would otherwise turn it holey or
  // read past its end, and the kernels that inline f64() were deoptimised ("wrong map", "out of
  // bounds") when they met a Scratch in another state than the one they were compiled for.
  private readonly f64s: Float64Array[] = [];

  constructor() {
    for (let s = 0; s < Scratch.SLOTS; s++) this.f64s.push(EMPTY);
  }

  /** A Float64Array of at least `minLength` elements for `slot` (reused across calls). */
  f64(slot: number, minLength: number): Float64Array {
    if (!(slot >= 0 && slot < Scratch.SLOTS)) throw new RangeError(`scratch slot ${slot} out of range`);
    const have = this.f64s[slot]!;
    if (have.length >= minLength) return have;
    const grown = new Float64Array(Math.max(minLength, 64, have.length * 2));
    this.f64s[slot] = grown;
    return grown;
  }
}

/** The per-thread default used when a caller passes no Scratch. */
export const defaultScratch = new Scratch();
