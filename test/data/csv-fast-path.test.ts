import { afterAll, describe, expect, it } from "vitest";
import { readLongCsv } from "../../src/data/csv-long.ts";
import { parseNumberBytes } from "../../src/data/numbers.ts";
import { DataError } from "../../src/data/index.ts";
import { scratchDir, HEADER } from "./tmp-files.ts";

const tmp = scratchDir("csv-fast");
afterAll(() => tmp.cleanup());

// Number forms the one-pass parser takes itself and forms it hands to the general path.
const FORMS = [
  "45.07", "1824755", "-3.5", "0", "-0", ".5", "5.", "-.25", "007.100", "123456789012.125",
  "9007199254740993", "0.1234567890123456789012345", "+4.5", "1e3", "2.5E-2", "", "nan", "NA", "inf", " 7",
];
const REQUIRED = ["open", "high", "low", "close", "volume"];

function rowsText(n: number): { text: string; fields: string[][]; lines: number[] } {
  const lines = [HEADER];
  const fields: string[][] = [];
  const lineNos: number[] = [];
  let seed = 7;
  const pick = () => FORMS[(seed = (seed * 16807) % 2147483647) % FORMS.length]!;
  for (let r = 0; r < n; r++) {
    if (r % 997 === 500) lines.push(""); // blank lines are skipped but counted
    const day = new Date(Date.UTC(2000, 0, 3) + r * 86400000).toISOString().slice(0, 10);
    const f = [pick(), pick(), pick(), pick(), pick()];
    const line = `${day},${r < n / 2 ? "AAA" : "BBBB"},${f.join(",")}`;
    lines.push(r % 13 === 0 ? `${line}\r` : line); // some CRLF endings
    fields.push(f);
    lineNos.push(lines.length);
  }
  return { text: lines.join("\n") + "\n", fields, lines: lineNos };
}

describe("long CSV one-pass fast path", () => {
  it("parses every value and line number as the general path does, across stream chunks", async () => {
    const { text, fields, lines } = rowsText(40_000); // ~2 MB: several read and inflate chunks
    for (const gzip of [false, true]) {
      const path = tmp.write(gzip ? "forms.csv.gz" : "forms.csv", text, gzip);
      const rows = await readLongCsv(path, { required: REQUIRED });
      expect(rows.nRows).toBe(fields.length);
      expect(rows.instNames).toEqual(["AAA", "BBBB"]);
      for (let r = 0; r < fields.length; r++) {
        expect(rows.where[r]).toBe(lines[r]);
        for (let k = 0; k < 5; k++) {
          const b = Buffer.from(fields[r]![k]!, "latin1");
          const want = parseNumberBytes(b, 0, b.length);
          if (!Object.is(rows.cells[r * 5 + k], want)) {
            expect.fail(`row ${r} field ${k} "${fields[r]![k]}": got ${rows.cells[r * 5 + k]}, want ${want}`);
          }
        }
      }
    }
  });

  it("stops at rows after end and reports a bad value deep in the file at its line and column", async () => {
    const { text } = rowsText(5_000);
    const rows = await readLongCsv(tmp.write("end.csv", text), { required: REQUIRED, end: "2000-02-01" });
    expect(rows.nRows).toBe(30);
    const bad = text.split("\n");
    bad[4321] = bad[4321]!.replace(/,([^,]*)$/, ",12x");
    await expect(readLongCsv(tmp.write("bad.csv", bad.join("\n")), { required: REQUIRED })).rejects.toSatisfy(
      (e: unknown) => e instanceof DataError && /line 4322\b/.test(e.message) && /col 7\b/.test(e.message) && /"12x"/.test(e.message),
    );
    const short = text.split("\n");
    short[3000] = short[3000]!.replace(/,[^,]*$/, "");
    await expect(readLongCsv(tmp.write("short.csv", short.join("\n")), { required: REQUIRED })).rejects.toThrow(/line 3001\b.*expected 7 columns, got 6/);
  });
});
