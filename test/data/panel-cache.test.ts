import { afterAll, afterEach, describe, expect, it } from "vitest";
import { mkdirSync, readdirSync, readFileSync, statSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadPanel } from "../../src/data/index.ts";
import { clearPanelCache, listEntries, loadThroughCache, panelCacheDir, panelCacheKey, type CachedLoadOptions } from "../../src/data/panel-cache.ts";
import { entryName, fileIdentity, knownSha256 } from "../../src/data/panel-cache-dir.ts";
import { createHash } from "node:crypto";
import { loadCsvPanel } from "../../src/data/csv-long.ts";
import type { Panel } from "../../factors/panel.ts";
import { runCli, SP500_SLICE } from "../cli/harness.ts";
import { scratchDir, HEADER } from "./tmp-files.ts";

const tmp = scratchDir("panel-cache");
afterAll(() => tmp.cleanup());

let dirCount = 0;
/** A fresh, empty cache directory per test. */
function cacheDir(): string {
  const d = join(tmp.dir, `cache-${dirCount++}`);
  mkdirSync(d);
  return d;
}

/** Bit-for-bit equality of two panels (NaN where NaN, same calendar, spans and membership). */
function expectSamePanel(a: Panel, b: Panel): void {
  expect(a.dates).toEqual(b.dates);
  expect(a.instruments).toEqual(b.instruments);
  expect([...a.fields.keys()]).toEqual([...b.fields.keys()]);
  for (const [name, x] of a.fields) {
    const y = b.fields.get(name)!;
    expect(Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength)), name).toBe(true);
  }
  expect([...a.first]).toEqual([...b.first]);
  expect([...a.last]).toEqual([...b.last]);
  expect(a.member === undefined ? undefined : [...a.member]).toEqual(b.member === undefined ? undefined : [...b.member]);
}

// Two instruments, a gap, an implausible tick (high < low: a warning), an empty cell (NaN).
const ROWS = [
  "2020-01-02,AAA,10,11,9,10.5,1000",
  "2020-01-03,AAA,10.5,10,11,10.75,1200", // high < low
  "2020-01-06,AAA,10.7,11.2,10.1,,900",
  "2020-01-02,BBB,20,21,19,20.5,3000",
  "2020-01-06,BBB,20.5,21.5,20,21,3100",
  "2020-01-07,BBB,21,22,20.5,21.5,2900",
];
const CSV = [HEADER, ...ROWS].join("\n") + "\n";

/** Loads through the cache in `dir` and says whether it was a hit. */
async function cached(path: string, dir: string, opts: CachedLoadOptions = {}) {
  const r = await loadThroughCache(path, opts, dir, () => loadCsvPanel(path, opts));
  await r.stored;
  return r;
}

describe("panel cache", () => {
  it("a second load of the same file is a hit and gives the same panel, warnings included", async () => {
    const path = tmp.write("a.csv.gz", CSV, true);
    const dir = cacheDir();
    const first = await cached(path, dir);
    const second = await cached(path, dir);
    expect(first.hit).toBe(false);
    expect(second.hit).toBe(true);
    expectSamePanel(second.result.panel, first.result.panel);
    expect(second.result.warnings).toEqual(first.result.warnings);
    expect(second.result.warnings.map((w) => w.kind)).toEqual(["high<low"]);
    // Arrays come back on SharedArrayBuffers of their own, as the loaders make them (workers share them).
    for (const a of second.result.panel.fields.values()) {
      expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(a.byteLength).toBe(a.buffer.byteLength);
    }
    // Through loadPanel: the same, and no temporary file is left behind.
    expectSamePanel((await loadPanel(path, { cacheDir: dir })).panel, first.result.panel);
    expect(readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    expect(listEntries(dir)).toHaveLength(1);
  });

  it("an edit keeping the size and the mtime is a miss (the key hashes the bytes)", async () => {
    const path = tmp.write("edit.csv", CSV);
    const dir = cacheDir();
    await cached(path, dir);
    const st = statSync(path);
    writeFileSync(path, CSV.replace("3000", "3001")); // same length
    utimesSync(path, st.atime, st.mtime);
    expect(statSync(path).size).toBe(st.size);
    const again = await cached(path, dir);
    expect(again.hit).toBe(false);
    const vol = again.result.panel.fields.get("volume")!;
    expect(vol[1 * again.result.panel.nDates + 0]).toBe(3001);
  });

  it("options that change the result are part of the key; --start is checked on the cached panel", async () => {
    const path = tmp.write("opts.csv", CSV);
    const dir = cacheDir();
    const whole = await cached(path, dir);
    const cut = await cached(path, dir, { end: "2020-01-03" });
    expect(cut.hit).toBe(false);
    expect(cut.result.panel.nDates).toBe(2);
    expect(whole.result.panel.nDates).toBe(4);
    expect((await cached(path, dir, { instruments: ["BBB"] })).result.panel.instruments).toEqual(["BBB"]);
    // Strict loading rejects the implausible row: an error, not an entry.
    await expect(cached(path, dir, { strict: true })).rejects.toThrow(/high/);
    await expect(cached(path, dir, { strict: true })).rejects.toThrow(/high/);
    // --start: a hit, and the same error as the loader's when the data does not reach it.
    expect((await cached(path, dir, { start: "2020-01-06" })).hit).toBe(true);
    const uncached = await loadCsvPanel(path, { start: "2021-01-01" }).catch((e: Error) => e.message);
    await expect(cached(path, dir, { start: "2021-01-01" })).rejects.toThrow(uncached as string);
    await expect(cached(path, dir, { start: "2020-13-45" })).rejects.toThrow(/--start "2020-13-45" is not a date/);
  });

  it("a different membership file is a different entry", async () => {
    const path = tmp.write("m.csv", CSV);
    const m1 = tmp.write("m1.csv", "instrument,start_date,end_date\nAAA,2020-01-01,2020-12-31\n");
    const m2 = tmp.write("m2.csv", "instrument,start_date,end_date\nBBB,2020-01-01,2020-12-31\n");
    const dir = cacheDir();
    const a = await cached(path, dir, { membership: m1 });
    const b = await cached(path, dir, { membership: m2 });
    expect(b.hit).toBe(false);
    expect([...a.result.panel.member!]).not.toEqual([...b.result.panel.member!]);
    const again = await cached(path, dir, { membership: m1 });
    expect(again.hit).toBe(true);
    expectSamePanel(again.result.panel, a.result.panel);
  });

  it("a damaged entry is a miss, and is rebuilt", async () => {
    const path = tmp.write("dmg.csv", CSV);
    const dir = cacheDir();
    const good = (await cached(path, dir)).result.panel;
    const [entry] = listEntries(dir);
    const bytes = readFileSync(entry!.path);
    const damages: [string, () => void][] = [
      ["truncated", () => truncateSync(entry!.path, bytes.length - 5)],
      ["bad magic", () => writeFileSync(entry!.path, Buffer.concat([Buffer.from("XXXX"), bytes.subarray(4)]))],
      ["header not JSON", () => writeFileSync(entry!.path, Buffer.concat([bytes.subarray(0, 12), Buffer.from("{{{{"), bytes.subarray(16)]))],
      ["empty", () => writeFileSync(entry!.path, "")],
      ["longer", () => writeFileSync(entry!.path, Buffer.concat([bytes, Buffer.alloc(8)]))],
    ];
    for (const [what, damage] of damages) {
      damage();
      const r = await cached(path, dir);
      expect(r.hit, what).toBe(false);
      expectSamePanel(r.result.panel, good);
      expect(readFileSync(entry!.path).equals(bytes), what).toBe(true); // rewritten whole
    }
  });

  it("an entry stored under another key (renamed) is not used", async () => {
    const a = tmp.write("k1.csv", CSV);
    const b = tmp.write("k2.csv", CSV.replace("21.5,2900", "21.5,2901"));
    const dir = cacheDir();
    await cached(a, dir);
    const [entry] = listEntries(dir);
    const { fileSha256, key } = panelCacheKey(b, {});
    writeFileSync(join(dir, entryName(fileSha256, key)), readFileSync(entry!.path));
    const r = await cached(b, dir);
    expect(r.hit).toBe(false);
    expect(r.result.panel.fields.get("volume")![1 * r.result.panel.nDates + 3]).toBe(2901);
  });

  it("a load error is not cached, and an unusable cache directory only costs the speed-up", async () => {
    const bad = tmp.write("bad.csv", `${HEADER}\n2020-01-02,AAA,10,11,9,x,1000\n`);
    const dir = cacheDir();
    await expect(cached(bad, dir)).rejects.toThrow(/bad\.csv: line 2/);
    expect(listEntries(dir)).toEqual([]);
    const path = tmp.write("ok.csv", CSV);
    const notADir = tmp.write("plain-file", "x");
    const r = await cached(path, join(notADir, "sub"));
    expect(r.hit).toBe(false);
    expect(r.result.panel.nInst).toBe(2);
    // A missing data file: the loader's own message.
    await expect(cached(join(tmp.dir, "absent.csv"), dir)).rejects.toThrow(/absent\.csv: no such file/);
  });

  it("temporary files of killed writers are never read, and go once stale (a fresh one may be another process's)", async () => {
    const path = tmp.write("tmpfiles.csv", CSV);
    const dir = cacheDir();
    const { fileSha256, key } = panelCacheKey(path, {});
    const name = entryName(fileSha256, key);
    // A writer killed after its header: the entry's name with a temporary suffix, half the bytes.
    const stale = join(dir, `${name}.4242.abc.tmp`);
    const fresh = join(dir, `${name}.4343.def.tmp`);
    writeFileSync(stale, "QPNL");
    writeFileSync(fresh, "QPNL");
    const old = new Date(Date.now() - 3600_000);
    utimesSync(stale, old, old);
    const r = await cached(path, dir);
    expect(r.hit).toBe(false);
    expect(readdirSync(dir).sort()).toEqual([name, `${name}.4343.def.tmp`]);
    expect((await cached(path, dir)).hit).toBe(true);
  });

  it("the hash index: a file's hash is remembered by its identity, not when it changed just before (racy), and an edit is seen", async () => {
    const path = tmp.write("index.csv", CSV);
    const dir = cacheDir();
    const load = (racyMs: number) => loadThroughCache(path, {}, dir, () => loadCsvPanel(path), { racyMs }).then(async (r) => (await r.stored, r));
    await load(60_000); // the file changed less than a minute ago: not remembered
    const identity = fileIdentity(path)!;
    expect(knownSha256(dir, identity.identity)).toBeUndefined();
    await load(0);
    const sha = createHash("sha256").update(readFileSync(path)).digest("hex");
    expect(knownSha256(dir, identity.identity)).toBe(sha);
    // An edit, even to the same size and mtime, changes the identity (ctime): hashed again, a miss.
    const st = statSync(path);
    writeFileSync(path, CSV.replace("1000", "1001"));
    utimesSync(path, st.atime, st.mtime);
    expect(fileIdentity(path)!.identity).not.toBe(identity.identity);
    const after = await load(0);
    expect(after.hit).toBe(false);
    expect(after.result.panel.fields.get("volume")![0]).toBe(1001);
    // A wrong hash in the index for this identity would be trusted: the index is the cache's own
    // file, so a damaged one must only cost a re-hash — garbage is ignored.
    writeFileSync(join(dir, "hashes.json"), "{not json");
    expect(knownSha256(dir, fileIdentity(path)!.identity)).toBeUndefined();
    expect((await load(0)).hit).toBe(true);
  });

  it("least recently used entries go beyond QUANTA_CACHE_MAX_MB; the newest stays", async () => {
    const dir = cacheDir();
    const limited = (path: string, mb: string) =>
      loadThroughCache(path, {}, dir, () => loadCsvPanel(path), { env: { QUANTA_CACHE_MAX_MB: mb } }).then(async (r) => (await r.stored, r));
    const paths = [0, 1, 2].map((k) => tmp.write(`lru${k}.csv`, CSV.replace("1000", String(1000 + k))));
    for (const p of paths) await limited(p, "1");
    expect(listEntries(dir)).toHaveLength(3); // each is a few hundred bytes
    await limited(tmp.write("lru3.csv", CSV.replace("1000", "999")), "0");
    expect(listEntries(dir)).toHaveLength(1);
    expect((await cached(paths[2]!, dir)).hit).toBe(false);
  });

  it("the directory comes from the environment; off turns it off", () => {
    expect(panelCacheDir({ QUANTA_CACHE_DIR: "/x/y" })).toBe("/x/y");
    for (const off of ["off", "0", "false", "none", "OFF"]) expect(panelCacheDir({ QUANTA_CACHE_DIR: off })).toBeUndefined();
    expect(panelCacheDir({ XDG_CACHE_HOME: "/xdg" })).toBe("/xdg/quanta/panels");
    expect(panelCacheDir({ HOME: "/h" })).toBe("/h/.cache/quanta/panels");
  });
});

describe("panel cache from the CLI", () => {
  const saved = process.env.QUANTA_CACHE_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.QUANTA_CACHE_DIR;
    else process.env.QUANTA_CACHE_DIR = saved;
  });

  it("`quanta ic` fills it (same output on a hit), --no-cache does not, `data cache --clear` empties it", async () => {
    const dir = cacheDir();
    process.env.QUANTA_CACHE_DIR = dir;
    const exprs = tmp.write("f.tsv", "MA5\tMean($close, 5)/$close\nROC5\tRef($close, 5)/$close\n");
    const args = ["ic", "--data", SP500_SLICE, "--exprs", exprs, "--dialect", "qlib", "--threads", "1", "--json"];
    const noCache = await runCli([...args, "--no-cache"]);
    expect(noCache.code).toBe(0);
    expect(listEntries(dir)).toEqual([]);
    const miss = await runCli(args);
    expect(listEntries(dir)).toHaveLength(1);
    const hit = await runCli(args);
    expect(hit.stdout).toBe(miss.stdout);
    expect(hit.stdout).toBe(noCache.stdout);
    expect(hit.stderr).toBe(noCache.stderr); // the loader's warnings, replayed
    const shown = await runCli(["data", "cache", "--json"]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ dir, entries: 1 });
    const cleared = await runCli(["data", "cache", "--clear"]);
    expect(cleared.stdout).toMatch(/removed 1 panel/);
    expect(listEntries(dir)).toEqual([]);
    expect(clearPanelCache(join(dir, "nothing-here"))).toBe(0);
    process.env.QUANTA_CACHE_DIR = "off";
    expect((await runCli(["data", "cache"])).stdout).toMatch(/off/);
  });
});
