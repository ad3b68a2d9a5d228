/**
 * The size of a core's L2 cache, read once from Linux's sysfs (undefined elsewhere or when it
 * cannot be read). The IC's transpose sizes its tile from it (icTileBytes): the tile must stay in
 * L2 beside the hundreds of instrument streams it gathers from.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_TILE_BYTES } from "../../backtest/ic.ts";

const CACHE_DIR = "/sys/devices/system/cpu/cpu0/cache";

/** "2048K" / "1M" / "524288" → bytes; undefined when unreadable. */
export function parseCacheSize(text: string): number | undefined {
  const m = /^\s*(\d+)\s*([KMG]?)\s*$/i.exec(text);
  if (m === null) return undefined;
  const unit = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2]!.toUpperCase() as "" | "K" | "M" | "G"];
  const bytes = Number(m[1]) * unit;
  return bytes > 0 ? bytes : undefined;
}

let l2: number | undefined | null = null;

/** Bytes of L2 per core (cpu0's unified or data level-2 cache), or undefined. */
export function l2CacheBytes(dir = CACHE_DIR): number | undefined {
  if (l2 !== null && dir === CACHE_DIR) return l2;
  let found: number | undefined;
  try {
    for (const entry of readdirSync(dir)) {
      if (!entry.startsWith("index")) continue;
      const read = (f: string) => readFileSync(join(dir, entry, f), "utf8").trim();
      if (read("level") !== "2" || read("type") === "Instruction") continue;
      found = parseCacheSize(read("size"));
      break;
    }
  } catch {
    found = undefined;
  }
  if (dir === CACHE_DIR) l2 = found;
  return found;
}

/**
 * Bytes of tile the IC's transpose may use (LabelCrossSections' tileBytes) on a machine with
 * l2Bytes of L2 per core: a quarter of it, from 64 KB to 512 KB; the IC's default (256 KB) when
 * L2 is unknown. Measured where L2 is 2 MB (a Xeon VM): a 512 KB tile (128 dates of 505 instruments) made the
 * transpose 2× faster than a 32 KB one, and a 2 MB tile (all of L2) was slower again.
 */
export function tileBytesForL2(l2Bytes: number | undefined): number {
  if (l2Bytes === undefined) return DEFAULT_TILE_BYTES;
  return Math.min(512 * 1024, Math.max(64 * 1024, Math.floor(l2Bytes / 4)));
}

/** tileBytesForL2 of this machine. */
export function icTileBytes(): number {
  return tileBytesForL2(l2CacheBytes());
}
