import { afterAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readLongCsv } from "../../src/data/csv-long.ts";
import { prefetchDataFile, prefetchedBytes, prefetchedSha256 } from "../../src/data/prefetch.ts";
import { entryName, fileIdentity } from "../../src/data/panel-cache-dir.ts";
import { loadThroughCache } from "../../src/data/panel-cache.ts";
import { loadCsvPanel } from "../../src/data/csv-long.ts";
import { REQUIRED_FIELDS } from "../../src/data/index.ts";
import { scratchDir, HEADER } from "./tmp-files.ts";

const tmp = scratchDir("prefetch");
afterAll(() => tmp.cleanup());

const CSV = [HEADER, "2020-01-02,AAA,10,11,9,10.5,1000", "2020-01-03,AAA,10.5,11,10,10.75,1200", "2020-01-02,BBB,20,21,19,20.5,3000"].join("\n") + "\n";
const read = (path: string) => readLongCsv(path, { required: REQUIRED_FIELDS });
const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

describe("prefetching a data file", () => {
  it("the loader parses the prefetched bytes (gzip and plain) into what it reads itself", async () => {
    for (const gz of [true, false]) {
      const path = tmp.write(`p${gz ? ".csv.gz" : ".csv"}`, CSV, gz);
      const direct = await read(path);
      prefetchDataFile(path);
      expect(prefetchedSha256(path)).toBe(sha(path));
      const viaPrefetch = await read(path);
      expect(viaPrefetch).toEqual(direct);
      expect(await prefetchedBytes(path)).toBeUndefined(); // handed over once: the loader took it
    }
  });

  it("a file changed since the prefetch started is read again", async () => {
    const path = tmp.write("changed.csv", CSV);
    prefetchDataFile(path);
    expect(prefetchedSha256(path)).toBe(sha(path));
    writeFileSync(path, CSV.replace("3000", "30000"));
    const future = new Date(Date.now() + 5000);
    utimesSync(path, future, future);
    expect(prefetchedSha256(path)).toBeUndefined();
    const rows = await read(path);
    expect(rows.cells[2 * rows.fieldNames.length + rows.fieldNames.indexOf("volume")]).toBe(30000);
  });

  it("a corrupt gzip is dropped here and reported by the loader as without a prefetch", async () => {
    const path = tmp.write("corrupt.csv.gz", Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const direct = await read(path).catch((e: Error) => e.message);
    prefetchDataFile(path);
    expect(await read(path).catch((e: Error) => e.message)).toBe(direct);
    expect(direct).toMatch(/corrupt\.csv\.gz/);
  });

  it("not gunzipped when the cache already has a panel of these bytes; the hash is still there", async () => {
    const path = tmp.write("cached.csv.gz", CSV, true);
    const dir = join(tmp.dir, "cache-gz");
    mkdirSync(dir);
    writeFileSync(join(dir, entryName(sha(path), "f".repeat(64))), "an entry of another key");
    prefetchDataFile(path, dir);
    expect(prefetchedSha256(path)).toBe(sha(path));
    expect(await prefetchedBytes(path)).toBeUndefined();
    const rows = await read(path); // the loader reads the file itself, as usual
    expect([...rows.cells.subarray(0, rows.nRows * rows.fieldNames.length)]).toEqual([...new Float64Array([10, 11, 9, 10.5, 1000, 10.5, 11, 10, 10.75, 1200, 20, 21, 19, 20.5, 3000])]);
  });

  it("a file whose hash the cache remembers (and has a panel of) is not read again", async () => {
    const path = tmp.write("known.csv", CSV);
    const dir = join(tmp.dir, "cache-known");
    mkdirSync(dir);
    const first = await loadThroughCache(path, {}, dir, () => loadCsvPanel(path), { racyMs: 0 });
    await first.stored;
    prefetchDataFile(path, dir);
    expect(prefetchedSha256(path)).toBe(sha(path));
    expect(await prefetchedBytes(path)).toBeUndefined();
    const again = await loadThroughCache(path, {}, dir, () => Promise.reject(new Error("not a hit")));
    expect(again.hit).toBe(true);
    expect([...again.result.panel.fields.get("close")!]).toEqual([...first.result.panel.fields.get("close")!]);
    // The index is what is trusted: a (planted) different hash for this identity is taken as is.
    const other = tmp.write("known2.csv", CSV);
    const planted = "ab".repeat(32);
    writeFileSync(join(dir, "hashes.json"), JSON.stringify({ [fileIdentity(other)!.identity]: { sha256: planted, at: Date.now() } }));
    writeFileSync(join(dir, entryName(planted, "c".repeat(64))), "x");
    prefetchDataFile(other, dir);
    expect(prefetchedSha256(other)).toBe(planted);
  });

  it("anything but an existing regular file is ignored", async () => {
    prefetchDataFile(tmp.dir);
    prefetchDataFile(`${tmp.dir}/absent.csv`);
    expect(prefetchedSha256(tmp.dir)).toBeUndefined();
    expect(await prefetchedBytes(`${tmp.dir}/absent.csv`)).toBeUndefined();
    await expect(read(`${tmp.dir}/absent.csv`)).rejects.toThrow(/absent\.csv: no such file/);
  });
});
