/**
 * How a batch of expressions is cut into pool tasks. A worker evaluates one task's expressions
 * together, sharing their common sub-expressions (and family / sibling kernel passes), so
 * expressions that share an expensive window computation — Quantile(x,n,.8), Quantile(x,n,.2)
 * and Rank(x,n); Slope / Rsquare / Resi; Max / Min / RSV of a window — must land in the same
 * task. Cheap shared nodes (element-wise, Ref) are recomputed in each task that needs them.
 *
 * Balance: clusters of linked expressions get an estimated cost (distinct nodes weighted by
 * operator, plus the per-expression IC or copy-out cost), are sorted largest first and packed into
 * tasks that shrink as the queue drains (longest processing time first), so the last tasks to run
 * are the small ones and both threads finish together. The queue has two ends: the calling thread
 * takes from the front, the workers from the back, and each end holds different kernels, so a
 * kernel is mostly compiled and run on one thread (Alpha158, 2 threads: ~4 % less CPU, 2–4 % less
 * wall time, medians of 16 interleaved runs). Inside a task, expressions are ordered so that what
 * they share is used up soon after it is computed (sharingOrder).
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
 * Tasks for `threads` workers: lists of expression indices, the front end's tasks largest first,
 * then the back end's smallest first (the back is taken from the end of the list, largest first).
 * Expressions that do not parse get a task of their own, where the worker reports the error
 * exactly as it would have.
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
  // The operator of each call node, by key (kernelRank sorts pieces by it).
  const opOf = new Map<string, string>();
  // Per expression, what it may share with others: its nodes, and its family / sibling passes.
  const shares: Set<string>[] = [];
  for (let i = 0; i < n; i++) {
    const own = new Map<string, number>();
    nodes.push(own);
    const share = new Set<string>();
    shares.push(share);
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
      share.add(key);
      if (cost >= HEAVY) link(key, i);
      if (e.kind === "call") {
        opOf.set(key, e.op);
        const fam = familyOf(dialect, e);
        if (fam !== undefined) {
          const fk = `family|${fam}|${structuralKey(e.args[0]!)}|${structuralKey(e.args[1]!)}`;
          link(fk, i);
          share.add(fk);
        }
        const sib = siblingsOf(dialect, e.op);
        if (sib.length > 0) {
          const sk = `sibling|${sib[0]!}${key.slice(e.op.length)}`;
          link(sk, i);
          share.add(sk);
        }
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
  // Two ends (runSharedQueue: the calling thread takes tasks from the front, the workers from the
  // back): the pieces are ordered by the kernel their cost is mostly in (KERNEL_ORDER) and cut
  // where the calling thread's share (1 of `threads`) ends, so each kernel runs mostly on one
  // thread — compiled by V8 there only and kept hot in that thread's caches — and each end is
  // packed largest first from its end.
  const byKernel = pieces.map((p) => ({ p, r: kernelRank(p.members, nodes, opOf) })).sort((a, b) => a.r - b.r || b.p.cost - a.p.cost || a.p.members[0]! - b.p.members[0]!);
  const front: Cluster[] = [];
  const back: Cluster[] = [];
  let acc = 0;
  const w = Math.max(1, threads);
  for (const { p } of byKernel) {
    (acc + p.cost / 2 <= total / w ? front : back).push(p);
    acc += p.cost;
  }
  const frontTasks = packTasks(front, total, w, 1, shares);
  const backTasks = packTasks(back, total, w, Math.max(1, w - 1), shares);
  return [...frontTasks, ...backTasks.reverse()];
}

/**
 * The kernels in the order the two ends share them out: the front half (window extremes, sorted
 * windows, regressions, sums), then the back half (moments, co-moments), then anything else and
 * element-wise work. Ops not listed come after them, by name.
 */
const KERNEL_ORDER: readonly string[] = [
  "Max", "Min", "IdxMax", "IdxMin", "TS_MAX", "TS_MIN", "TS_ARGMAX", "TS_ARGMIN", "HIGHDAY", "LOWDAY",
  "Quantile", "Rank", "Med", "TS_QUANTILE", "TS_RANK", "TS_MEDIAN", "PERCENTILE", "TS_MAD",
  "Slope", "Rsquare", "Resi", "REGBETA", "REGRESI",
  "Sum", "TS_SUM",
  "Mean", "Std", "Var", "TS_MEAN", "TS_STD", "TS_VAR",
  "Corr", "Cov", "TS_CORR", "TS_COVARIANCE",
];

/** Where a piece sorts in KERNEL_ORDER: by the operator that carries most of its node cost. */
function kernelRank(members: readonly number[], nodes: readonly Map<string, number>[], opOf: ReadonlyMap<string, string>): number {
  const byOp = new Map<string, number>();
  const seen = new Set<string>();
  for (const i of members) {
    for (const [key, cost] of nodes[i]!) {
      const op = opOf.get(key);
      if (op === undefined || cost < HEAVY || seen.has(key)) continue; // element-wise, Ref: no kernel of note
      seen.add(key);
      byOp.set(op, (byOp.get(op) ?? 0) + cost);
    }
  }
  let best = "";
  let bestCost = 0;
  for (const [op, cost] of byOp) if (cost > bestCost || (cost === bestCost && op < best)) [best, bestCost] = [op, cost];
  if (best === "") return KERNEL_ORDER.length + 1e6; // element-wise only: last
  const k = KERNEL_ORDER.indexOf(best);
  return k >= 0 ? k : KERNEL_ORDER.length + best.charCodeAt(0);
}

/**
 * One end's pieces packed into tasks for its `takers` threads, largest first. Tasks shrink as the
 * end drains: the first ones are coarse (a fraction of what is left per taker), the last ones
 * small, so when one thread takes the last task the others are never left waiting for long. The
 * floor, 1/48 of a thread's share (Alpha158: ~30 ms), cut the wait at the end from 33–53 ms to
 * 4–18 ms (with 1/16: ~100 ms tasks).
 */
function packTasks(pieces: Cluster[], total: number, threads: number, takers: number, shares: readonly Set<string>[]): number[][] {
  pieces.sort((a, b) => b.cost - a.cost || a.members[0]! - b.members[0]!);
  const tasks: number[][] = [];
  let cur: number[] = [];
  let curCost = 0;
  let remaining = pieces.reduce((s, p) => s + p.cost, 0);
  for (const p of pieces) {
    cur.push(...p.members);
    curCost += p.cost;
    if (curCost >= Math.max(total / (threads * 48), remaining / (takers * 4))) {
      tasks.push(sharingOrder(cur, shares));
      remaining -= curCost;
      cur = [];
      curCost = 0;
    }
  }
  if (cur.length > 0) tasks.push(sharingOrder(cur, shares));
  return tasks;
}

/**
 * The order to evaluate a task's expressions in: each next one is the one that uses the most of
 * what earlier ones computed and later ones still need (ties: source order). The evaluator keeps
 * a shared value — a sub-expression, a family or sibling output filled in the same pass — until
 * its last use, so consuming them soon after they are computed keeps fewer panel-sized buffers
 * alive (Alpha158 in source order computes BETA5…60 first, holding all of RSQR and RESI until
 * they come up; this order takes BETA5, RSQR5, RESI5, BETA10, …). Every buffer a worker holds at
 * once is fresh memory it has to fault in, and the fewer there are the more stay in cache.
 */
function sharingOrder(task: readonly number[], shares: readonly Set<string>[]): number[] {
  const left = [...task].sort((a, b) => a - b);
  const uses = new Map<string, number>();
  for (const i of left) for (const k of shares[i]!) uses.set(k, (uses.get(k) ?? 0) + 1);
  const live = new Set<string>();
  const out: number[] = [];
  while (left.length > 0) {
    let best = 0;
    let bestScore = -1;
    for (let j = 0; j < left.length; j++) {
      let score = 0;
      for (const k of shares[left[j]!]!) if (live.has(k)) score++;
      if (score > bestScore) {
        bestScore = score;
        best = j;
      }
    }
    const i = left.splice(best, 1)[0]!;
    out.push(i);
    for (const k of shares[i]!) {
      const u = uses.get(k)! - 1;
      uses.set(k, u);
      if (u > 0) live.add(k);
      else live.delete(k);
    }
  }
  return out;
}
