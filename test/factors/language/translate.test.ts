import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseExpr } from "../../../factors/parser.ts";
import { printExpr } from "../../../factors/printer.ts";
import type { Panel } from "../../../factors/panel.ts";
import { evaluateOne } from "../../../factors/evaluate.ts";
import { QLIB_CAVEATS, qlibBlocker, toQlib, toQlibForm } from "../../../factors/translate.ts";
import { mulberry32, randomExprs } from "./gen.ts";

const q = (text: string): string | undefined => {
  const t = toQlib(parseExpr(text, "quanta"));
  return t && printExpr(t);
};

describe("toQlib", () => {
  it.each([
    ["TS_MEAN($close, 20) / $close", "Mean($close,20)/$close"],
    ["DELAY($close, 5)", "Ref($close,5)"],
    ["DELAY($close, 0)", "$close"],
    ["DELTA($close, 0)", "$close-$close"],
    ["TS_MEAN($close, 5.0)", "Mean($close,5)"], // qlib windows must be integer tokens
    ["PERCENTILE($close, 0.2, 10)", "Quantile($close,10,0.2)"],
    ["MACD($close, 12, 26)", "EMA($close,12)-EMA($close,26)"],
    ["BB_LOWER($close, 20)", "Mean($close,20)-2*Std($close,20)"],
    ["TS_ZSCORE($volume, 10)", "($volume-Mean($volume,10))/Std($volume,10)"],
    ["TS_PCTCHANGE($close, 3)", "$close/Ref($close,3)-1"],
    ["MAX($a, $b, 0)", "Greater(Greater($a,$b),0)"],
    ["REGBETA($close, SEQUENCE(10), 20)", "Slope($close,10)"],
    ["REGRESI($close, SEQUENCE(30), 20)", "Resi($close,20)"],
    ["SQRT(INV($volume))", "Power(1/$volume,0.5)"],
    ["SUBTRACT(ADD($a, 1), -2)", "$a+1--2"],
  ])("%s → %s", (text, want) => {
    expect(q(text)).toBe(want);
  });

  it("keeps look-ahead shifts of labels as unary minus literals", () => {
    const t = toQlib(parseExpr("DELAY($close,-2)/DELAY($close,-1)-1", "quanta", { allowFuture: true }));
    expect(t && printExpr(t)).toBe("Ref($close,-2)/Ref($close,-1)-1");
  });

  it.each([
    "RANK($close)", "MAX($close)", "$a > $b", "$a && $b", "!$a", "$a ? 1 : 2", "TS_CORR($a, $b, 5)", "TS_SKEW($a, 5)",
    "TS_ARGMAX($a, 5)", "WMA($a, 5)", "TS_COVARIANCE($a, 2, 5)", "SMA($a, 5, 2)", "REGBETA($a, $b, 5)", "EXP($a)", "TS_MEAN(RANK($a), 5)",
  ])("has no exact qlib form: %s", (text) => {
    expect(q(text)).toBeUndefined();
  });

  it("always produces valid qlib-dialect trees", () => {
    let translated = 0;
    for (const e of randomExprs(31, "quanta", 1500, { maxDepth: 4 })) {
      const t = toQlib(e);
      if (!t) continue;
      translated++;
      expect(() => parseExpr(printExpr(t), "qlib"), printExpr(e)).not.toThrow();
    }
    expect(translated).toBeGreaterThan(100);
  });
});

describe("toQlibForm: approximate forms with their caveats", () => {
  const form = (text: string): { text: string; caveats: readonly string[] } | undefined => {
    const f = toQlibForm(parseExpr(text, "quanta"));
    return f && { text: printExpr(f.expr), caveats: f.caveats };
  };

  it.each([
    ["$a > $b ? 1 : 2", "If(Gt($a,$b),1,2)", ["missingLogic"]],
    ["!$a && $b", "And(Not($a),$b)", ["missingLogic"]],
    ["COUNT($a > $b, 5)", "Sum(Gt($a,$b),5)", ["missingLogic"]],
    ["COUNT($a, 5)", "Sum(Ne($a,0),5)", ["missingLogic"]],
    ["TS_CORR($a, $b, 5)", "Corr($a,$b,5)", ["corrMask"]],
    ["TS_ARGMAX($a, 5)", "5-IdxMax($a,5)", ["argExtremeStart"]],
    ["LOWDAY($a, 5)", "6-IdxMin($a,5)", ["argExtremeStart"]],
    ["DECAYLINEAR($a, 5)", "WMA($a,5)*5", ["wmaMissing"]],
    ["SMA($a, 5, 2)", "EMA($a,0.4)", ["emaAdjust"]],
    ["REGBETA($a, $b, 5)", "Cov($a,$b,5)/Var($b,5)", ["regressionPairs"]],
    ["TS_MEAN($a, 5) + TS_CORR($a, $b, 5) * ($a > 0)", "Mean($a,5)+Corr($a,$b,5)*Gt($a,0)", ["corrMask", "missingLogic"]],
    ["EXP($a)", "Power(2.718281828459045,$a)", ["expOverflow"]],
    ["SMA($a, 5, 5)", "EMA($a,1)", []],
  ])("%s → %s", (text, want, caveats) => {
    expect(form(text)).toEqual({ text: want, caveats });
    // Whatever the caveats, the text is a valid qlib-dialect expression.
    expect(() => parseExpr(want, "qlib")).not.toThrow();
    // An exact form is exactly what toQlib gives; an approximate one is not offered by toQlib.
    const exact = toQlib(parseExpr(text, "quanta"));
    expect(exact && printExpr(exact)).toBe(caveats.length === 0 ? want : undefined);
  });

  it.each([
    ["TS_MEAN(RANK($a), 5)", "RANK"],
    ["TS_MAD($a, 5)", "TS_MAD"],
    ["WMA($a, 5) + $b", "WMA"],
    ["REGRESI($a, $b, 5)", "REGRESI"],
    ["TS_CORR($a, 2, 5)", "TS_CORR"],
    ["MAX($a) > 0 ? 1 : 0", "MAX"],
  ])("%s has no qlib form; the blocker is %s", (text, blocker) => {
    const e = parseExpr(text, "quanta");
    expect(toQlibForm(e)).toBeUndefined();
    expect(qlibBlocker(e)).toBe(blocker);
  });

  it("every caveat has a sentence for the export", () => {
    for (const text of Object.values(QLIB_CAVEATS)) expect(text.length).toBeGreaterThan(30);
  });
});

/** A complete random-walk panel: no missing day, every instrument from the first to the last date. */
function completePanel(nInst: number, nDates: number, seed: number): Panel {
  const rng = mulberry32(seed);
  const f = (): Float64Array => new Float64Array(nInst * nDates);
  const [open, high, low, close, volume] = [f(), f(), f(), f(), f()];
  for (let i = 0; i < nInst; i++) {
    let p = 20 + 30 * rng();
    for (let t = 0; t < nDates; t++) {
      const c = i * nDates + t;
      const o = p * (1 + 0.01 * (rng() - 0.5));
      p *= Math.exp(0.03 * (rng() - 0.5));
      open[c] = o;
      close[c] = p;
      high[c] = Math.max(o, p) * (1 + 0.01 * rng());
      low[c] = Math.min(o, p) * (1 - 0.01 * rng());
      volume[c] = Math.round(1e5 * (0.5 + rng()));
    }
  }
  return {
    dates: Array.from({ length: nDates }, (_, t) => `d${t}`),
    instruments: Array.from({ length: nInst }, (_, i) => `S${i}`),
    nDates,
    nInst,
    fields: new Map([["open", open], ["high", high], ["low", low], ["close", close], ["volume", volume]]),
    first: new Int32Array(nInst),
    last: new Int32Array(nInst).fill(nDates - 1),
  };
}

describe("toQlibForm: approximate forms compute the factor wherever their caveats do not apply", () => {
  // Complete data, past the warm-up, away from near-constant windows: none of the caveats applies,
  // so every finite value of the quanta factor must come out of the qlib form (evaluated by our
  // qlib dialect, which matches qlib's semantics).
  const panel = completePanel(8, 200, 11);
  const WARM_UP = 80;
  it.each([
    "-TS_CORR(DELTA($close,1),DELTA($volume,1),10)",
    "TS_CORR($close,$volume,20)",
    "$close > TS_MEAN($close,5) ? TS_PCTCHANGE($close,5) : -TS_PCTCHANGE($close,5)",
    "($close > $open) && ($volume < DELAY($volume,1))",
    "!($close >= $open) || $high == $low",
    "($close != $open) + ($close <= $open)",
    "WHERE($close > $open, $volume, -$volume)",
    "FILTER($volume, $close > $open)",
    "COUNT($close > DELAY($close,1), 10)",
    "COUNT($close - $open, 10)",
    "SUMIF($volume, 10, $close > $open)",
    "TS_SKEW(TS_PCTCHANGE($close,1), 20)",
    "TS_KURT($volume, 15)",
    "TS_ARGMAX($close, 10) - TS_ARGMIN($low, 7)",
    "HIGHDAY($high, 5) * LOWDAY($low, 6)",
    "DECAYLINEAR($close, 8)",
    "SMA($close, 5, 2)",
    "REGBETA($close, $volume, 10)",
    "RSI($close, 14)",
    "EXP(TS_PCTCHANGE($close, 3))",
  ])("%s", (text) => {
    const e = parseExpr(text, "quanta");
    const f = toQlibForm(e);
    expect(f).toBeDefined();
    const want = evaluateOne(panel, e, "quanta");
    const got = evaluateOne(panel, f!.expr, "qlib");
    let compared = 0;
    const bad: string[] = [];
    for (let i = 0; i < panel.nInst; i++) {
      for (let t = WARM_UP; t < panel.nDates; t++) {
        const c = i * panel.nDates + t;
        if (!Number.isFinite(want[c]!)) continue;
        compared++;
        if (!(Math.abs(got[c]! - want[c]!) <= 1e-9 * Math.max(1, Math.abs(want[c]!)))) bad.push(`${i},${t}: ${want[c]} vs ${got[c]}`);
      }
    }
    expect(compared).toBeGreaterThan(500);
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it("the caveats are real: with a missing day, DECAYLINEAR and its WMA form differ", () => {
    const gappy = completePanel(2, 60, 3);
    gappy.fields.get("close")![30] = NaN;
    const e = parseExpr("DECAYLINEAR($close, 8)", "quanta");
    const want = evaluateOne(gappy, e, "quanta");
    const got = evaluateOne(gappy, toQlibForm(e)!.expr, "qlib");
    expect(Math.abs(got[32]! - want[32]!)).toBeGreaterThan(1e-3);
    expect(got[50]).toBeCloseTo(want[50]!, 9);
  });
});

// ---- values: the reference evaluates each quanta factor and its translation on a small panel ----
const REF_DIR = fileURLToPath(new URL("../../../../shared/reference/", import.meta.url));
const PYTHON = "/usr/bin/python3";
const available = existsSync(PYTHON) && existsSync(`${REF_DIR}factor_ref.py`) &&
  spawnSync(PYTHON, ["-c", "import pandas"], { encoding: "utf8" }).status === 0;

const TRANSLATABLE = [
  "TS_MEAN", "TS_SUM", "SUMAC", "TS_STD", "TS_VAR", "TS_MAX", "TS_MIN", "TS_MEDIAN", "TS_RANK", "TS_QUANTILE",
  "TS_COVARIANCE", "EMA", "BB_MIDDLE", "BB_UPPER", "BB_LOWER", "ABS", "SIGN", "DELAY", "DELTA", "PERCENTILE", "SMA", "MACD",
  "TS_ZSCORE", "TS_PCTCHANGE", "INV", "SQRT", "MAX", "MIN", "REGBETA", "REGRESI", "ADD", "SUBTRACT", "MULTIPLY", "DIVIDE", "LOG", "RSI",
];

const SCRIPT = `
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import factor_ref as f
job = json.load(sys.stdin)
panel = f.load_panel(job["data"])
a, _ = f.evaluate_exprs(panel, job["quanta"], "quanta")
b, _ = f.evaluate_exprs(panel, job["qlib"], "qlib")
bad = []
for (name, _) in job["quanta"]:
    x, y = a[name], b[name]
    same_nan = np.array_equal(np.isnan(x), np.isnan(y))
    ok = same_nan and np.allclose(x, y, rtol=1e-9, atol=1e-12, equal_nan=True)
    if not ok:
        bad.append(name)
print(json.dumps(bad))
`;

describe.runIf(available)("toQlib value parity (reference evaluator)", () => {
  it("a translated factor computes the same values as the original", () => {
    const dir = mkdtempSync(join(tmpdir(), "quanta-translate-"));
    try {
      // 6 instruments × 90 days of random walks; one starts late, some days are missing.
      const rng = mulberry32(5);
      const rows = ["date,instrument,open,high,low,close,volume"];
      for (let i = 0; i < 6; i++) {
        let p = 20 + 10 * rng();
        for (let t = i === 5 ? 30 : 0; t < 90; t++) {
          p *= Math.exp(0.02 * (rng() - 0.5));
          if (rng() < 0.05) continue;
          const date = new Date(Date.UTC(2020, 0, 1 + t)).toISOString().slice(0, 10);
          const o = p * (1 + 0.01 * (rng() - 0.5));
          rows.push(`${date},S${i},${o},${Math.max(o, p) * 1.01},${Math.min(o, p) * 0.99},${p},${Math.round(1e5 * (0.5 + rng()))}`);
        }
      }
      const data = join(dir, "panel.csv");
      writeFileSync(data, rows.join("\n") + "\n");
      const quanta: [string, string][] = [];
      const qlib: [string, string][] = [];
      const exprs = randomExprs(17, "quanta", 350, { maxDepth: 3, syntax: false, ops: TRANSLATABLE, maxWindow: 12 });
      exprs.push(parseExpr("TS_MEAN($close,5)/$close - 1 + -$volume * 2", "quanta"));
      for (const e of exprs) {
        const t = toQlib(e);
        if (!t) continue;
        const name = `f${quanta.length}`;
        quanta.push([name, printExpr(e)]);
        qlib.push([name, printExpr(t)]);
      }
      expect(quanta.length).toBeGreaterThan(100);
      const run = spawnSync(PYTHON, ["-c", SCRIPT, REF_DIR], {
        input: JSON.stringify({ data, quanta, qlib }),
        encoding: "utf8",
        maxBuffer: 1 << 26,
      });
      expect(run.status, run.stderr).toBe(0);
      const bad = JSON.parse(run.stdout) as string[];
      const shown = bad.slice(0, 10).map((n) => {
        const i = Number(n.slice(1));
        return `${quanta[i]?.[1]}  →  ${qlib[i]?.[1]}`;
      });
      expect(shown).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
