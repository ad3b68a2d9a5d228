import { afterAll, describe, expect, it } from "vitest";
import { MessageChannel } from "node:worker_threads";
import { once } from "node:events";
import { loadCsvPanel, panelToShared, panelFromShared, inspectPanel, type SharedPanelDescriptor } from "../../src/data/index.ts";
import { scratchDir, HEADER } from "./tmp-files.ts";

const tmp = scratchDir("csv-load");
afterAll(() => tmp.cleanup());

// Unsorted on purpose: instruments and dates interleaved, CRLF line ends, a BOM, an extra column.
const UNSORTED = "\uFEFF" + [
  `${HEADER},factor`,
  "2020-01-06,BBB,20,21,19,20.5,2000,1.5",
  "2020-01-02,AAA,10,11,9,10.5,1000,1",
  "2020-01-06,AAA,10.1,11.1,9.1,10.6,,1",
  "2020-01-03,BBB,20.25,21,19,20,1e3,1.5",
  "2020-01-07,AAA,10.2,11.2,9.2,10.7,1200,1",
  "",
  "2020-01-03,CCC,5,6,4,5.5,300,2",
].join("\r\n") + "\r\n";

describe("long CSV loader", () => {
  it("sorts calendar and instruments, sets spans, NaN for empty fields and missing days", async () => {
    const { panel, warnings } = await loadCsvPanel(tmp.write("unsorted.csv", UNSORTED));
    expect(warnings).toEqual([]);
    expect(panel.dates).toEqual(["2020-01-02", "2020-01-03", "2020-01-06", "2020-01-07"]);
    expect(panel.instruments).toEqual(["AAA", "BBB", "CCC"]);
    expect([...panel.fields.keys()]).toEqual(["open", "high", "low", "close", "volume", "factor"]);
    expect([...panel.first]).toEqual([0, 1, 1]);
    expect([...panel.last]).toEqual([3, 2, 1]);
    const close = panel.fields.get("close")!, volume = panel.fields.get("volume")!;
    expect([...close.subarray(0, 4)]).toEqual([10.5, NaN, 10.6, 10.7]); // AAA has no 01-03 row
    expect(volume[2]).toBeNaN(); // empty field
    expect(volume[1 * 4 + 1]).toBe(1000); // 1e3 via the slow path
    expect(panel.fields.get("factor")![2 * 4 + 1]).toBe(2);
    expect(close.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(panel.member).toBeUndefined();
  });

  it("gzip and plain give the same panel (detected by magic bytes, not the name)", async () => {
    const plain = await loadCsvPanel(tmp.write("p.csv", UNSORTED));
    const gz = await loadCsvPanel(tmp.write("g.data", UNSORTED, true));
    expect(gz.panel.dates).toEqual(plain.panel.dates);
    for (const [name, a] of plain.panel.fields) expect([...gz.panel.fields.get(name)!]).toEqual([...a]);
  });

  it("parses numbers bit-exactly like parseFloat (fast and slow paths)", async () => {
    const texts = ["0", "-0.5", "+1.25", ".5", "5.", "123456789.123456", "1e-7", "-2.5E+3", "0.1", "9007199254740993",
      "3.141592653589793238", "0.000001234", "1234567890123456789012", "17.66", "nan", "NaN", "inf", "-Infinity", " 4.5 "];
    const lines = [HEADER];
    texts.forEach((x, k) => lines.push(`2020-01-02,I${String(k).padStart(2, "0")},${x},1,1,1,1`));
    const { panel } = await loadCsvPanel(tmp.write("nums.csv", lines.join("\n")));
    const open = panel.fields.get("open")!;
    texts.forEach((x, k) => {
      const want = parseFloat(x.trim());
      if (Number.isFinite(want)) expect(Object.is(open[k], want), `${x}`).toBe(true);
      else expect(open[k], x).toBeNaN();
    });
    // Random decimals with up to 17 significant digits.
    let seed = 12345;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const vals = Array.from({ length: 2000 }, () => (rnd() * 10 ** Math.floor(rnd() * 12 - 4)).toPrecision(1 + Math.floor(rnd() * 17)));
    const rows = [HEADER, ...vals.map((v, k) => `2020-01-02,R${String(k).padStart(4, "0")},${v},1,1,1,1`)];
    const r = await loadCsvPanel(tmp.write("rand.csv", rows.join("\n")));
    const o = r.panel.fields.get("open")!;
    let mismatches = 0;
    vals.forEach((v, k) => { if (!Object.is(o[k], parseFloat(v))) mismatches++; });
    expect(mismatches).toBe(0);
  });

  it("end drops later rows, start keeps history, instruments selects N or a list", async () => {
    const path = tmp.write("sel.csv", UNSORTED);
    const a = await loadCsvPanel(path, { start: "2020-01-06", end: "2020-01-06" });
    expect(a.panel.dates).toEqual(["2020-01-02", "2020-01-03", "2020-01-06"]);
    expect([...a.panel.last]).toEqual([2, 2, 1]);
    const b = await loadCsvPanel(path, { instruments: 2 });
    expect(b.panel.instruments).toEqual(["AAA", "BBB"]);
    const c = await loadCsvPanel(path, { instruments: ["CCC", "BBB"] });
    expect(c.panel.instruments).toEqual(["BBB", "CCC"]);
    expect(c.panel.dates).toEqual(["2020-01-03", "2020-01-06"]); // calendar = union of the kept rows
  });

  it("membership file becomes an inclusive member mask and restricts nothing else", async () => {
    const mem = tmp.write("mem.csv", "instrument,start_date,end_date,note\nAAA,2020-01-03,2020-01-06,x\nBBB,2020-01-01,2020-01-03,y\nZZZ,2020-01-01,2020-12-31,z\n");
    const { panel, warnings } = await loadCsvPanel(tmp.write("m.csv", UNSORTED), { membership: mem });
    expect(panel.instruments).toEqual(["AAA", "BBB", "CCC"]);
    expect([...panel.member!]).toEqual([0, 1, 1, 0, /* BBB */ 1, 1, 0, 0, /* CCC */ 0, 0, 0, 0]);
    expect(panel.member!.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(warnings.map((w) => [w.kind, w.count, w.examples])).toEqual([["membership without data", 1, ["ZZZ"]]]);
  });

  it("a shared descriptor rebuilds the panel over the same memory across a message port", async () => {
    const { panel } = await loadCsvPanel(tmp.write("share.csv", UNSORTED), { membership: tmp.write("mem2.csv", "instrument,start_date,end_date\nAAA,2020-01-02,2020-01-07\n") });
    const { port1, port2 } = new MessageChannel();
    const got = once(port2, "message");
    port1.postMessage(panelToShared(panel));
    const [desc] = (await got) as [SharedPanelDescriptor];
    port1.close();
    const copy = panelFromShared(desc);
    expect(copy.instruments).toEqual(panel.instruments);
    expect(inspectPanel(copy)).toEqual(inspectPanel(panel));
    copy.fields.get("close")![0] = 99; // same memory: visible in the original
    expect(panel.fields.get("close")![0]).toBe(99);
    copy.member![1] = 7;
    expect(panel.member![1]).toBe(7);
  });

  it("panelToShared copies non-shared fields once into SharedArrayBuffers", () => {
    const plain = {
      dates: ["2020-01-02"], instruments: ["A"], nDates: 1, nInst: 1,
      fields: new Map([["close", new Float64Array([3])]]), first: new Int32Array([0]), last: new Int32Array([0]),
    };
    const d = panelToShared(plain);
    expect(d.fields[0]![1]).toBeInstanceOf(SharedArrayBuffer);
    expect(panelFromShared(d).fields.get("close")![0]).toBe(3);
  });
});
