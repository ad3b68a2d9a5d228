/**
 * Cross-sectional ties as the pandas reference makes them, bit for bit: on a slice of the S&P 500
 * file around days where instruments tie in BETA5, RSQR5, RESI5, RESI30 or a two-point correlation
 * (test/fixtures/factors/make_ties.py lists them), qlib's regressions (Slope/Rsquare/Resi) equal
 * the reference's values bit for bit (shortest round-trip repr in the golden, so exact), and the
 * correlations do where they are ±1 or 0; elsewhere correlations, and covariances everywhere, are
 * the block scheme's, to 1e-12 (Alpha158 has no covariance; only the regressions are replayed).
 * RankIC ranks those values: a last-bit difference on a tie is a different rank.
 */
import { describe, expect, it } from "vitest";
import { evaluateFactors } from "../../../factors/evaluate.ts";
import { parseExpr } from "../../../factors/parser.ts";
import { FACTOR_FIXTURES, loadLongCsvPanel, readExprList, readGolden } from "../../helpers/factor-fixtures.ts";

const panel = loadLongCsvPanel(`${FACTOR_FIXTURES}ties_slice.csv.gz`);
const golden = readGolden(`${FACTOR_FIXTURES}golden_ties.csv.gz`);
const exprs = readExprList(`${FACTOR_FIXTURES}ties.tsv`);
const values = evaluateFactors(panel, exprs.map((e) => parseExpr(e.text, "qlib")), "qlib");
const byName = new Map(exprs.map((e, k) => [e.name, values[k]!]));

function ours(name: string, date: string, instrument: string): number {
  const t = panel.dates.indexOf(date);
  const i = panel.instruments.indexOf(instrument);
  if (t < 0 || i < 0) throw new Error(`no ${instrument} ${date} in the slice`);
  return byName.get(name)![i * panel.nDates + t]!;
}

function ref(name: string, date: string, instrument: string): number {
  for (let r = 0; r < golden.dates.length; r++) {
    if (golden.dates[r] === date && golden.instruments[r] === instrument) return golden.columns.get(name)![r]!;
  }
  throw new Error(`no golden row ${instrument} ${date}`);
}

/** Average ranks (1-based, ties averaged) of the non-NaN values. */
function ranks(v: readonly number[]): number[] {
  const idx = v.map((_, k) => k).sort((x, y) => v[x]! - v[y]!);
  const r = new Array<number>(v.length);
  for (let a = 0; a < idx.length; ) {
    let b = a;
    while (b + 1 < idx.length && v[idx[b + 1]!] === v[idx[a]!]) b++;
    for (let k = a; k <= b; k++) r[idx[k]!] = (a + b) / 2 + 1;
    a = b + 1;
  }
  return r;
}

describe("ties with the reference, bit for bit", () => {
  it("the slice holds the planned instruments and every golden factor", () => {
    expect(panel.nInst).toBe(13);
    expect(golden.names).toEqual(exprs.map((e) => e.name));
    expect(golden.dates.length).toBeGreaterThan(1000);
  });

  it("regressions equal the reference's to the last bit; correlations at ±1 or 0 too", () => {
    const mismatches: string[] = [];
    let exact = 0;
    for (const name of golden.names) {
      const corr = name.startsWith("CORR");
      const cov = name.startsWith("COV");
      const col = golden.columns.get(name)!;
      for (let r = 0; r < col.length; r++) {
        const b = col[r]!;
        const a = ours(name, golden.dates[r]!, golden.instruments[r]!);
        const mustBeExact = !cov && (!corr || Math.abs(b) >= 1 - 1e-7 || Math.abs(b) <= 1e-7);
        const same = a === b || (Number.isNaN(a) && Number.isNaN(b));
        const ok = same || (!mustBeExact && Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(b), cov ? 1 : 0));
        if (mustBeExact && !Number.isNaN(b)) exact++;
        if (!ok) mismatches.push(`${name} ${golden.instruments[r]} ${golden.dates[r]}: ${a} vs ${b}`);
      }
    }
    expect(exact).toBeGreaterThan(7000);
    expect(mismatches.slice(0, 10)).toEqual([]);
  });

  it("and so the same cross-sectional ranks on every day", () => {
    const differ: string[] = [];
    for (const name of golden.names) {
      for (let t = 0; t < panel.nDates; t++) {
        const date = panel.dates[t]!;
        const a: number[] = [];
        const b: number[] = [];
        for (const inst of panel.instruments) {
          const x = ours(name, date, inst);
          if (Number.isNaN(x)) continue;
          a.push(x);
          b.push(ref(name, date, inst));
        }
        if (ranks(a).join() !== ranks(b).join()) differ.push(`${name} ${date}`);
      }
    }
    expect(differ).toEqual([]);
  });

  it("a slope that is exactly 0 is 0 for both instruments (BETA5, RSQR5)", () => {
    for (const s of ["PWR", "SLB"]) {
      expect(ours("BETA5", "2014-03-11", s)).toBe(0);
      expect(ours("RSQR5", "2014-03-11", s)).toBe(0);
    }
  });

  it("where the exact residual is 0, the reference's rounding noise is reproduced, and with it the order", () => {
    // Resi($close, 5) is 0 in exact arithmetic for all three; the reference's sums leave ±1e-19
    expect(ours("RESI5", "2014-03-11", "ABT")).toBe(2.621088102709857e-19);
    expect(ours("RESI5", "2014-03-11", "HUM")).toBe(-1.0060012908890508e-18);
    expect(ours("RESI5", "2014-03-11", "ZTS")).toBe(0);
  });

  it("equal rationals tie: 0.02/65.68 = 0.01/32.84 (RESI5), and BETA5 of KEY and KR", () => {
    expect(ours("RESI5", "2014-08-05", "NTRS")).toBe(0.0003045066991474068);
    expect(ours("RESI5", "2014-08-05", "SEE")).toBe(0.0003045066991474068);
    expect(ours("BETA5", "2015-04-27", "KEY")).toBe(-0.0017717930545712262);
    expect(ours("BETA5", "2015-04-27", "KR")).toBe(-0.0017717930545712262);
  });

  it("a near-tie two ulps apart keeps the reference's order (RESI30 of GT above RRC)", () => {
    const gt = ours("RESI30", "2015-11-12", "GT");
    const rrc = ours("RESI30", "2015-11-12", "RRC");
    expect(gt).toBe(-0.03440860215053763);
    expect(rrc).toBe(-0.03440860215053765);
    expect(gt).toBeGreaterThan(rrc);
  });

  it("a two-point correlation is what the reference computes, not ±1 by fiat", () => {
    expect(ours("CORR2", "2015-03-25", "DHR")).toBe(-1);
    expect(ours("CORR2", "2015-03-25", "O")).toBe(-0.9999999999999998);
  });
});
