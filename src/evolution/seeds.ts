/**
 * Seeds and seeded randomness for the controller. Every random choice of a campaign is drawn from
 * a generator seeded by (campaign seed, round, slot, purpose), never from shared state, so the
 * order in which concurrent trajectories finish cannot change any decision.
 */
import { createHash } from "node:crypto";

/** A 31-bit non-negative integer derived from the parts (stable across platforms and runs). */
export function deriveSeed(...parts: readonly (string | number)[]): number {
  const h = createHash("sha256").update(parts.map(String).join("\u0000")).digest();
  return h.readUInt32LE(0) & 0x7fffffff;
}

/** mulberry32: small, fast and good enough for choosing parents. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  static of(...parts: readonly (string | number)[]): SeededRandom {
    return new SeededRandom(deriveSeed(...parts));
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Index drawn with probability proportional to the (non-negative) weights; uniform if all are 0. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w > 0 ? w : 0;
    if (!(total > 0)) return this.int(weights.length);
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i]!;
      if (w <= 0) continue;
      r -= w;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }
}
