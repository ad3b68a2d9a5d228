/**
 * The evaluator: computes parsed expressions on a Panel, one instrument-major
 * Float64Array per expression (NaN outside each instrument's span; every
 * non-finite final value is NaN).
 *
 * Batches share work: every sub-expression is keyed by its canonical form
 * (`structuralKey`, the printed form up to the operand order of commutative
 * operators); a batch is first walked to count how often each key will be
 * requested, a computed value is kept only while requests remain and is freed
 * after its last use, so memory stays bounded (Alpha158: ~160 factors, a few
 * dozen live buffers). Freed buffers go to a pool and are reused, so a batch
 * allocates little once warm. Multi-output kernels (Slope/Rsquare/Resi,
 * REGBETA/REGRESI) fill the siblings the batch will ask for in the same pass.
 *
 * Node rules (shared/reference/README.md): cells outside the spans are NaN after
 * every node; in the quanta dialect every node's non-finite value becomes NaN;
 * `$return` = close / close[t−1] − 1 on the grid (NaN on the first day and after
 * a missing day). A field the panel lacks is a FieldError naming it.
 */
import type { CallNode, Dialect, Expr } from "./ast.ts";
import { FieldError } from "./errors.ts";
import { fieldsOf } from "./fields.ts";
import { elementwiseOp, familyOf, forEachSpan, operatorImpl, siblingsOf, unaryValue, binaryValue, whereValue } from "./kernels/dispatch.ts";
import type { ElementwiseOp, FamilyMember, OpEnv, Value } from "./kernels/dispatch.ts";
import { runFused, spanCells, type CellRanges, type FusedNode } from "./kernels/fused.ts";
import { Binary, Unary } from "./kernels/elementwise.ts";
import { Scratch } from "./kernels/scratch.ts";
import type { Panel } from "./panel.ts";
import { structuralKey } from "./printer.ts";
import { callCategory, lookupOp } from "./registry.ts";
import type { Literal } from "./validate.ts";
import { literalOf, validateExpr } from "./validate.ts";

export type { Value } from "./kernels/dispatch.ts";

export interface EvaluateOptions {
  /** Share sub-expressions across the batch (default true). */
  readonly cache?: boolean;
  /** Filled with milliseconds per operator tag (self time, children excluded); accumulates across calls. */
  readonly profile?: Map<string, number>;
  /** Accept negative shifts (look-ahead): only for label definitions. */
  readonly allowFuture?: boolean;
}

/** Evaluates a batch: one instrument-major array per expression, in order. */
export function evaluateFactors(
  panel: Panel,
  exprs: readonly Expr[],
  dialect: Dialect,
  opts: EvaluateOptions = {},
): Float64Array[] {
  return new Evaluator(panel, dialect, opts).evaluate(exprs);
}

/** Evaluates one expression. */
export function evaluateOne(panel: Panel, expr: Expr, dialect: Dialect, opts: EvaluateOptions = {}): Float64Array {
  return new Evaluator(panel, dialect, opts).evaluate([expr])[0]!;
}

const BINARY_OPS: Readonly<Record<string, Binary>> = {
  "+": Binary.Add,
  "-": Binary.Sub,
  "*": Binary.Mul,
  "/": Binary.Div,
  ">": Binary.Gt,
  ">=": Binary.Ge,
  "<": Binary.Lt,
  "<=": Binary.Le,
  "==": Binary.Eq,
  "!=": Binary.Ne,
  "&&": Binary.And,
  "||": Binary.Or,
};

/** A node's value and whether the caller owns it (may recycle it once used). */
interface Result {
  readonly v: Value;
  readonly temp: boolean;
}

const derivedReturns = new WeakMap<Panel, Float64Array>();

/** `$return` = close / close[t−1] − 1 on the calendar grid; NaN on each span's first day, after a gap, and where non-finite. */
export function derivedReturn(panel: Panel): Float64Array {
  const hit = derivedReturns.get(panel);
  if (hit !== undefined) return hit;
  const close = panel.fields.get("close");
  if (close === undefined) throw new FieldError(missingFieldMessage(panel, "return"));
  const r = new Float64Array(panel.nInst * panel.nDates).fill(NaN);
  forEachSpan(panel, (s, e) => {
    for (let t = s + 1; t < e; t++) {
      const v = close[t]! / close[t - 1]! - 1;
      r[t] = v - v === 0 ? v : NaN;
    }
  });
  derivedReturns.set(panel, r);
  return r;
}

/** Field names an expression may use on this panel (without `$`): the panel's fields plus `return` if it has close. */
export function availableFields(panel: Panel): string[] {
  const names = [...panel.fields.keys()];
  if (panel.fields.has("close") && !panel.fields.has("return")) names.push("return");
  return names.sort();
}

function missingFieldMessage(panel: Panel, name: string): string {
  return `field $${name} is not in the data (available: ${availableFields(panel).map((f) => `$${f}`).join(", ")})`;
}

/** Throws FieldError for the first field an expression names that the panel lacks. */
export function checkFields(panel: Panel, exprs: readonly Expr[]): void {
  const have = new Set(availableFields(panel));
  for (const e of exprs) {
    for (const f of [...fieldsOf(e)].sort()) {
      if (!have.has(f)) throw new FieldError(missingFieldMessage(panel, f));
    }
  }
}

/**
 * Lower-level entry: one Evaluator per (panel, dialect); `evaluate` runs a batch
 * with sharing inside it, `stream` hands each result to a callback and recycles
 * its buffer afterwards (bounded memory for large batches).
 */
export class Evaluator {
  private readonly size: number;
  private readonly quanta: boolean;
  private readonly caching: boolean;
  private readonly scratch = new Scratch();
  /** The panel's in-span cells, for fused element-wise passes (made on first use). */
  private cells: CellRanges | undefined;
  private readonly pool: Float64Array[] = [];
  /** Buffers this evaluator allocated (only those may be recycled). */
  private readonly owned = new WeakSet<Float64Array>();
  private readonly keys = new WeakMap<Expr, string>();
  private readonly cache = new Map<string, Value>();
  private remaining = new Map<string, number>();
  /** Cached buffers past their last use, recycled once the current expression is finished. */
  private readonly retired: Float64Array[] = [];
  /** Family key (see familyOf) → the batch's calls of that family, by key. */
  private families = new Map<string, Map<string, CallNode>>();

  constructor(
    readonly panel: Panel,
    readonly dialect: Dialect,
    private readonly opts: EvaluateOptions = {},
  ) {
    this.size = panel.nInst * panel.nDates;
    this.quanta = dialect === "quanta";
    this.caching = opts.cache ?? true;
  }

  /** Evaluates a batch; the returned arrays belong to the caller. */
  evaluate(exprs: readonly Expr[]): Float64Array[] {
    const out: Float64Array[] = [];
    this.stream(exprs, (_i, values) => {
      this.owned.delete(values); // escapes: never recycled
      out.push(values);
    });
    return out;
  }

  /**
   * Evaluates a batch, calling `onResult(i, values)` for each expression in order.
   * `values` is valid only during the callback (copy it to keep it).
   *
   * `raw`: for a consumer that reads only cells inside the spans and takes every non-finite
   * value as missing (the IC). Values are handed over as computed — ±Infinity may remain, cells
   * outside the spans are unspecified, and the array may be one the batch still uses (read it
   * only) — which saves a pass over every result (and a copy when the result is shared).
   */
  stream(exprs: readonly Expr[], onResult: (index: number, values: Float64Array) => void, opts: { raw?: boolean } = {}): void {
    for (const e of exprs) validateExpr(e, this.dialect, "", { allowFuture: this.opts.allowFuture ?? false });
    checkFields(this.panel, exprs);
    this.families = new Map();
    this.remaining = this.caching ? this.countRequests(exprs) : new Map();
    this.cache.clear();
    exprs.forEach((e, i) => {
      const r = this.ev(e);
      if (opts.raw === true) {
        const own = typeof r.v === "number" || (r.temp && this.owned.has(r.v));
        const values = typeof r.v === "number" ? this.broadcast(r.v) : r.v;
        onResult(i, values);
        if (own) this.release(values);
      } else {
        const values = this.finalValues(r);
        onResult(i, values);
        this.release(values);
      }
      for (const b of this.retired) this.release(b);
      this.retired.length = 0;
    });
    this.cache.clear();
  }

  // ------------------------------------------------------------------------------------------
  // batch planning

  private keyOf(e: Expr): string {
    let k = this.keys.get(e);
    if (k === undefined) {
      k = structuralKey(e);
      this.keys.set(e, k);
    }
    return k;
  }

  /** Family key of a call (family name, first argument, window), or undefined. */
  private familyKey(e: CallNode): string | undefined {
    const fam = familyOf(this.dialect, e);
    return fam === undefined ? undefined : `${fam}|${this.keyOf(e.args[0]!)}|${this.keyOf(e.args[1]!)}`;
  }

  /** Children the evaluator evaluates: not literal parameters, not SEQUENCE (REGBETA/REGRESI read it). */
  private evalChildren(e: Expr): readonly Expr[] {
    switch (e.kind) {
      case "num":
      case "field":
        return [];
      case "unary":
        return [e.arg];
      case "binary":
        return [e.left, e.right];
      case "cond":
        return [e.cond, e.then, e.else];
      case "call": {
        const params = lookupOp(this.dialect, e.op)?.params ?? {};
        return e.args.filter((a, i) => !(i in params) && !(a.kind === "call" && a.op === "SEQUENCE"));
      }
    }
  }

  /**
   * How many times each key will be requested when the batch is evaluated in
   * order with caching: a key computed once is served from the cache afterwards
   * (its subtree is not walked again), and so are the siblings its kernel fills.
   */
  private countRequests(exprs: readonly Expr[]): Map<string, number> {
    const uses = new Map<string, number>();
    const seen = new Set<string>();
    const visit = (e: Expr): void => {
      if (e.kind === "num" || e.kind === "field") return;
      const k = this.keyOf(e);
      uses.set(k, (uses.get(k) ?? 0) + 1);
      if (seen.has(k)) return;
      seen.add(k);
      const fam = e.kind === "call" ? this.familyKey(e) : undefined;
      if (fam !== undefined) {
        // The family's first call computes every member the batch asks for: later members
        // are served from the cache, so their arguments are not requested again.
        const members = this.families.get(fam);
        if (members !== undefined) {
          members.set(k, e as CallNode);
          return;
        }
        this.families.set(fam, new Map([[k, e as CallNode]]));
      }
      for (const c of this.evalChildren(e)) visit(c);
      if (e.kind === "call") for (const op of siblingsOf(this.dialect, e.op)) seen.add(siblingKey(k, e.op, op));
    };
    for (const e of exprs) visit(e);
    return uses;
  }

  // ------------------------------------------------------------------------------------------
  // buffers

  private alloc(): Float64Array {
    const b = this.pool.pop() ?? new Float64Array(this.size);
    this.owned.add(b);
    return b;
  }

  private release(v: Value): void {
    if (typeof v !== "number" && this.owned.has(v)) this.pool.push(v);
  }

  /** A scalar broadcast over the spans (NaN elsewhere). */
  private broadcast(x: number): Float64Array {
    const out = this.alloc();
    out.fill(NaN);
    forEachSpan(this.panel, (s, e) => out.fill(x, s, e));
    return out;
  }

  /**
   * NaN outside the spans; quanta: non-finite → NaN inside too. In the quanta dialect after every
   * node (its operators see NaN for any non-finite value, and its cross-sectional ones read whole
   * dates); in the qlib dialect only on final values: every qlib kernel reads and writes its
   * instruments' spans only (the convention of kernels/moments.ts — a cut panel's clipped spans
   * rely on it too), so what lies outside them in an intermediate buffer is never read, and
   * masking it after each node was a wasted pass over ~15% of the cells on a cut panel.
   */
  private finish(out: Float64Array, quanta: boolean): void {
    const T = this.panel.nDates;
    let prevEnd = 0;
    forEachSpan(this.panel, (s, e) => {
      if (s > prevEnd) out.fill(NaN, prevEnd, s);
      if (quanta) {
        for (let k = s; k < e; k++) {
          const v = out[k]!;
          if (v - v !== 0) out[k] = NaN;
        }
      }
      prevEnd = e;
    });
    if (prevEnd < this.panel.nInst * T) out.fill(NaN, prevEnd);
  }

  /** The caller's copy of a final value: masked, non-finite → NaN, never shared with the cache or the panel. */
  private finalValues(r: Result): Float64Array {
    let out: Float64Array;
    if (typeof r.v === "number") {
      out = this.broadcast(r.v);
    } else if (r.temp && this.owned.has(r.v)) {
      out = r.v;
    } else {
      out = this.alloc();
      out.set(r.v);
    }
    this.finish(out, true);
    return out;
  }

  // ------------------------------------------------------------------------------------------
  // evaluation

  private field(name: string): Float64Array {
    const f = this.panel.fields.get(name);
    if (f !== undefined) return f;
    if (name === "return") return derivedReturn(this.panel);
    throw new FieldError(missingFieldMessage(this.panel, name));
  }

  private ev(e: Expr): Result {
    if (e.kind === "num") return { v: e.value, temp: false };
    if (e.kind === "field") return { v: this.field(e.name), temp: false };
    let key = "";
    let left = 0;
    if (this.caching) {
      key = this.keyOf(e);
      left = (this.remaining.get(key) ?? 1) - 1;
      this.remaining.set(key, left);
      const hit = this.cache.get(key);
      if (hit !== undefined) {
        // Never hand a cached buffer out as a temporary, not even on its last use: an earlier
        // operand of the same parent may still hold it (`RANK($v) + -RANK($v)`), and an in-place
        // operator would overwrite it. After its last use the GC reclaims it.
        if (left <= 0) {
          this.cache.delete(key);
          // ...but once the whole expression is done nothing holds it: recycle it then.
          if (typeof hit !== "number") this.retired.push(hit);
        }
        return { v: hit, temp: false };
      }
    }
    // Element-wise trees run fused (one pass, no temporaries); the profile keeps per-operator times.
    if (!this.opts.profile && this.fusedOp(e) !== undefined) return this.evFused(e, key, left);
    const kids = this.evalChildren(e).map((c) => this.ev(c));
    const t0 = this.opts.profile ? performance.now() : 0;
    const temps: Float64Array[] = [];
    const adopted: [string, Float64Array][] = [];
    const familyTags: string[] = [];
    let own: Float64Array | undefined;
    // Element-wise loops may write over an operand: a child's temporary buffer is reused
    // as the output (less memory traffic). Window kernels never get an aliased output.
    const donated = this.elementwise(e) ? kids.flatMap((r) => (r.temp && typeof r.v !== "number" && this.owned.has(r.v) ? [r.v] : [])) : [];
    const env: OpEnv = {
      panel: this.panel,
      dialect: this.dialect,
      nanLogic: this.quanta,
      scratch: this.scratch,
      alloc: () => donated.pop() ?? this.alloc(),
      array: (v) => {
        if (typeof v !== "number") return v;
        const b = this.broadcast(v);
        temps.push(b);
        return b;
      },
      familyMembers: () => {
        const members: FamilyMember[] = [];
        const fam = this.caching && e.kind === "call" ? this.familyKey(e) : undefined;
        for (const [mk, node] of (fam !== undefined ? this.families.get(fam) : undefined) ?? []) {
          if (mk === key || (this.remaining.get(mk) ?? 0) <= 0 || this.cache.has(mk)) continue;
          const b = this.alloc();
          adopted.push([mk, b]);
          members.push({ node, out: b });
          familyTags.push(node.op);
        }
        return members;
      },
      sibling: (op) => {
        if (e.kind === "call" && op === e.op) {
          own ??= this.alloc();
          return own;
        }
        if (!this.caching || e.kind !== "call") return undefined;
        const sk = siblingKey(key, e.op, op);
        if ((this.remaining.get(sk) ?? 0) <= 0 || this.cache.has(sk)) return undefined;
        const b = this.alloc();
        adopted.push([sk, b]);
        return b;
      },
    };
    const vals = kids.map((r) => r.v);
    let v: Value;
    switch (e.kind) {
      case "unary":
        v = unaryValue(env, e.op === "-" ? Unary.Neg : Unary.Not, vals[0]!);
        break;
      case "binary":
        v = binaryValue(env, BINARY_OPS[e.op]!, vals[0]!, vals[1]!);
        break;
      case "cond":
        v = whereValue(env, vals[0]!, vals[1]!, vals[2]!);
        break;
      case "call":
        v = this.call(env, e, vals);
        break;
    }
    if (typeof v === "number") {
      if (this.quanta && v - v !== 0) v = NaN;
    } else if (this.quanta) {
      this.finish(v, true);
    }
    for (const [sk, b] of adopted) {
      if (this.quanta) this.finish(b, true);
      this.cache.set(sk, b);
    }
    for (const b of temps) this.release(b);
    for (const r of kids) if (r.temp && r.v !== v) this.release(r.v);
    if (this.opts.profile) {
      const tag = e.kind === "call" ? e.op : e.kind === "unary" ? (e.op === "-" ? "neg" : "!") : e.kind === "binary" ? e.op : "?:";
      // A family pass is shared evenly by the operators it computed.
      const tags = [tag, ...familyTags];
      const ms = (performance.now() - t0) / tags.length;
      for (const op of tags) this.opts.profile.set(op, (this.opts.profile.get(op) ?? 0) + ms);
    }
    if (this.caching && left > 0) {
      this.cache.set(key, v);
      return { v, temp: false };
    }
    return { v, temp: true };
  }

  /** The fused-tree operator of an element-wise node, or undefined. */
  private fusedOp(e: Expr): ElementwiseOp | undefined {
    switch (e.kind) {
      case "num":
      case "field":
        return undefined;
      case "unary":
        return { kind: "unary", op: e.op === "-" ? Unary.Neg : Unary.Not };
      case "binary":
        return { kind: "binary", op: BINARY_OPS[e.op]! };
      case "cond":
        return { kind: "where" };
      case "call":
        return elementwiseOp(this.dialect, e);
    }
  }

  /**
   * Evaluates the element-wise node e (already counted as requested, `left` uses remaining) and,
   * inlined into the same pass, every element-wise descendant requested only here; the other
   * operands (fields, literals, window operators, shared nodes) are evaluated as usual, in the
   * same order as without fusion.
   */
  private evFused(e: Expr, key: string, left: number): Result {
    const slots: Result[] = [];
    const tree = this.fuseTree(e, slots);
    const vals = slots.map((r) => r.v);
    let v: Value;
    if (vals.every((x) => typeof x === "number")) {
      const one = new Float64Array(1);
      runFused(tree, vals, one, this.quanta);
      v = one[0]!;
      if (this.quanta && v - v !== 0) v = NaN;
    } else {
      // The output may be an operand's temporary: the loop reads every operand of a cell first.
      let out: Float64Array | undefined;
      for (const r of slots) {
        if (r.temp && typeof r.v !== "number" && this.owned.has(r.v)) {
          out = r.v;
          break;
        }
      }
      out ??= this.alloc();
      // Only the cells inside the spans: no kernel reads the others, finish() masks them.
      this.cells ??= spanCells(this.panel);
      runFused(tree, vals, out, this.quanta, this.cells);
      if (this.quanta) this.finish(out, true);
      v = out;
    }
    for (const r of slots) if (r.temp && r.v !== v) this.release(r.v);
    if (this.caching && left > 0) {
      this.cache.set(key, v);
      return { v, temp: false };
    }
    return { v, temp: true };
  }

  private fuseTree(e: Expr, slots: Result[]): FusedNode {
    const op = this.fusedOp(e)!;
    const args = this.evalChildren(e).map((c): FusedNode => {
      if (this.inlinable(c)) {
        if (this.caching) this.remaining.set(this.keyOf(c), 0);
        return this.fuseTree(c, slots);
      }
      slots.push(this.ev(c));
      return { kind: "slot", index: slots.length - 1 };
    });
    switch (op.kind) {
      case "unary":
        return { kind: "unary", op: op.op, arg: args[0]! };
      case "binary":
        return { kind: "binary", op: op.op, left: args[0]!, right: args[1]! };
      case "where":
        return { kind: "where", cond: args[0]!, then: args[1]!, else: args[2]! };
    }
  }

  /** An element-wise node requested only by its parent here (so never cached): fused into it. */
  private inlinable(c: Expr): boolean {
    if (this.fusedOp(c) === undefined) return false;
    if (!this.caching) return true;
    const k = this.keyOf(c);
    return this.remaining.get(k) === 1 && !this.cache.has(k);
  }

  /**
   * Operators computed in ONE element-wise pass (out[k] from the operands' cell k only), so
   * the output may alias an operand: the syntax nodes and element-wise calls, except the
   * 3-argument MAX/MIN, which take two passes.
   */
  private elementwise(e: Expr): boolean {
    if (e.kind !== "call") return e.kind !== "num" && e.kind !== "field";
    const spec = lookupOp(this.dialect, e.op);
    if (spec === undefined || callCategory(spec, e.args.length) !== "elem") return false;
    return e.args.length <= 2 || spec.operatorForm === "?:";
  }

  private call(env: OpEnv, e: CallNode, kidVals: readonly Value[]): Value {
    const impl = operatorImpl(this.dialect, e.op);
    if (impl === undefined) throw new Error(`internal: no implementation of ${e.op} in the ${this.dialect} dialect`);
    const params = lookupOp(this.dialect, e.op)?.params ?? {};
    // Arguments by position: evaluated children in their slots, literal parameters in `lits`.
    const vals: Value[] = [];
    const lits: (Literal | undefined)[] = [];
    let next = 0;
    e.args.forEach((a, i) => {
      if (i in params) {
        lits[i] = literalOf(a);
        vals[i] = lits[i]?.value ?? NaN;
      } else if (a.kind === "call" && a.op === "SEQUENCE") {
        vals[i] = NaN;
      } else {
        vals[i] = kidVals[next++]!;
      }
    });
    return impl(env, vals, lits, e);
  }
}

/** Key of `op` applied to the same arguments as the call keyed `key` (whose operator is `ownOp`). */
function siblingKey(key: string, ownOp: string, op: string): string {
  return op + key.slice(ownOp.length);
}
