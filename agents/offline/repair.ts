/**
 * Offline repairer: fixes an expression by the smallest change that removes
 * the reported problem — textual clean-up and operator/parameter fixes for
 * parse errors, absolute lags for look-ahead, field substitution, hoisting
 * sub-expressions (simplification) for complexity, a structural edit of the
 * shared subtree for redundancy — and falls back to the hypothesis's simplest
 * template. Output always parses.
 */
import type { Expr } from "../../factors/ast.ts";
import { checkComplexity } from "../../factors/complexity.ts";
import { parseExpr, parseSyntax } from "../../factors/parser.ts";
import { printExpr } from "../../factors/printer.ts";
import { lookupOp, type ParamKind } from "../../factors/registry.ts";
import { literalOf } from "../../factors/validate.ts";
import type { RepairInput, RepairKind } from "../roles.ts";
import type { RepairerOutput } from "../schemas.ts";
import { snapWindow, windowsFor } from "./catalogue.ts";
import { acceptable, remapWindows, swapOperator } from "./operators.ts";
import { availableFields, buildFactors, hasField } from "./propose.ts";
import type { Rng } from "./rng.ts";
import { expressionSlots, field, getAt, mapTree, num, replaceAt, size, slots } from "./tree.ts";
import { judgeConsistency } from "./judge.ts";

export function inferRepairKind(error: string): RepairKind {
  const e = error.toLowerCase();
  if (/look.?ahead|future|negative shift/.test(e)) return "lookahead";
  if (/field|no column|unknown \$/.test(e)) return "field";
  if (/characters long|distinct fields|numeric literals|complex|too long/.test(e)) return "complexity";
  if (/redundan|common subtree|shares|duplicate|correlat/.test(e)) return "redundancy";
  if (/consisten|hypothesis/.test(e)) return "consistency";
  if (/unknown operator|expected|unexpected|at col|argument|parse|syntax/.test(e)) return "parse";
  return "other";
}

const FIELD_FALLBACK: Readonly<Record<string, string>> = { vwap: "close", amount: "volume", factor: "close", turnover: "volume", price: "close" };
const KNOWN_FIELDS = ["open", "high", "low", "close", "volume", "vwap", "amount", "return", "factor"];

/** Text-level fixes: code fences, bare field names, unbalanced parentheses. */
function cleanText(text: string): string {
  let s = text.trim().replace(/^```\w*\s*|```$/g, "").replace(/^`|`$/g, "").replace(/;+\s*$/, "").trim();
  s = s.replace(new RegExp(`(?<![$\\w])(${KNOWN_FIELDS.join("|")})(?![\\w(])`, "g"), "$$$1");
  let depth = 0;
  let out = "";
  for (const c of s) {
    if (c === "(") depth++;
    if (c === ")") {
      if (depth === 0) continue; // drop a stray closer
      depth--;
    }
    out += c;
  }
  return out + ")".repeat(depth);
}

function fixParam(kind: ParamKind, arg: Expr): Expr {
  const lit = literalOf(arg);
  if (!lit) return num(5); // a window must be a literal: use a typical short window
  switch (kind) {
    case "win":
    case "seqn":
      return num(Math.max(1, Math.round(Math.abs(lit.value))));
    case "lag":
      return num(Math.round(Math.abs(lit.value)));
    case "q":
      return num(Math.min(1, Math.max(0, lit.value)), false);
    default:
      return arg;
  }
}

/** Operator names, literal parameters (incl. look-ahead), unavailable fields. */
function fixTree(e: Expr, available: readonly string[], notes: string[]): Expr {
  return mapTree(e, (n) => {
    if (n.kind === "field") {
      if (hasField(available, `$${n.name}`)) return n;
      const sub = FIELD_FALLBACK[n.name] ?? "close";
      notes.push(`$${n.name} is not available: used $${sub}`);
      return field(sub);
    }
    if (n.kind !== "call") return n;
    let op = n.op;
    let spec = lookupOp("quanta", op);
    if (!spec) {
      const upper = lookupOp("quanta", op.toUpperCase());
      const counterpart = lookupOp("qlib", op)?.counterpart;
      // a qlib name maps to its quanta counterpart (Mean → TS_MEAN, not the cross-sectional MEAN)
      const alt = (counterpart ? lookupOp("quanta", counterpart) : undefined) ?? upper;
      if (alt) {
        notes.push(`operator ${op} → ${alt.name}`);
        op = alt.name;
        spec = alt;
      } else {
        const firstExpr = n.args.find((a) => literalOf(a) === undefined);
        notes.push(`unknown operator ${op} removed`);
        return firstExpr ?? field("close");
      }
    }
    let args = n.args.slice(0, spec.maxArgs);
    while (args.length < spec.minArgs) args = [...args, spec.params[args.length] ? num(5) : field("close")];
    args = args.map((a, i) => {
      const kind = spec.params[i];
      if (!kind) return a;
      const fixed = fixParam(kind, a);
      if (printExpr(fixed) !== printExpr(a)) notes.push(`${op} argument ${i + 1}: ${printExpr(a)} → ${printExpr(fixed)}`);
      return fixed;
    });
    return { ...n, op, args };
  });
}

/** Replaces a node by its largest expression child (or drops `+ c` constants) until the complexity gate passes. */
function simplify(e: Expr, notes: string[]): Expr {
  let cur = e;
  for (let iter = 0; iter < 24; iter++) {
    let parsed: Expr;
    try {
      parsed = parseExpr(printExpr(cur), "quanta");
    } catch {
      break;
    }
    const check = checkComplexity(parsed);
    if (check.ok) return cur;
    // drop additive constants first when literals are the problem
    const constTerm = slots(cur).find(
      (s) => s.node.kind === "binary" && (s.node.op === "+" || s.node.op === "-") && (s.node.right.kind === "num" || s.node.left.kind === "num"),
    );
    if (constTerm && constTerm.node.kind === "binary" && check.complexity.freeArgRatio >= 0.5) {
      const keep = constTerm.node.right.kind === "num" ? constTerm.node.left : constTerm.node.right;
      cur = replaceAt(cur, constTerm.path, keep);
      notes.push("dropped a constant term");
      continue;
    }
    // hoist: the non-root node whose replacement by its biggest child removes the most nodes
    let best: { path: readonly number[]; child: Expr; gain: number } | undefined;
    for (const s of expressionSlots(cur)) {
      const kids = expressionSlots(s.node).filter((k) => k.path.length === 1);
      for (const k of kids) {
        const gain = size(s.node) - size(k.node);
        if (gain > 0 && (!best || gain > best.gain)) best = { path: s.path, child: k.node, gain };
      }
    }
    if (!best) break;
    cur = replaceAt(cur, best.path, best.child);
    notes.push(`simplified: kept ${printExpr(best.child)}`);
  }
  return cur;
}

/** For redundancy: change the operator inside the shared subtree the gate quoted, else anywhere; then windows. */
function breakRedundancy(e: Expr, error: string, rng: Rng, notes: string[]): Expr {
  const quoted = slots(e)
    .filter((s) => size(s.node) >= 3 && error.includes(printExpr(s.node)))
    .sort((a, b) => size(b.node) - size(a.node))[0];
  if (quoted) {
    const edit = swapOperator(getAt(e, quoted.path), rng);
    if (edit) {
      const out = replaceAt(e, quoted.path, edit.expr);
      if (acceptable(out)) {
        notes.push(`${edit.what} inside the shared part ${printExpr(quoted.node)}`);
        return out;
      }
    }
  }
  const edit = swapOperator(e, rng);
  if (edit) {
    notes.push(edit.what);
    return edit.expr;
  }
  const w = remapWindows(e, rng);
  if (w) {
    notes.push(`windows ${[...w.mapping].map(([a, b]) => `${a}→${b}`).join(", ")}`);
    return w.expr;
  }
  return e;
}

export function repairExpression(input: RepairInput, rng: Rng): RepairerOutput {
  const available = availableFields(input.fields);
  const kind = input.kind ?? inferRepairKind(input.error);
  const notes: string[] = [];
  let tree: Expr | undefined;
  const cleaned = cleanText(input.factor.expression);
  if (cleaned !== input.factor.expression.trim()) notes.push("cleaned up the text");
  try {
    tree = parseSyntax(cleaned);
  } catch {
    tree = undefined;
  }
  if (tree) {
    tree = fixTree(tree, available, notes);
    if (kind === "redundancy") tree = breakRedundancy(tree, input.error, rng, notes);
    if (kind === "consistency" && input.hypothesis) {
      const verdict = judgeConsistency({ hypothesis: input.hypothesis, factor: { ...input.factor, expression: printExpr(tree) }, fields: available }, rng);
      if (verdict.correctedExpression) {
        try {
          tree = parseExpr(verdict.correctedExpression, "quanta");
          notes.push(`rebuilt to match the hypothesis: ${verdict.reason}`);
        } catch {
          /* keep the tree */
        }
      }
    }
    tree = simplify(tree, notes);
    const text = acceptable(tree);
    if (text && (text !== input.factor.expression || kind === "other")) {
      return { expression: text, explanation: notes.length ? notes.join("; ") : "normalised the expression" };
    }
    if (text && kind !== "redundancy") {
      // unchanged but valid: a later attempt must change something, so vary the windows
      const w = remapWindows(tree, rng);
      if (w) {
        const t2 = acceptable(w.expr) as string;
        return { expression: t2, explanation: `windows ${[...w.mapping].map(([a, b]) => `${a}→${b}`).join(", ")}` };
      }
    }
  }
  // Give up on the text: the simplest factor for the hypothesis (or a plain short-term reversal).
  const days = input.hypothesis?.horizonDays ?? 5;
  const fallback = input.hypothesis ? buildFactors(input.hypothesis, 1, available, rng, [input.factor.expression])[0] : undefined;
  const expression = fallback?.expression ?? acceptable(fallbackReversal(days)) ?? "-TS_PCTCHANGE($close,5)";
  return { expression, explanation: `could not repair ${JSON.stringify(input.factor.expression.slice(0, 80))} (${kind}); rebuilt a simple factor instead` };
}

function fallbackReversal(days: number): Expr {
  const w = windowsFor(snapWindow(days)).w;
  return { kind: "unary", op: "-", pos: 0, arg: { kind: "call", op: "TS_PCTCHANGE", pos: 0, args: [field("close"), num(w)] } };
}
