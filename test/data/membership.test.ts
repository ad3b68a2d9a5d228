import { afterAll, describe, expect, it } from "vitest";
import { readMembership, membershipMask } from "../../src/data/index.ts";
import { scratchDir } from "./tmp-files.ts";

const tmp = scratchDir("membership");
afterAll(() => tmp.cleanup());

describe("membership file", () => {
  it("reads intervals (plain or gzip, any column order, extra columns ignored)", () => {
    const text = "end_date,instrument,start_date,has_price_data\n2020-01-03,AAA,2020-01-02,1\n\n2020-02-01,BBB,2020-01-06,0\n";
    const want = [
      { instrument: "AAA", start: "2020-01-02", end: "2020-01-03" },
      { instrument: "BBB", start: "2020-01-06", end: "2020-02-01" },
    ];
    expect(readMembership(tmp.write("m.csv", text))).toEqual(want);
    expect(readMembership(tmp.write("m.csv.gz", text, true))).toEqual(want);
  });

  it("mask is inclusive at both ends, instrument-major, on a SharedArrayBuffer", () => {
    const dates = ["2020-01-02", "2020-01-03", "2020-01-06", "2020-01-07"];
    const { member, withoutData } = membershipMask(dates, ["AAA", "BBB"], [
      { instrument: "AAA", start: "2020-01-03", end: "2020-01-06" },
      { instrument: "BBB", start: "2020-01-04", end: "2020-01-05" }, // no trading day inside
      { instrument: "BBB", start: "2020-01-07", end: "2030-01-01" },
      { instrument: "CCC", start: "2020-01-01", end: "2020-01-09" },
    ]);
    expect([...member]).toEqual([0, 1, 1, 0, 0, 0, 0, 1]);
    expect(member.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(withoutData).toEqual(["CCC"]);
  });

  it("errors name file, line and what is wrong", () => {
    expect(() => readMembership(tmp.write("h.csv", "name,from,to\nA,2020-01-01,2020-01-02\n"))).toThrow(/h\.csv: line 1: membership header must contain .*missing instrument, start_date, end_date/);
    expect(() => readMembership(tmp.write("d.csv", "instrument,start_date,end_date\nA,2020-01-01,2020-01-02\nB,2020-1-5,2020-02-01\n"))).toThrow(/d\.csv: line 3, col 2: start_date: cannot parse "2020-1-5"/);
    expect(() => readMembership(tmp.write("o.csv", "instrument,start_date,end_date\nA,2020-03-01,2020-01-02\n"))).toThrow(/o\.csv: line 2, col 3: end_date 2020-01-02 is before start_date 2020-03-01/);
    expect(() => readMembership(tmp.write("r.csv", "instrument,start_date,end_date\nA,2020-03-01\n"))).toThrow(/r\.csv: line 2: expected 3 columns, got 2/);
    expect(() => readMembership(`${tmp.dir}/none.csv`)).toThrow(/none\.csv: no such file/);
  });
});
