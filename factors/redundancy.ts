/**
 * Structural redundancy (DESIGN.md §3): the largest subtree two expressions
 * share, counted in AST nodes. Subtrees are hash-consed bottom-up: each
 * distinct canonical subtree gets a small integer id whose key is built from
 * its children's ids, so a zoo of thousands of factors is indexed once and a
 * candidate is checked in time linear in its own size.
 *
 * Canonical form, i.e. what counts as "the same subtree":
 * - positions are ignored, numbers compare by value (`5` matches `5.0`);
 * - operands of commutative operators match in either order: `+ * == != && ||`,
 *   their call aliases (ADD MULTIPLY EQ NE AND OR, qlib Add Mul Eq Ne And Or)
 *   and element-wise MAX/MIN/Greater/Less;
 * - call aliases of syntax are that syntax (`ADD(a,b)` ≡ `a+b`, `If(c,a,b)` ≡ `c?a:b`);
 * - with `crossDialect` (the default), a qlib name stands for its quanta
 *   counterpart (`Mean` ≡ `TS_MEAN`, `Ref` ≡ `DELAY`), because the zoo mixes
 *   Alpha158 (qlib dialect) with mined factors (quanta dialect).
 */
import type { Expr } from "./ast.ts";
import { printExpr } from "./printer.ts";
import { lookupOp } from "./registry.ts";

export interface RedundancyOptions {
  /** Treat a qlib operator and its quanta counterpart as the same operator. Default true. */
  readonly crossDialect?: boolean;
}

export interface Overlap {
  /** Node count of the largest shared subtree (0 when nothing is shared or the zoo is empty). */
  readonly size: number;
  /** Name of the (first added) zoo factor containing it; "" when size is 0. */
  readonly with: string;
  /** The shared subtree as printed from the queried expression; "" when size is 0. */
  readonly subtree: string;
}

const COMMUTATIVE_BINARY = new Set(["+", "*", "==", "!=", "&&", "||"]);
/** Element-wise calls whose arguments may be permuted (once aliases are resolved). */
const SYMMETRIC_CALLS = new Set(["MAX", "MIN", "Greater", "Less"]);

/** A zoo of expressions indexed by their canonical subtrees. */
export class SubtreeIndex {
  private readonly ids = new Map<string, number>();
  private readonly sizes: number[] = [];
  private readonly owners: string[] = [];
  private readonly crossDialect: boolean;
  private count = 0;

  constructor(opts: RedundancyOptions = {}) {
    this.crossDialect = opts.crossDialect ?? true;
  }

  /** Number of expressions added. */
  get factorCount(): number {
    return this.count;
  }

  /** Adds every subtree of `e`, remembered as coming from `name` unless an earlier factor had it. */
  add(e: Expr, name: string): void {
    this.count++;
    this.walk(e, (key, size) => {
      let id = this.ids.get(key);
      if (id === undefined) {
        id = this.sizes.length;
        this.ids.set(key, id);
        this.sizes.push(size);
        this.owners.push(name);
      }
      return id;
    });
  }

  /** The largest subtree of `e` that also occurs in some zoo expression. */
  maxOverlap(e: Expr): Overlap {
    let best: { size: number; id: number; node: Expr } | undefined;
    this.walk(e, (key, size, node) => {
      const id = this.ids.get(key);
      if (id !== undefined && (!best || size > best.size)) best = { size, id, node };
      return id;
    });
    if (!best) return { size: 0, with: "", subtree: "" };
    return { size: best.size, with: this.owners[best.id] as string, subtree: printExpr(best.node) };
  }

  /**
   * Post-order walk computing each subtree's canonical key from its children's ids.
   * `visit` returns the id for the key, or undefined when unknown; a node with an
   * unknown child cannot be known either, so it is skipped.
   */
  private walk(root: Expr, visit: (key: string, size: number, node: Expr) => number | undefined): void {
    const rec = (e: Expr): { id: number | undefined; size: number } => {
      let head: string;
      let kids: readonly Expr[];
      let symmetric = false;
      switch (e.kind) {
        case "num":
          return this.leaf(`n${e.value === 0 ? 0 : e.value}`, e, visit);
        case "field":
          return this.leaf(`$${e.name}`, e, visit);
        case "unary":
          head = `u${e.op}`;
          kids = [e.arg];
          break;
        case "binary":
          head = `b${e.op}`;
          kids = [e.left, e.right];
          symmetric = COMMUTATIVE_BINARY.has(e.op);
          break;
        case "cond":
          head = "?";
          kids = [e.cond, e.then, e.else];
          break;
        case "call": {
          const name = this.opName(e.op);
          const form = (lookupOp("quanta", name) ?? lookupOp("qlib", name))?.operatorForm;
          kids = e.args;
          if (form === "?:") head = "?";
          else if (form === "!") head = "u!";
          else if (form) {
            head = `b${form}`;
            symmetric = COMMUTATIVE_BINARY.has(form);
          } else {
            head = `c${name}`;
            symmetric = SYMMETRIC_CALLS.has(name) && kids.length > 1;
          }
          break;
        }
      }
      let size = 1;
      let known = true;
      const childIds: number[] = [];
      for (const k of kids) {
        const r = rec(k);
        size += r.size;
        if (r.id === undefined) known = false;
        else childIds.push(r.id);
      }
      if (!known) return { id: undefined, size };
      if (symmetric) childIds.sort((a, b) => a - b);
      return { id: visit(`${head}(${childIds.join(",")})`, size, e), size };
    };
    rec(root);
  }

  private leaf(key: string, e: Expr, visit: (key: string, size: number, node: Expr) => number | undefined) {
    return { id: visit(key, 1, e), size: 1 };
  }

  /** The name an operator is indexed under (qlib names map to their quanta counterparts). */
  private opName(op: string): string {
    if (!this.crossDialect || lookupOp("quanta", op)) return op;
    return lookupOp("qlib", op)?.counterpart ?? op;
  }
}

/** Node count of the largest subtree shared by `a` and `b` (see SubtreeIndex for what matches). */
export function largestCommonSubtree(a: Expr, b: Expr, opts: RedundancyOptions = {}): number {
  const index = new SubtreeIndex(opts);
  index.add(b, "b");
  return index.maxOverlap(a).size;
}
