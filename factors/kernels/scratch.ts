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
export class Scratch {
  private readonly f64s: (Float64Array | undefined)[] = [];

  /** A Float64Array of at least `minLength` elements for `slot` (reused across calls). */
  f64(slot: number, minLength: number): Float64Array {
    const have = this.f64s[slot];
    if (have !== undefined && have.length >= minLength) return have;
    const grown = new Float64Array(Math.max(minLength, 64, have === undefined ? 0 : have.length * 2));
    this.f64s[slot] = grown;
    return grown;
  }
}

/** The per-thread default used when a caller passes no Scratch. */
export const defaultScratch = new Scratch();
