import { afterAll, describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Panel } from "../../factors/panel.ts";
import { loadQlibDir, loadPanel, loadCsvPanel, writeLongCsv, generateSyntheticMarket, panelFingerprint } from "../../src/data/index.ts";
import { scratchDir, HEADER } from "./tmp-files.ts";

const tmp = scratchDir("qlib");
afterAll(() => tmp.cleanup());

/**
 * Write a panel as a qlib data directory, the way qlib's dump_bin does:
 * per instrument and field a float32 LE file whose first value is the start
 * index into the calendar, then the values from the span's first to last day.
 */
function writeQlibDir(dir: string, panel: Panel, market?: { name: string; lines: string[] }): void {
  mkdirSync(join(dir, "calendars"), { recursive: true });
  mkdirSync(join(dir, "instruments"), { recursive: true });
  writeFileSync(join(dir, "calendars", "day.txt"), panel.dates.join("\n") + "\n");
  const all = panel.instruments
    .map((name, i) => `${name}\t${panel.dates[panel.first[i]!]}\t${panel.dates[panel.last[i]!]}`)
    .join("\n");
  writeFileSync(join(dir, "instruments", "all.txt"), all + "\n");
  if (market) writeFileSync(join(dir, "instruments", `${market.name}.txt`), market.lines.join("\n") + "\n");
  panel.instruments.forEach((name, i) => {
    const d = join(dir, "features", name.toLowerCase());
    mkdirSync(d, { recursive: true });
    const f = panel.first[i]!, l = panel.last[i]!;
    for (const [field, values] of panel.fields) {
      const out = new Float32Array(l - f + 2);
      out[0] = f;
      for (let t = f; t <= l; t++) out[t - f + 1] = values[i * panel.nDates + t]!;
      writeFileSync(join(d, `${field}.day.bin`), new Uint8Array(out.buffer));
    }
  });
}

describe("qlib binary directory", () => {
  it("round trip: CSV → qlib dir → panel equals the CSV panel at float32 precision", async () => {
    const csv = tmp.write("small.csv", [
      HEADER,
      "2020-01-03,SH600001,10.1,11,9,10.5,1000",
      "2020-01-02,SH600001,10,11,9,10.25,1500",
      "2020-01-07,SH600001,10,11,9,10.75,",
      "2020-01-03,SZ000002,5,6,4,5.5,300",
      "2020-01-06,SZ000002,5.5,6,4.5,5.75,400",
    ].join("\n"));
    const { panel } = await loadCsvPanel(csv);
    const dir = join(tmp.dir, "q1");
    writeQlibDir(dir, panel, { name: "csi2", lines: ["SH600001\t2020-01-03\t2020-01-06", "SZ000002\t2020-01-02\t2020-01-03"] });
    const { panel: q, warnings } = loadQlibDir(dir);
    expect(warnings).toEqual([]);
    expect(q.dates).toEqual(panel.dates);
    expect(q.instruments).toEqual(panel.instruments);
    expect([...q.first]).toEqual([...panel.first]);
    expect([...q.last]).toEqual([...panel.last]);
    expect([...q.fields.keys()]).toEqual(["open", "high", "low", "close", "volume"]);
    for (const [name, a] of panel.fields) {
      const b = q.fields.get(name)!;
      for (let c = 0; c < a.length; c++) {
        if (Number.isNaN(a[c]!)) expect(b[c]).toBeNaN();
        else expect(b[c]).toBe(Math.fround(a[c]!));
      }
    }
    expect(q.member).toBeUndefined();
    // a named market file restricts the instruments and becomes the member mask
    const m = loadQlibDir(dir, { market: "csi2" });
    expect([...m.panel.member!]).toEqual([0, 1, 1, 0, /* SZ000002 */ 1, 1, 0, 0]);
    // end trims the calendar and the spans
    const e = loadQlibDir(dir, { end: "2020-01-03", instruments: ["SZ000002"] });
    expect(e.panel.dates).toEqual(["2020-01-02", "2020-01-03"]);
    expect([...e.panel.first, ...e.panel.last]).toEqual([1, 1]);
  });

  it("loadPanel dispatches a directory to the qlib loader; synthetic data survives the trip", async () => {
    const market = generateSyntheticMarket({ seed: 3, instruments: 12, days: 60 });
    const dir = join(tmp.dir, "q2");
    writeQlibDir(dir, market.panel);
    const loaded = await loadPanel(dir);
    expect(loaded.kind).toBe("qlib");
    expect(loaded.panel.instruments).toEqual(market.panel.instruments);
    const close = market.panel.fields.get("close")!, back = loaded.panel.fields.get("close")!;
    let maxRel = 0;
    for (let c = 0; c < close.length; c++) if (!Number.isNaN(close[c]!)) maxRel = Math.max(maxRel, Math.abs(back[c]! / close[c]! - 1));
    expect(maxRel).toBeLessThan(1e-7);
    // and the same data written as CSV reloads bit-exactly
    const path = join(tmp.dir, "syn.csv");
    await writeLongCsv(path, market.panel);
    expect(panelFingerprint((await loadCsvPanel(path)).panel)).toBe(panelFingerprint(market.panel));
  });

  it("errors: missing calendar, bad bin, unsorted calendar, missing required field", async () => {
    const { panel } = await loadCsvPanel(tmp.write("one.csv", `${HEADER}\n2020-01-02,AAA,1,1,1,1,1\n2020-01-03,AAA,1,1,1,1,1\n`));
    const dir = join(tmp.dir, "q3");
    writeQlibDir(dir, panel);
    expect(() => loadQlibDir(join(tmp.dir, "nowhere"))).toThrow(/nowhere: no such directory/);
    expect(() => loadQlibDir(tmp.dir)).toThrow(/calendars\/day\.txt: no such file/);
    writeFileSync(join(dir, "features", "aaa", "close.day.bin"), new Uint8Array(new Float32Array([5, 1, 2]).buffer));
    expect(() => loadQlibDir(dir)).toThrow(/close\.day\.bin: start index 5 is outside the calendar/);
    writeFileSync(join(dir, "features", "aaa", "close.day.bin"), new Uint8Array([1, 2, 3]));
    expect(() => loadQlibDir(dir)).toThrow(/close\.day\.bin: not a qlib \.bin/);
    writeFileSync(join(dir, "features", "aaa", "close.day.bin"), new Uint8Array(new Float32Array([0, 1, 2, 3]).buffer));
    expect(() => loadQlibDir(dir)).toThrow(/3 values from index 0 run past the calendar's 2 days/);
    writeFileSync(join(dir, "features", "aaa", "close.day.bin"), new Uint8Array(new Float32Array([0, 1, 2]).buffer));
    expect(loadQlibDir(dir).panel.fields.get("close")![1]).toBe(2);
    expect(() => loadQlibDir(dir, { fields: ["open", "high", "low", "close"] })).toThrow(/no volume\.day\.bin for any instrument/);
    writeFileSync(join(dir, "calendars", "day.txt"), "2020-01-03\n2020-01-02\n");
    expect(() => loadQlibDir(dir)).toThrow(/day\.txt: line 2, col 1: calendar not strictly increasing/);
  });
});
