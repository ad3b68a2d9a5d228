import { describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { icTileBytes, l2CacheBytes, parseCacheSize, tileBytesForL2 } from "../../src/pool/cache-size.ts";
import { tileDatesFor } from "../../backtest/ic.ts";

/** l2CacheBytes of a sysfs-like cache directory made of `levels` (index<k>/{level,type,size}). */
function l2Of(levels: [string, string, string][]): number | undefined {
  const dir = mkdtempSync(join(tmpdir(), "quanta-cache-"));
  levels.forEach(([level, type, size], k) => {
    mkdirSync(join(dir, `index${k}`));
    writeFileSync(join(dir, `index${k}`, "level"), `${level}\n`);
    writeFileSync(join(dir, `index${k}`, "type"), `${type}\n`);
    writeFileSync(join(dir, `index${k}`, "size"), `${size}\n`);
  });
  try {
    return l2CacheBytes(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the L2 size behind the IC's tile", () => {
  it("parses sysfs sizes", () => {
    expect(parseCacheSize("2048K")).toBe(2 * 1024 * 1024);
    expect(parseCacheSize("1M\n")).toBe(1024 * 1024);
    expect(parseCacheSize("524288")).toBe(524288);
    expect(parseCacheSize("")).toBeUndefined();
    expect(parseCacheSize("0K")).toBeUndefined();
    expect(parseCacheSize("big")).toBeUndefined();
  });

  it("reads the level-2 data or unified cache, not an instruction cache", () => {
    const l2 = l2Of([
      ["1", "Data", "48K"],
      ["1", "Instruction", "64K"],
      ["2", "Unified", "1024K"],
      ["3", "Unified", "32768K"],
    ]);
    expect(l2).toBe(1024 * 1024);
    expect(l2Of([["2", "Instruction", "64K"], ["2", "Data", "512K"]])).toBe(512 * 1024);
    expect(l2CacheBytes(join(tmpdir(), "quanta-no-such-dir"))).toBeUndefined();
  });

  it("gives the tile a quarter of L2 within bounds, and a middle size when L2 is unknown", () => {
    expect(tileBytesForL2(2 * 1024 * 1024)).toBe(512 * 1024);
    expect(tileBytesForL2(1024 * 1024)).toBe(256 * 1024);
    expect(tileBytesForL2(32 * 1024 * 1024)).toBe(512 * 1024);
    expect(tileBytesForL2(128 * 1024)).toBe(64 * 1024);
    expect(tileBytesForL2(undefined)).toBe(256 * 1024);
    // 505 instruments (the S&P 500 file): 128 dates in 2 MB of L2, 64 in 1 MB, never under 8
    expect(tileDatesFor(505, tileBytesForL2(2 * 1024 * 1024))).toBe(128);
    expect(tileDatesFor(505, tileBytesForL2(1024 * 1024))).toBe(64);
    expect(tileDatesFor(20000, tileBytesForL2(undefined))).toBe(8);
    expect(tileDatesFor(10, tileBytesForL2(undefined))).toBe(128);
    // this machine's: whatever its L2, within the bounds
    expect(icTileBytes()).toBeGreaterThanOrEqual(64 * 1024);
    expect(icTileBytes()).toBeLessThanOrEqual(512 * 1024);
  });
});
