/**
 * End-to-end value parity of whole quanta-dialect expressions against the pandas
 * reference (shared/reference/factor_ref.py), shared by the CI test
 * (test/factors/evaluate/random-parity.test.ts) and the fuzz harness
 * (bench/fuzz-parity.ts).
 *
 * The reference side is one python process per batch running factor_ref's own
 * `load_panel` + `compile_expr` + `Evaluator` (what `factor_ref.py eval` runs),
 * but one expression at a time inside a try, so an expression it rejects or
 * fails on is reported instead of failing the batch, and its values come back
 * as raw float64 grids (exact, no CSV round trip) instead of long CSV rows.
 * Every grid cell is compared (outside the spans both sides must be NaN).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Expr } from "../../factors/ast.ts";
import { evaluateFactors } from "../../factors/evaluate.ts";
import type { Panel } from "../../factors/panel.ts";
import { parseExpr } from "../../factors/parser.ts";
import { printExpr } from "../../factors/printer.ts";
import { lookupOp } from "../../factors/registry.ts";

export const REF_DIR = process.env.QUANTA_REF_DIR ?? "/work/shared/reference";
export const PYTHON = "/usr/bin/python3";

/** True when the reference and a python with pandas are there. */
export function referenceAvailable(): boolean {
  return existsSync(PYTHON) && existsSync(join(REF_DIR, "factor_ref.py")) &&
    spawnSync(PYTHON, ["-c", "import pandas"], { encoding: "utf8" }).status === 0;
}

const DRIVER = `
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
sys.setrecursionlimit(10000)
import factor_ref as f

req = json.load(sys.stdin)
panel = f.load_panel(req["data"], instruments=req.get("instruments"), membership=req.get("membership"))
results, compiled = [], []
for k, text in enumerate(req["exprs"]):
    try:
        tree = f.compile_expr(text, "quanta")
    except (f.RefError, RecursionError) as e:
        results.append({"error": type(e).__name__ + ": " + str(e).splitlines()[0]})
        continue
    missing = sorted(f.fields_of(tree) - set(panel.fields))
    if missing:
        results.append({"error": "FieldError: " + ",".join(missing)})
        continue
    compiled.append((k, tree))
    results.append(None)
# as evaluate_exprs: one evaluator for the batch, shared sub-expressions cached
ev = f.Evaluator(panel, "quanta", use_counts=f._simulate_uses([t for _, t in compiled]))
with open(req["out"], "wb") as out:
    slot = 0
    for k, tree in compiled:
        try:
            a = ev.run(tree)
        except Exception as e:
            results[k] = {"error": type(e).__name__ + ": " + str(e).splitlines()[0] if str(e) else type(e).__name__}
            ev = f.Evaluator(panel, "quanta")   # its cache bookkeeping is unknown after a failure
            continue
        out.write(np.ascontiguousarray(a.T, dtype="<f8").tobytes())   # instrument-major
        results[k] = {"slot": slot}
        slot += 1
print(json.dumps({"dates": [str(d) for d in panel.date_str], "instruments": list(panel.instruments), "results": results}))
`;

export interface RefPanelSpec {
  /** Long CSV the reference loads (the same file our panel came from). */
  readonly data: string;
  /** `N` (first N sorted names) or `A,B,C`, as factor_ref's `--instruments`. */
  readonly instruments?: string;
  /** Membership file, as `--membership`. */
  readonly membership?: string;
}

export type RefValue = { readonly values: Float64Array } | { readonly error: string };

export interface RefBatch {
  readonly dates: readonly string[];
  readonly instruments: readonly string[];
  readonly results: readonly RefValue[];
  readonly seconds: number;
}

/** Evaluates expression texts with the reference; one python process. */
export function referenceEval(spec: RefPanelSpec, exprs: readonly string[], timeoutMs = 30 * 60_000): RefBatch {
  const dir = mkdtempSync(join(tmpdir(), "quanta-refeval-"));
  const out = join(dir, "values.f64");
  const t0 = performance.now();
  try {
    const req = { ...spec, exprs, out };
    const run = spawnSync(PYTHON, ["-c", DRIVER, REF_DIR], {
      input: JSON.stringify(req),
      encoding: "utf8",
      maxBuffer: 1 << 28,
      timeout: timeoutMs,
    });
    if (run.status !== 0) throw new Error(`reference failed (status ${run.status}, ${run.signal ?? ""}): ${run.stderr.slice(-2000)}`);
    const meta = JSON.parse(run.stdout) as {
      dates: string[];
      instruments: string[];
      results: ({ slot: number } | { error: string })[];
    };
    const buf = readFileSync(out);
    const all = new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
    const size = meta.dates.length * meta.instruments.length;
    const results = meta.results.map((r): RefValue =>
      "error" in r ? { error: r.error } : { values: all.subarray(r.slot * size, (r.slot + 1) * size) });
    return { dates: meta.dates, instruments: meta.instruments, results, seconds: (performance.now() - t0) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type OurValue = { readonly values: Float64Array } | { readonly error: string };

/** Parses and evaluates texts with our engine as one batch (shared sub-expressions); per expression if the batch throws. */
export function engineEval(panel: Panel, texts: readonly string[]): OurValue[] {
  const parsed: (Expr | { error: string })[] = texts.map((t) => {
    try {
      return parseExpr(t, "quanta");
    } catch (e) {
      return { error: `${(e as Error).name}: ${(e as Error).message.split("\n")[0]}` };
    }
  });
  const ok = parsed.map((p, k) => ({ p, k })).filter((x): x is { p: Expr; k: number } => !("error" in x.p));
  const out: OurValue[] = parsed.map((p) => ("error" in p ? { error: p.error } : { error: "not evaluated" }));
  try {
    const vals = evaluateFactors(panel, ok.map((x) => x.p), "quanta");
    ok.forEach((x, j) => (out[x.k] = { values: vals[j]! }));
  } catch {
    for (const x of ok) {
      try {
        out[x.k] = { values: evaluateFactors(panel, [x.p], "quanta")[0]! };
      } catch (e) {
        out[x.k] = { error: `${(e as Error).name}: ${(e as Error).message.split("\n")[0]}` };
      }
    }
  }
  return out;
}

/** The README's tolerance: |a − b| ≤ 1e-6·|b| + 1e-9, NaN exactly where the reference has NaN. */
export function cellMatches(a: number, b: number): boolean {
  return Number.isNaN(b) ? Number.isNaN(a) : Math.abs(a - b) <= 1e-6 * Math.abs(b) + 1e-9;
}

export interface CellDiff {
  readonly instrument: string;
  readonly date: string;
  readonly ours: number;
  readonly ref: number;
}

export interface GridComparison {
  readonly cells: number;
  readonly bad: number;
  /** ours NaN, reference a number */
  readonly oursNaN: number;
  /** ours a number, reference NaN */
  readonly refNaN: number;
  /** largest |a − b| / |b| among cells both sides have */
  readonly maxRel: number;
  /** cells that are not bit-identical (NaN = NaN counts as identical), within tolerance or not */
  readonly inexact: number;
  readonly first: readonly CellDiff[];
}

/** Maps our panel's cells onto the reference grid (by date and instrument name). */
export class GridMap {
  /** our cell index → reference cell index, or -1 when the reference grid lacks it */
  readonly toRef: Int32Array;
  /** reference cells no cell of ours maps to */
  readonly refOnly: Int32Array;

  constructor(
    readonly panel: Panel,
    readonly refDates: readonly string[],
    readonly refInstruments: readonly string[],
  ) {
    const di = new Map(refDates.map((d, t) => [d, t]));
    const ii = new Map(refInstruments.map((s, i) => [s, i]));
    const T = panel.nDates;
    const RT = refDates.length;
    this.toRef = new Int32Array(panel.nInst * T).fill(-1);
    const hit = new Uint8Array(refInstruments.length * RT);
    for (let i = 0; i < panel.nInst; i++) {
      const ri = ii.get(panel.instruments[i]!);
      if (ri === undefined) continue;
      for (let t = 0; t < T; t++) {
        const rt = di.get(panel.dates[t]!);
        if (rt === undefined) continue;
        this.toRef[i * T + t] = ri * RT + rt;
        hit[ri * RT + rt] = 1;
      }
    }
    const only: number[] = [];
    hit.forEach((h, c) => {
      if (h === 0) only.push(c);
    });
    this.refOnly = Int32Array.from(only);
  }

  compare(ours: Float64Array, ref: Float64Array, keep = 3): GridComparison {
    const T = this.panel.nDates;
    const RT = this.refDates.length;
    let bad = 0, oursNaN = 0, refNaN = 0, maxRel = 0, inexact = 0;
    const first: CellDiff[] = [];
    const note = (a: number, b: number, inst: string, date: string): void => {
      bad++;
      if (Number.isNaN(a)) oursNaN++;
      else if (Number.isNaN(b)) refNaN++;
      else maxRel = Math.max(maxRel, Math.abs(a - b) / Math.abs(b));
      if (first.length < keep) first.push({ instrument: inst, date, ours: a, ref: b });
    };
    for (let c = 0; c < ours.length; c++) {
      const rc = this.toRef[c]!;
      const a = ours[c]!;
      const b = rc < 0 ? NaN : ref[rc]!;
      if (a !== b && !(a !== a && b !== b)) inexact++;
      if (!cellMatches(a, b)) note(a, b, this.panel.instruments[Math.floor(c / T)]!, this.panel.dates[c % T]!);
    }
    for (const rc of this.refOnly) {
      const b = ref[rc]!;
      if (!Number.isNaN(b)) {
        inexact++;
        note(NaN, b, this.refInstruments[Math.floor(rc / RT)]!, this.refDates[rc % RT]!);
      }
    }
    return { cells: ours.length + this.refOnly.length, bad, oursNaN, refNaN, maxRel, inexact, first };
  }
}

/** Evaluable sub-expressions of e (calls, infix nodes; not literal parameters, SEQUENCE, leaves), children first. */
export function subExpressions(e: Expr): Expr[] {
  const out: Expr[] = [];
  const visit = (x: Expr): void => {
    for (const c of evaluableChildren(x)) visit(c);
    if (!isLeaf(x)) out.push(x);
  };
  visit(e);
  return out;
}

function isLeaf(x: Expr): boolean {
  return x.kind === "num" || x.kind === "field" || (x.kind === "unary" && x.op === "-" && x.arg.kind === "num");
}

export function evaluableChildren(x: Expr): Expr[] {
  switch (x.kind) {
    case "num":
    case "field":
      return [];
    case "unary":
      return isLeaf(x) ? [] : [x.arg];
    case "binary":
      return [x.left, x.right];
    case "cond":
      return [x.cond, x.then, x.else];
    case "call": {
      const spec = lookupOp("quanta", x.op);
      return x.args.filter((a, i) => spec?.params[i] === undefined && !(a.kind === "call" && a.op === "SEQUENCE"));
    }
  }
}

export interface Culprit {
  /** the smallest failing sub-expression whose evaluable children all match */
  readonly text: string;
  readonly diff: GridComparison;
  /** printed children (for the report) */
  readonly children: readonly string[];
  /** set when one side rejected or failed on the sub-expression */
  readonly error?: string;
  /**
   * `kernel`: every evaluable child is bit-identical on both sides, so the culprit's own
   * operator computes differently from the same inputs (a bug or a semantic difference);
   * `amplified`: the children agree within tolerance but not to the last bit, and the
   * culprit turns that into a visible difference (a tie or an exact zero decided by rounding:
   * comparisons, ranks, argmax, division by ~0, zero-variance rules).
   */
  readonly cause: "kernel" | "amplified" | "error";
}

/**
 * Minimises a mismatch: evaluates every sub-expression of each failing
 * expression on both sides (one reference batch) and returns, per expression,
 * the failing nodes whose children all match (where the divergence starts).
 */
export function findCulprits(
  spec: RefPanelSpec,
  panel: Panel,
  failing: readonly Expr[],
): { culprits: Culprit[][]; refSeconds: number } {
  const subs = failing.map((e) => subExpressions(e));
  const texts = [...new Set(subs.flat().map((s) => printExpr(s)))];
  const ref = referenceEval(spec, texts);
  const ours = engineEval(panel, texts);
  const map = new GridMap(panel, ref.dates, ref.instruments);
  const status = new Map<string, GridComparison | { error: string }>();
  texts.forEach((t, k) => {
    const r = ref.results[k]!;
    const o = ours[k]!;
    if ("error" in r || "error" in o) status.set(t, { error: `ref: ${"error" in r ? r.error : "ok"}; ours: ${"error" in o ? o.error : "ok"}` });
    else status.set(t, map.compare(o.values, r.values));
  });
  const exact = (t: string): boolean => {
    const s = status.get(t);
    return s !== undefined && !("error" in s) && s.inexact === 0;
  };
  const failed = (t: string): boolean => {
    const s = status.get(t);
    return s === undefined || "error" in s || s.bad > 0;
  };
  const culprits = subs.map((list) => {
    const found: Culprit[] = [];
    const seen = new Set<string>();
    for (const s of list) {
      const t = printExpr(s);
      if (seen.has(t) || !failed(t)) continue;
      seen.add(t);
      const kids = evaluableChildren(s).filter((c) => !isLeaf(c)).map((c) => printExpr(c));
      if (kids.some(failed)) continue;
      const st = status.get(t)!;
      if ("error" in st) {
        found.push({ text: t, diff: { cells: 0, bad: 0, oursNaN: 0, refNaN: 0, maxRel: 0, inexact: 0, first: [] }, children: kids, error: st.error, cause: "error" });
      } else found.push({ text: t, diff: st, children: kids, cause: kids.every(exact) ? "kernel" : "amplified" });
    }
    return found;
  });
  return { culprits, refSeconds: ref.seconds };
}
