/**
 * Variation operators of the offline proposer (typed GP on the factor AST):
 * window remapping, operator swap within a registry category, field swap
 * within a field family, adding a regime condition, and subtree crossover.
 * Every operator returns a tree that prints, parses back in the quanta
 * dialect without look-ahead and passes the complexity gate — or undefined.
 */
import type { BinaryOp, Expr } from "../../factors/ast.ts";
import { checkComplexity } from "../../factors/complexity.ts";
import { fieldsOf } from "../../factors/fields.ts";
import { parseExpr } from "../../factors/parser.ts";
import { exprEquals, printExpr, structuralKey } from "../../factors/printer.ts";
import { callCategory, lookupOp, operatorsOf, type OpSpec } from "../../factors/registry.ts";
import { REGIME_CONDITIONS, WINDOW_LADDER, ladderIndex, type Windows } from "./catalogue.ts";
import { divisionsSafe } from "./sign.ts";
import type { Rng } from "./rng.ts";
import { add, call, cond, expressionSlots, field, getAt, mapTree, mul, neg, replaceAt, size, slots, windowSlots, type Path } from "./tree.ts";

/**
 * A tree ready to emit: canonical text that parses, passes look-ahead and complexity, with no
 * constant sub-expression and no division by a quantity that can cross zero (sign.ts).
 */
export function acceptable(e: Expr): string | undefined {
  let text: string;
  try {
    text = printExpr(e);
    const parsed = parseExpr(text, "quanta");
    if (!checkComplexity(parsed).ok) return undefined;
  } catch {
    return undefined;
  }
  return degenerate(e) || !divisionsSafe(e) ? undefined : text;
}

/** `x - x`, `x / x`, `x > x`: constant sub-expressions a swap can create. */
function degenerate(e: Expr): boolean {
  return slots(e).some((s) => s.node.kind === "binary" && s.node.op !== "+" && s.node.op !== "*" && exprEquals(s.node.left, s.node.right));
}

// ---- windows ---------------------------------------------------------------------------------

export interface WindowChange {
  readonly expr: Expr;
  /** old → new per distinct window value. */
  readonly mapping: ReadonlyMap<number, number>;
}

/**
 * Moves every window of the tree the same number of steps along the ladder
 * (keeping short < long relations and coupled windows such as
 * `REGBETA(x, SEQUENCE(n), n)` equal). Daily lags of 1 stay: they are
 * structure (a one-day change), not a horizon. `direction` biases the move.
 */
export function remapWindows(e: Expr, rng: Rng, direction: "longer" | "shorter" | "any" = "any"): WindowChange | undefined {
  const ws = windowSlots(e).filter((s) => !(s.param === "lag" && s.node.kind === "num" && s.node.value <= 1));
  const values = [...new Set(ws.map((s) => (s.node.kind === "num" ? s.node.value : 0)))];
  if (values.length === 0) return undefined;
  const steps = direction === "longer" ? [1, 2, 1] : direction === "shorter" ? [-1, -2, -1] : [1, -1, 2, -2, 1, -1];
  const tried = new Set<number>();
  for (const k of [...rng.shuffle(steps), 1, -1, 2, -2, 3, -3]) {
    if (tried.has(k)) continue;
    tried.add(k);
    const mapping = new Map<number, number>();
    let ok = true;
    for (const v of values) {
      const idx = ladderIndex(v) + k;
      // windows stay ≥ 2 (moments need points) and on the ladder
      if (idx < 1 || idx >= WINDOW_LADDER.length) {
        ok = false;
        break;
      }
      mapping.set(v, Math.max(2, WINDOW_LADDER[idx] as number));
    }
    if (!ok || [...mapping].every(([a, b]) => a === b)) continue;
    let out = e;
    for (const s of ws) {
      if (s.node.kind !== "num") continue;
      const nv = mapping.get(s.node.value);
      if (nv !== undefined) out = replaceAt(out, s.path, { ...s.node, value: nv, isInt: true });
    }
    if (acceptable(out)) return { expr: out, mapping };
  }
  return undefined;
}

// ---- operator swap ---------------------------------------------------------------------------

/** Operators never swapped in: aliases of syntax, broadcasts that erase the cross-section, overflow-prone or duplicate ones. */
const NO_SWAP = new Set([
  "PROD", "SUMAC", "HIGHDAY", "LOWDAY", "PERCENTILE", "TS_VAR", "SCALE", "SEQUENCE", "FILTER", "WHERE", "EXP", "INV", "FLOOR",
  "SIGN", "POW", "NOT", "MEAN", "STD", "MEDIAN", "SKEW", "KURT", "COUNT", "SUMIF", "SMA", "MACD",
]);

/** Preferred swaps: same meaning family (a smoother for a smoother). */
const FAMILIES: readonly (readonly string[])[] = [
  ["TS_MEAN", "TS_MEDIAN", "TS_SUM", "EMA", "WMA", "DECAYLINEAR"],
  ["TS_STD", "TS_MAD"],
  ["TS_MAX", "TS_MIN"],
  ["TS_RANK", "TS_ZSCORE"],
  ["TS_ARGMAX", "TS_ARGMIN"],
  ["TS_SKEW", "TS_KURT"],
  ["TS_CORR", "TS_COVARIANCE"],
  ["RANK", "ZSCORE"],
  ["REGBETA", "REGRESI"],
  ["MAX", "MIN"],
  ["DELTA", "DELAY"],
];

const BINARY_SWAPS: Partial<Record<BinaryOp, BinaryOp>> = { "+": "-", "-": "+", "*": "/", "/": "*", ">": "<", "<": ">" };

function signatureKey(spec: OpSpec, nArgs: number): string {
  const kinds = spec.args.slice(0, nArgs).map((a) => a.kind).join(",");
  return `${callCategory(spec, nArgs)}|${nArgs}|${kinds}`;
}

/** Operators that can replace `op` called with `nArgs` arguments: same registry category and argument kinds. */
export function swapCandidates(op: string, nArgs: number): { family: string[]; category: string[] } {
  const spec = lookupOp("quanta", op);
  if (!spec || spec.operatorForm || NO_SWAP.has(op)) return { family: [], category: [] };
  const key = signatureKey(spec, nArgs);
  const category = operatorsOf("quanta")
    .filter((s) => s.name !== op && !s.operatorForm && !NO_SWAP.has(s.name) && nArgs >= s.minArgs && nArgs <= s.maxArgs && signatureKey(s, nArgs) === key)
    .map((s) => s.name);
  const fam = FAMILIES.find((f) => f.includes(op)) ?? [];
  return { family: category.filter((c) => fam.includes(c)), category };
}

export interface Edit {
  readonly expr: Expr;
  readonly what: string;
}

/** Replaces one operator by another of the same category and signature (family first). */
export function swapOperator(e: Expr, rng: Rng): Edit | undefined {
  const callSlots = rng.shuffle(slots(e).filter((s) => s.node.kind === "call" && s.param === undefined));
  for (const s of callSlots) {
    if (s.node.kind !== "call") continue;
    const { family, category } = swapCandidates(s.node.op, s.node.args.length);
    const order = [...rng.shuffle(family), ...rng.shuffle(category.filter((c) => !family.includes(c)))];
    for (const op of order) {
      const out = replaceAt(e, s.path, { ...s.node, op });
      if (acceptable(out)) return { expr: out, what: `operator ${s.node.op} → ${op}` };
    }
  }
  for (const s of rng.shuffle(slots(e).filter((x) => x.node.kind === "binary"))) {
    if (s.node.kind !== "binary") continue;
    const op = BINARY_SWAPS[s.node.op];
    if (!op) continue;
    const out = replaceAt(e, s.path, { ...s.node, op });
    if (acceptable(out)) return { expr: out, what: `operator ${s.node.op} → ${op}` };
  }
  return undefined;
}

// ---- field swap ------------------------------------------------------------------------------

const FIELD_FAMILIES: readonly (readonly string[])[] = [
  ["close", "open", "high", "low", "vwap"],
  ["volume", "amount"],
];

/** Replaces every occurrence of one field by another of its family that the data has. */
export function swapField(e: Expr, rng: Rng, available: readonly string[]): Edit | undefined {
  const have = new Set(available.map((f) => f.replace(/^\$/, "")));
  for (const f of rng.shuffle([...fieldsOf(e)])) {
    const fam = FIELD_FAMILIES.find((x) => x.includes(f));
    if (!fam) continue;
    for (const g of rng.shuffle(fam.filter((x) => x !== f && have.has(x)))) {
      const out = mapTree(e, (n) => (n.kind === "field" && n.name === f ? field(g) : n));
      if (acceptable(out)) return { expr: out, what: `field $${f} → $${g}` };
    }
  }
  return undefined;
}

// ---- regime condition ------------------------------------------------------------------------

/** Conditions the factor on a regime: `C ? x : -x` (sign switch) or `x * C` (active only in the regime). */
export function addRegime(e: Expr, rng: Rng, win: Windows, available: readonly string[]): Edit | undefined {
  const have = new Set(available);
  const conds = rng.shuffle(REGIME_CONDITIONS.filter((c) => c.fields.every((f) => have.has(f) || (f === "$return" && have.has("$close")))));
  for (const c of conds) {
    const condition = c.build(win);
    if (slots(e).some((s) => exprEquals(s.node, condition))) continue;
    const forms: Edit[] = rng.shuffle([
      { expr: cond(condition, e, negate(e)), what: `sign switched by the regime "${c.describe(win)}"` },
      { expr: mul(e, condition), what: `active only while ${c.describe(win)}` },
    ]);
    for (const f of forms) if (acceptable(f.expr)) return f;
  }
  return undefined;
}

/** −e without stacking minus signs. */
export function negate(e: Expr): Expr {
  return e.kind === "unary" && e.op === "-" ? e.arg : neg(e);
}

// ---- crossover -------------------------------------------------------------------------------

export interface CrossChild {
  readonly expr: Expr;
  readonly what: string;
}

/** Whether some subtree of `part` with ≥ `minSize` nodes occurs in `whole`. */
export function sharesSubtree(whole: Expr, part: Expr, minSize = 2): boolean {
  const keys = new Set(slots(whole).filter((s) => size(s.node) >= minSize).map((s) => structuralKey(s.node)));
  return slots(part).some((s) => size(s.node) >= minSize && keys.has(structuralKey(s.node)));
}

function isAncestorOrSelf(a: Path, b: Path): boolean {
  return a.length <= b.length && a.every((v, i) => b[i] === v);
}

/**
 * Subtree crossover: a ≥ 2-node subtree of `donor` replaces a non-root
 * subtree of `recipient`, chosen so the recipient keeps at least one whole
 * ≥ 2-node subtree of its own — the child carries material from both. Falls
 * back to a rank blend `RANK(x) + RANK(y)` of subtrees of both parents.
 */
export function crossover(donor: Expr, recipient: Expr, rng: Rng): CrossChild | undefined {
  const donorSubs = expressionSlots(donor).filter((s) => size(s.node) >= 2);
  const recSlots = expressionSlots(recipient);
  const recBig = slots(recipient).filter((s) => size(s.node) >= 2 && s.param === undefined);
  const places = recSlots.filter(
    (p) => p.path.length > 0 && recBig.some((k) => !isAncestorOrSelf(k.path, p.path) && !isAncestorOrSelf(p.path, k.path)),
  );
  for (let tries = 0; tries < 24 && donorSubs.length > 0 && places.length > 0; tries++) {
    const d = rng.pick(donorSubs);
    const p = rng.pick(places);
    if (structuralKey(d.node) === structuralKey(getAt(recipient, p.path))) continue;
    const out = replaceAt(recipient, p.path, d.node);
    if (acceptable(out) && sharesSubtree(out, donor) && sharesSubtree(out, recipient)) {
      return { expr: out, what: `graft of ${printExpr(d.node)} into ${printExpr(recipient)} in place of ${printExpr(p.node)}` };
    }
  }
  // rank blend of the largest parts that fit
  const bySize = (e: Expr): Expr[] =>
    expressionSlots(e)
      .filter((s) => size(s.node) >= 2)
      .sort((a, b) => size(b.node) - size(a.node) || a.path.length - b.path.length)
      .map((s) => s.node);
  for (const x of bySize(donor).slice(0, 4)) {
    for (const y of bySize(recipient).slice(0, 4)) {
      const rx = x.kind === "call" && x.op === "RANK" ? x : call("RANK", x);
      const ry = y.kind === "call" && y.op === "RANK" ? y : call("RANK", y);
      const out = add(rx, ry);
      if (acceptable(out)) return { expr: out, what: `rank blend of ${printExpr(x)} and ${printExpr(y)}` };
    }
  }
  return undefined;
}
