/**
 * Seeds and seeded randomness for the controller. Every random choice of a campaign is drawn from
 * a generator seeded by (campaign seed, round, slot, purpose), never from shared state, so the
 * order in which concurrent trajectories finish cannot change any decision.
 */
import { createHash } from "node:crypto";
import { Rng } from "../../agents/offline/rng.ts";

/** A 31-bit non-negative integer derived from the parts (stable across platforms and runs). */
export function deriveSeed(...parts: readonly (string | number)[]): number {
  const h = createHash("sha256").update(parts.map(String).join("\u0000")).digest();
  return h.readUInt32LE(0) & 0x7fffffff;
}

/** The offline proposer's mulberry32 generator, seeded from named parts. */
export class SeededRandom extends Rng {
  static of(...parts: readonly (string | number)[]): SeededRandom {
    return new SeededRandom(deriveSeed(...parts));
  }
}
