/**
 * Parity with the pandas reference evaluator (shared/reference/factor_ref.py):
 * all of Alpha158 and the extra qlib-dialect cases (qlib dialect) and every
 * quanta operator (quanta dialect), on a 12-instrument S&P 500 slice with bad
 * ticks, gaps, a flat suspension stretch, late starts and an early end
 * (test/fixtures/factors/make_golden.py). Tolerance as the reference README:
 * |a − b| ≤ 1e-6·|b| + 1e-9, and NaN exactly where the reference has NaN.
 */
import { describe, expect, it } from "vitest";
import { evaluateFactors } from "../../../factors/evaluate.ts";
import { parseExpr } from "../../../factors/parser.ts";
import type { Dialect } from "../../../factors/ast.ts";
import { FACTOR_FIXTURES, loadLongCsvPanel, readExprList, readGolden } from "../../helpers/factor-fixtures.ts";

const panel = loadLongCsvPanel(`${FACTOR_FIXTURES}sp500_slice.csv.gz`);
const dateIndex = new Map(panel.dates.map((d, i) => [d, i]));
const instIndex = new Map(panel.instruments.map((s, i) => [s, i]));

interface Mismatch {
  name: string;
  date: string;
  instrument: string;
  ours: number;
  ref: number;
}

function compareSet(set: string, dialect: Dialect): { checked: number; mismatches: Mismatch[]; factors: number } {
  const golden = readGolden(`${FACTOR_FIXTURES}golden_${set}.csv.gz`);
  const exprs = readExprList(`${FACTOR_FIXTURES}${set}.tsv`).filter((e) => golden.columns.has(e.name));
  expect(exprs.length).toBe(golden.names.length);
  const values = evaluateFactors(panel, exprs.map((e) => parseExpr(e.text, dialect)), dialect);
  const cells = golden.dates.map((d, r) => instIndex.get(golden.instruments[r]!)! * panel.nDates + dateIndex.get(d)!);
  const mismatches: Mismatch[] = [];
  let checked = 0;
  exprs.forEach((e, k) => {
    const ref = golden.columns.get(e.name)!;
    const ours = values[k]!;
    for (let r = 0; r < ref.length; r++) {
      const b = ref[r]!;
      const a = ours[cells[r]!]!;
      checked++;
      const ok = Number.isNaN(b) ? Number.isNaN(a) : Math.abs(a - b) <= 1e-6 * Math.abs(b) + 1e-9;
      if (!ok) mismatches.push({ name: e.name, date: golden.dates[r]!, instrument: golden.instruments[r]!, ours: a, ref: b });
    }
  });
  return { checked, mismatches, factors: exprs.length };
}

function summary(ms: Mismatch[]): string {
  const byName = new Map<string, Mismatch[]>();
  for (const m of ms) byName.set(m.name, [...(byName.get(m.name) ?? []), m]);
  return [...byName].map(([n, l]) => `${n}: ${l.length} cells, e.g. ${JSON.stringify(l[0])}`).join("\n");
}

describe("parity with the reference evaluator", () => {
  it("sees a slice with the planned edge cases", () => {
    expect(panel.nInst).toBe(12);
    const ua = instIndex.get("UA")!;
    expect(panel.dates[panel.first[ua]!]).toBe("2016-04-07");
    const jpm = instIndex.get("JPM")!;
    expect(panel.dates[panel.last[jpm]!]).toBe("2016-06-15");
  });

  it.each([
    ["alpha158", "qlib", 157],
    ["qlib_extra", "qlib", 49],
    ["quanta_ops", "quanta", 93],
  ] as const)("%s (%s dialect) matches cell by cell", (set, dialect, nFactors) => {
    const { checked, mismatches, factors } = compareSet(set, dialect);
    expect(factors).toBe(nFactors);
    expect(checked).toBeGreaterThan(nFactors * 1000);
    expect(summary(mismatches)).toBe("");
  });
});
