/**
 * How a batch of expressions is cut into pool tasks. A worker evaluates one task's expressions
 * together, sharing their common sub-expressions (and family / sibling kernel passes), so
 * expressions that share an expensive window computation — Quantile(x,n,.8), Quantile(x,n,.2)
 * and Rank(x,n); Slope / Rsquare / Resi; Max / Min / RSV of a window — must land in the same
 * task. Cheap shared nodes (element-wise, Ref) are recomputed in each task that needs them.
 *
 * Balance: clusters of linked expressions get an estimated cost (distinct nodes weighted by
 * operator, plus the per-expression IC or copy-out cost), are sorted largest first and packed into
 * tasks of similar size; workers take tasks from the queue in that order (longest processing time
 * first), so the last tasks to run are the small ones and both workers finish together.
 */
import type { Dialect, Expr } from "../../factors/ast.ts";
import { children } from "../../factors/ast.ts";
import { familyOf, siblingsOf } from "../../factors/kernels/dispatch.ts";
import { parseExpr } from "../../factors/parser.ts";
import { structuralKey } from "../../factors/printer.ts";
import { callCategory, lookupOp } from "../../factors/registry.ts";

/** Estimated cost of one node over the whole panel, in units of one element-wise pass. */
function nodeCost(dialect: Dialect, e: Expr): number {
  if (e.kind === "num" || e.kind === "field") return 0;
  if (e.kind !== "call") return 1;
  const spec = lookupOp(dialect, e.op);
  if (spec === undefined) return 1;
  switch (e.op) {
    case "Ref":
    case "Delta":
    case "DELAY":
    case "DELTA":
    case "TS_PCTCHANGE":
      return 1.5;
    case "Quantile":
    case "Rank":
    case "Med":
    case "TS_QUANTILE":
    case "TS_RANK":
    case "TS_MEDIAN":
    case "PERCENTILE":
    case "TS_MAD":
      return 18;
    case "Corr":
    case "Cov":
    case "TS_CORR":
    case "TS_COVARIANCE":
      return 15;
    case "Slope":
    case "Rsquare":
    case "Resi":
    case "REGBETA":
    case "REGRESI":
      return 9;
    case "Max":
    case "Min":
    case "IdxMax":
    case "IdxMin":
    case "TS_MAX":
    case "TS_MIN":
    case "TS_ARGMAX":
    case "TS_ARGMIN":
    case "HIGHDAY":
    case "LOWDAY":
      return 7.5;
    default:
      return callCategory(spec, e.args.length) === "elem" ? 1 : 6;
  }
}

/** Work per expression besides its nodes: the IC of its values, or copying them out. */
const PER_EXPRESSION_COST = 8;
/** A shared node at least this expensive ties the expressions that use it to one task. */
const HEAVY = 4;

interface Cluster {
  readonly members: number[];
  cost: number;
}

/**
 * Tasks for `threads` workers: lists of expression indices, in the order to submit them (the
 * most expensive first). Expressions that do not parse get a task of their own, where the worker
 * reports the error exactly as it would have.
 */
export function planTasks(expressions: readonly string[], dialect: Dialect, threads: number): number[][] {
  const n = expressions.length;
  if (n === 0) return [];
  // Union-find over expressions linked by a shared heavy node, family or sibling pass.
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const owner = new Map<string, number>();
  const link = (key: string, i: number): void => {
    const j = owner.get(key);
    if (j === undefined) owner.set(key, i);
    else parent[find(i)] = find(j);
  };
  const nodes: Map<string, number>[] = [];
  for (let i = 0; i < n; i++) {
    const own = new Map<string, number>();
    nodes.push(own);
    let tree: Expr;
    try {
      tree = parseExpr(expressions[i]!, dialect);
    } catch {
      continue;
    }
    const stack: Expr[] = [tree];
    while (stack.length > 0) {
      const e = stack.pop()!;
      if (e.kind === "num" || e.kind === "field") continue;
      const key = structuralKey(e);
      if (own.has(key)) continue;
      const cost = nodeCost(dialect, e);
      own.set(key, cost);
      if (cost >= HEAVY) link(key, i);
      if (e.kind === "call") {
        const fam = familyOf(dialect, e);
        if (fam !== undefined) link(`family|${fam}|${structuralKey(e.args[0]!)}|${structuralKey(e.args[1]!)}`, i);
        const sib = siblingsOf(dialect, e.op);
        if (sib.length > 0) link(`sibling|${sib[0]!}${key.slice(e.op.length)}`, i);
      }
      stack.push(...children(e));
    }
  }
  // Clusters and their costs (a node shared inside a cluster is computed once).
  const byRoot = new Map<number, Cluster>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    let c = byRoot.get(r);
    if (c === undefined) {
      c = { members: [], cost: 0 };
      byRoot.set(r, c);
    }
    c.members.push(i);
  }
  const clusters: Cluster[] = [];
  for (const c of byRoot.values()) {
    const seen = new Set<string>();
    let cost = 0;
    for (const i of c.members) {
      cost += PER_EXPRESSION_COST;
      for (const [key, w] of nodes[i]!) {
        if (!seen.has(key)) {
          seen.add(key);
          cost += w;
        }
      }
    }
    c.cost = cost;
    clusters.push(c);
  }
  const total = clusters.reduce((s, c) => s + c.cost, 0);
  // A cluster bigger than a share of one worker is split (some work is then done twice, but no
  // worker is left with a long tail); then clusters are packed, largest first, into tasks of
  // about `target` each so a task is coarse enough to make its message overhead negligible.
  const cap = total / Math.max(1, threads * 2);
  const pieces: Cluster[] = [];
  for (const c of clusters) {
    if (c.cost <= cap || c.members.length === 1) {
      pieces.push(c);
      continue;
    }
    const parts = Math.ceil(c.cost / cap);
    const per = Math.ceil(c.members.length / parts);
    for (let k = 0; k < c.members.length; k += per) {
      const members = c.members.slice(k, k + per);
      pieces.push({ members, cost: (c.cost * members.length) / c.members.length });
    }
  }
  pieces.sort((a, b) => b.cost - a.cost || a.members[0]! - b.members[0]!);
  const target = total / Math.max(1, threads * 8);
  const tasks: number[][] = [];
  let cur: number[] = [];
  let curCost = 0;
  for (const p of pieces) {
    cur.push(...p.members);
    curCost += p.cost;
    if (curCost >= target) {
      tasks.push(cur.sort((a, b) => a - b));
      cur = [];
      curCost = 0;
    }
  }
  if (cur.length > 0) tasks.push(cur.sort((a, b) => a - b));
  return tasks;
}
