/**
 * End-to-end value parity of RANDOM quanta-dialect expressions with the pandas reference
 * (shared/reference/factor_ref.py): expressions from the registry-driven generator
 * (test/factors/language/gen.ts: every operator, infix syntax, constants, $return),
 * evaluated by the engine as one batch and by the reference (one python process, run
 * once), compared on every cell of the grid of the committed 12-instrument S&P 500 slice
 * (bad ticks, gaps, a flat suspension stretch, late starts, an early end). Tolerance as the
 * reference README: |a − b| ≤ 1e-6·|b| + 1e-9, NaN exactly where the reference has NaN.
 *
 * The per-operator goldens (reference-parity.test.ts) cannot catch what only composition
 * shows: an operator that agrees to 1e-15 but not to the last bit, followed by a
 * comparison, rank, argmax, zero-variance rule or division that turns the last bit into a
 * different value. bench/fuzz-parity.ts runs the same check at scale on other panels.
 *
 * Skipped when /usr/bin/python3 with pandas or the reference (QUANTA_REF_DIR, default
 * /work/shared/reference) is missing.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Expr } from "../../../factors/ast.ts";
import { availableFields } from "../../../factors/evaluate.ts";
import { printExpr } from "../../../factors/printer.ts";
import { FACTOR_FIXTURES, loadLongCsvPanel } from "../../helpers/factor-fixtures.ts";
import { engineEval, GridMap, referenceAvailable, referenceEval, type RefBatch } from "../../helpers/random-parity.ts";
import { heightOf, mulberry32, randomExpr } from "../language/gen.ts";

const DATA = `${FACTOR_FIXTURES}sp500_slice.csv.gz`;
const SEED = 20240611;
const COUNT = 120;

const panel = loadLongCsvPanel(DATA);

/** COUNT distinct expressions, maximum heights drawn from 2..4. */
function corpus(): Expr[] {
  const rng = mulberry32(SEED);
  const fields = availableFields(panel);
  const out: Expr[] = [];
  const seen = new Set<string>();
  while (out.length < COUNT) {
    const e = randomExpr(rng, "quanta", { maxDepth: 2 + Math.floor(rng() * 3), fields });
    const text = printExpr(e);
    if (seen.has(text)) continue;
    seen.add(text);
    out.push(e);
  }
  return out;
}

describe.runIf(referenceAvailable())("random quanta expressions match the reference cell by cell", () => {
  const exprs = corpus();
  const texts = exprs.map((e) => printExpr(e));
  let ref: RefBatch;

  beforeAll(() => {
    ref = referenceEval({ data: DATA }, texts, 120_000);
  }, 120_000);

  it("draws a varied corpus", () => {
    const ops = new Set(texts.flatMap((t) => t.match(/[A-Z_]{2,}(?=\()/g) ?? []));
    expect(ops.size).toBeGreaterThan(45);
    expect(Math.max(...exprs.map(heightOf))).toBe(5); // height counts the leaves: maxDepth 4
    expect(texts.some((t) => t.includes("$return"))).toBe(true);
    expect(texts.some((t) => /[<>]=?|==|!=|&&|\|\||\?/.test(t))).toBe(true);
  });

  it("both sides accept the same expressions, and every value agrees", () => {
    const ours = engineEval(panel, texts);
    const map = new GridMap(panel, ref.dates, ref.instruments);
    const problems: string[] = [];
    let cells = 0;
    let nonNaN = 0;
    texts.forEach((text, k) => {
      const r = ref.results[k]!;
      const o = ours[k]!;
      if ("error" in r || "error" in o) {
        problems.push(`${text}: reference ${"error" in r ? r.error : "ok"}, ours ${"error" in o ? o.error : "ok"}`);
        return;
      }
      const d = map.compare(o.values, r.values);
      cells += d.cells;
      for (const v of r.values) if (v === v) nonNaN++;
      if (d.bad > 0) problems.push(`${text}: ${d.bad}/${d.cells} cells differ, e.g. ${JSON.stringify(d.first[0])}`);
    });
    expect(problems).toEqual([]);
    expect(cells).toBe(COUNT * panel.nInst * panel.nDates);
    expect(nonNaN).toBeGreaterThan(cells / 4);
  });
});
