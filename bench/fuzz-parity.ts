/**
 * Fuzz harness: random quanta-dialect expressions (the registry-driven generator of
 * test/factors/language/gen.ts, all operators, infix syntax, every field the data
 * has plus $return) evaluated by our engine (factors/evaluate.ts) and by the pandas
 * reference (shared/reference/factor_ref.py), compared on every grid cell with the
 * README tolerance |a − b| ≤ 1e-6·|b| + 1e-9, NaN exactly where the reference has NaN.
 *
 *   node --import tsx bench/fuzz-parity.ts [--seed N] [--count N] [--depth N]
 *       [--data FILE] [--instruments N|A,B,...] [--membership FILE] [--batch N] [--json OUT]
 *       [--exprs FILE]   (check the expressions of FILE, one a line or name<TAB>expr, instead of random ones)
 *       [--bits]         also list every expression whose values are not bit-identical to the reference's
 *
 * --depth fixes the maximum tree height; without it each expression draws one in 2..5.
 * Default data: the committed 12-instrument S&P 500 slice. Expressions one side
 * rejects and the other accepts are listed; mismatching expressions are minimised
 * to the sub-expressions where the values first diverge (every sub-tree is
 * evaluated on both sides). Exit 1 when anything differs (both sides rejecting an
 * expression is listed but is agreement).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Expr } from "../factors/ast.ts";
import { availableFields } from "../factors/evaluate.ts";
import { parseExpr } from "../factors/parser.ts";
import { printExpr } from "../factors/printer.ts";
import { loadPanel } from "../src/data/load.ts";
import { mulberry32, randomExpr } from "../test/factors/language/gen.ts";
import {
  engineEval, findCulprits, GridMap, referenceAvailable, referenceEval,
  type Culprit, type GridComparison, type RefPanelSpec,
} from "../test/helpers/random-parity.ts";

function arg(name: string): string | undefined {
  const k = process.argv.indexOf(name);
  return k >= 0 ? process.argv[k + 1] : undefined;
}

const seed = Number(arg("--seed") ?? 1);
const count = Number(arg("--count") ?? 100);
const fixedDepth = arg("--depth") === undefined ? undefined : Number(arg("--depth"));
const data = arg("--data") ?? fileURLToPath(new URL("../test/fixtures/factors/sp500_slice.csv.gz", import.meta.url));
const instruments = arg("--instruments");
const membership = arg("--membership");
const batchSize = Number(arg("--batch") ?? 50);
const jsonOut = arg("--json");
const exprFile = arg("--exprs");
const bits = process.argv.includes("--bits");

if (!referenceAvailable()) {
  console.error("reference or /usr/bin/python3 with pandas missing; nothing to do");
  process.exit(0);
}
if (!existsSync(data)) {
  console.error(`no such data file: ${data}`);
  process.exit(2);
}

const spec: RefPanelSpec = {
  data,
  ...(instruments !== undefined ? { instruments } : {}),
  ...(membership !== undefined ? { membership } : {}),
};
const instSel = instruments === undefined ? undefined : /^\d+$/.test(instruments) ? Number(instruments) : instruments.split(",");
const { panel } = await loadPanel(data, {
  ...(instSel !== undefined ? { instruments: instSel } : {}),
  ...(membership !== undefined ? { membership } : {}),
});
const fields = availableFields(panel);

const rng = mulberry32(seed);
const texts: string[] = [];
const seen = new Set<string>();
if (exprFile !== undefined) {
  for (const line of readFileSync(exprFile, "utf8").split("\n")) {
    const text = line.includes("\t") ? line.slice(line.indexOf("\t") + 1).trim() : line.trim();
    if (text !== "" && !text.startsWith("#")) texts.push(text);
  }
}
while (exprFile === undefined && texts.length < count) {
  const maxDepth = fixedDepth ?? 2 + Math.floor(rng() * 4);
  const t = printExpr(randomExpr(rng, "quanta", { maxDepth, fields }));
  if (seen.has(t)) continue;
  seen.add(t);
  texts.push(t);
}

console.log(`data ${data}${instruments ? ` --instruments ${instruments}` : ""}${membership ? " (membership)" : ""}: ` +
  `${panel.nInst} instruments × ${panel.nDates} dates; ${exprFile ?? `seed ${seed}`}, ${texts.length} expressions, depth ${fixedDepth ?? "2..5"}, fields ${fields.join(" ")}`);

interface Finding {
  text: string;
  kind: "values" | "ref-rejects" | "ours-rejects" | "both-reject";
  ours?: string;
  ref?: string;
  diff?: GridComparison;
  culprits?: Culprit[];
}
const findings: Finding[] = [];
let cells = 0;
let compared = 0;
let refSeconds = 0;
let ourSeconds = 0;
for (let b = 0; b < texts.length; b += batchSize) {
  const batch = texts.slice(b, b + batchSize);
  const ref = referenceEval(spec, batch);
  refSeconds += ref.seconds;
  const t0 = performance.now();
  const ours = engineEval(panel, batch);
  ourSeconds += (performance.now() - t0) / 1000;
  const map = new GridMap(panel, ref.dates, ref.instruments);
  batch.forEach((text, k) => {
    const r = ref.results[k]!;
    const o = ours[k]!;
    if ("error" in r || "error" in o) {
      const kind = "error" in r && "error" in o ? "both-reject" : "error" in r ? "ref-rejects" : "ours-rejects";
      findings.push({ text, kind, ...("error" in o ? { ours: o.error } : {}), ...("error" in r ? { ref: r.error } : {}) });
      return;
    }
    const diff = map.compare(o.values, r.values);
    if (bits && diff.inexact > 0) console.log(`  not bit-identical: ${diff.inexact}/${diff.cells} cells (${diff.bad} outside tolerance)  ${text}`);
    compared++;
    cells += diff.cells;
    if (diff.bad > 0) findings.push({ text, kind: "values", diff });
  });
  process.stderr.write(`  batch ${b / batchSize + 1}: ${batch.length} exprs, reference ${ref.seconds.toFixed(1)} s\n`);
}

const valueFails = findings.filter((f) => f.kind === "values");
if (valueFails.length > 0) {
  const trees: Expr[] = valueFails.map((f) => parseExpr(f.text, "quanta")); // both sides accepted these
  const { culprits, refSeconds: s } = findCulprits(spec, panel, trees);
  refSeconds += s;
  valueFails.forEach((f, k) => (f.culprits = culprits[k]!));
}

console.log(`compared ${compared}/${texts.length} expressions, ${cells} cells; reference ${refSeconds.toFixed(1)} s, ours ${ourSeconds.toFixed(1)} s`);
const counts = new Map<string, number>();
for (const f of findings) counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1);
console.log(`findings: ${findings.length === 0 ? "none" : [...counts].map(([k, n]) => `${k} ${n}`).join(", ")}`);
const byOp = new Map<string, number>();
for (const f of valueFails) {
  for (const c of f.culprits ?? []) {
    const key = `${c.cause} ${topOp(c.text)}`;
    byOp.set(key, (byOp.get(key) ?? 0) + 1);
  }
}
if (byOp.size > 0) console.log(`culprits by cause and operator: ${[...byOp].sort().map(([k, n]) => `${k}: ${n}`).join(", ")}`);
for (const f of findings) {
  if (f.kind !== "values") {
    console.log(`\n[${f.kind}] ${f.text}\n   ours: ${f.ours ?? "ok"}\n   ref:  ${f.ref ?? "ok"}`);
    continue;
  }
  const d = f.diff!;
  console.log(`\n[values] ${f.text}\n   ${d.bad}/${d.cells} cells (ours NaN ${d.oursNaN}, ref NaN ${d.refNaN}, max rel ${d.maxRel.toExponential(2)}), e.g. ${JSON.stringify(d.first[0])}`);
  for (const c of f.culprits ?? []) {
    if (c.error !== undefined) {
      console.log(`   culprit [error]: ${c.text}\n      ${c.error}`);
      continue;
    }
    console.log(`   culprit [${c.cause}]: ${c.text}\n      ${c.diff.bad}/${c.diff.cells} cells (ours NaN ${c.diff.oursNaN}, ref NaN ${c.diff.refNaN}, max rel ${c.diff.maxRel.toExponential(2)}) ${c.diff.first.map((x) => JSON.stringify(x)).join(" ")}`);
  }
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ seed, count, data, instruments, membership, compared, cells, findings }, null, 1));
// both sides rejecting an expression is agreement (listed, not a failure)
process.exit(findings.some((f) => f.kind !== "both-reject") ? 1 : 0);

/** The outermost operator of a printed expression (its class in the summary). */
function topOp(text: string): string {
  const e = parseExpr(text, "quanta");
  switch (e.kind) {
    case "call": return e.op;
    case "binary": return e.op;
    case "unary": return e.op === "-" ? "neg" : "!";
    case "cond": return "?:";
    default: return e.kind;
  }
}
