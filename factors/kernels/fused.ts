/**
 * Fused element-wise kernels: a tree of element-wise operators (arithmetic, comparisons, logic,
 * Abs/Log/…, conditions) computed in ONE pass over the cells, instead of one pass and one
 * panel-sized temporary per operator. Element-wise work is memory-bound, so a tree like
 * ($close-$open)/($high-$low+1e-12) costs about one pass instead of four.
 *
 * Each tree shape is compiled once (per thread) into a plain loop with `new Function` — the
 * generated code is built only from this file's operator templates and slot numbers, never from
 * user text. Per cell it performs exactly the operations of unaryInto / binaryInto / whereInto
 * in the same order, so results are bit-identical to the unfused evaluation; in the quanta
 * dialect (nanLogic) every operator's non-finite value becomes NaN, as the evaluator does after
 * each node.
 */
import { Binary, Unary, cpow } from "./elementwise.ts";

/** A fused tree: operators over operand slots (an array or a scalar each). */
export type FusedNode =
  | { readonly kind: "slot"; readonly index: number }
  | { readonly kind: "unary"; readonly op: Unary; readonly arg: FusedNode }
  | { readonly kind: "binary"; readonly op: Binary; readonly left: FusedNode; readonly right: FusedNode }
  | { readonly kind: "where"; readonly cond: FusedNode; readonly then: FusedNode; readonly else: FusedNode };

/** The slots come as parameters of their own (s0 / c0, s1 / c1, …) after these. */
type Kernel = (
  out: Float64Array,
  cpow: (x: number, y: number) => number,
  starts: Int32Array,
  ends: Int32Array,
  ...slots: (Float64Array | number)[]
) => void;

/** Cell ranges [starts[r], ends[r]) to compute (see runFused). */
export interface CellRanges {
  readonly starts: Int32Array;
  readonly ends: Int32Array;
}

const compiled = new Map<string, Kernel>();

/** Cells per step of a kernel's loop (see generate). */
const UNROLL = 4;
/** Placeholder for the unrolled cell's suffix in generated names. */
const CELL = "@";

function unaryCode(op: Unary, a: string, nanLogic: boolean): string {
  switch (op) {
    case Unary.Neg: return `-${a}`;
    case Unary.Not: return nanLogic ? `(${a} !== ${a} ? NaN : ${a} === 0 ? 1 : 0)` : `(${a} === 0 ? 1 : 0)`;
    case Unary.Abs: return `Math.abs(${a})`;
    case Unary.Sign: return `Math.sign(${a})`;
    case Unary.Log: return `Math.log(${a})`;
    case Unary.LogPositive: return `(${a} > 0 ? Math.log(${a}) : NaN)`;
    case Unary.Exp: return `Math.exp(${a})`;
    case Unary.Sqrt: return `Math.sqrt(${a})`;
    case Unary.Inv: return `1 / ${a}`;
    case Unary.Floor: return `Math.floor(${a})`;
  }
}

function logicCode(op: Binary, a: string, b: string): string {
  switch (op) {
    case Binary.Gt: return `(${a} > ${b} ? 1 : 0)`;
    case Binary.Ge: return `(${a} >= ${b} ? 1 : 0)`;
    case Binary.Lt: return `(${a} < ${b} ? 1 : 0)`;
    case Binary.Le: return `(${a} <= ${b} ? 1 : 0)`;
    case Binary.Eq: return `(${a} === ${b} ? 1 : 0)`;
    case Binary.Ne: return `(${a} !== ${b} ? 1 : 0)`;
    case Binary.And: return `(${a} !== 0 && ${b} !== 0 ? 1 : 0)`;
    default: return `(${a} !== 0 || ${b} !== 0 ? 1 : 0)`;
  }
}

function binaryCode(op: Binary, a: string, b: string, nanLogic: boolean): string {
  switch (op) {
    case Binary.Add: return `${a} + ${b}`;
    case Binary.Sub: return `${a} - ${b}`;
    case Binary.Mul: return `${a} * ${b}`;
    case Binary.Div: return `${a} / ${b}`;
    case Binary.Max: return `Math.max(${a}, ${b})`;
    case Binary.Min: return `Math.min(${a}, ${b})`;
    case Binary.Pow: return `cpow(${a}, ${b})`;
    default:
      return nanLogic ? `(${a} !== ${a} || ${b} !== ${b} ? NaN : ${logicCode(op, a, b)})` : logicCode(op, a, b);
  }
}

/** Shape key and loop body of a tree (temporaries t0, t1, … in evaluation order). */
function generate(tree: FusedNode, arraySlots: readonly boolean[], nanLogic: boolean): { key: string; body: string; params: string[] } {
  // The cell's code with CELL where a temporary's name takes the unrolled cell's suffix.
  const lines: string[] = [];
  let next = 0;
  const walk = (n: FusedNode): string => {
    switch (n.kind) {
      case "slot":
        return arraySlots[n.index] ? `a${n.index}${CELL}` : `c${n.index}`;
      case "unary": {
        const a = walk(n.arg);
        const t = `t${next++}${CELL}`;
        lines.push(`let ${t} = ${unaryCode(n.op, a, nanLogic)};`);
        if (nanLogic) lines.push(`if (${t} - ${t} !== 0) ${t} = NaN;`);
        return t;
      }
      case "binary": {
        const a = walk(n.left);
        const b = walk(n.right);
        const t = `t${next++}${CELL}`;
        lines.push(`let ${t} = ${binaryCode(n.op, a, b, nanLogic)};`);
        if (nanLogic) lines.push(`if (${t} - ${t} !== 0) ${t} = NaN;`);
        return t;
      }
      case "where": {
        const c = walk(n.cond);
        const a = walk(n.then);
        const b = walk(n.else);
        const t = `t${next++}${CELL}`;
        lines.push(`let ${t} = ${nanLogic ? `(${c} !== ${c} ? NaN : ${c} !== 0 ? ${a} : ${b})` : `(${c} !== 0 ? ${a} : ${b})`};`);
        if (nanLogic) lines.push(`if (${t} - ${t} !== 0) ${t} = NaN;`);
        return t;
      }
    }
  };
  const result = walk(tree);
  // Cell j of an unrolled step: its reads and operations (temporaries suffixed _j), at k + j.
  const cell = (j: number): string[] => {
    const sfx = `_${j}`;
    const at = j === 0 ? "k" : `k + ${j}`;
    const reads: string[] = [];
    arraySlots.forEach((isArray, i) => {
      if (isArray) reads.push(`const a${i}${sfx} = s${i}[${at}];`);
    });
    return [...reads, ...lines.map((l) => l.replaceAll(CELL, sfx))];
  };
  const store = (j: number): string => `out[${j === 0 ? "k" : `k + ${j}`}] = ${result.replaceAll(CELL, `_${j}`)};`;
  const steps = Array.from({ length: UNROLL }, (_, j) => j);
  // UNROLL cells per step, computed first and stored after (a store to one typed array may alias
  // a load from another, so V8 keeps loads after earlier stores: storing last lets the cells'
  // work overlap), then the span's remainder one cell at a time. ~25 % off a pass. Each cell
  // still performs exactly its own operations, so the results are the same bits.
  const body = [
    "for (let r = 0; r < starts.length; r++) {",
    "const end = ends[r];",
    "let k = starts[r];",
    `for (; k + ${UNROLL - 1} < end; k += ${UNROLL}) {`,
    ...steps.flatMap(cell),
    ...steps.map(store),
    "}",
    "for (; k < end; k++) {",
    ...cell(0),
    store(0),
    "}",
    "}",
  ].join("\n");
  // Slots as parameters, not read out of an array before the loop: the kernel's first call runs
  // that prologue before V8 has allocated the function's feedback vector, so the code it is then
  // optimised into (on-stack, mid-loop) deoptimised at the prologue on the second call ("insufficient
  // type feedback"), and each such kernel ran its next pass unoptimised and was compiled twice.
  const params = arraySlots.map((isArray, i) => (isArray ? `s${i}` : `c${i}`));
  return { key: `${nanLogic ? "n" : "p"}|${params.join(",")}|${body}`, body, params };
}

/**
 * out[k] = tree(slots at k) for every k in `cells` (default: every k < out.length; other cells of
 * out are left as they are). Array slots must have out's length and may be `out` itself (every
 * slot is read before out[k] is written); scalar slots are numbers.
 */
export function runFused(
  tree: FusedNode,
  slots: readonly (Float64Array | number)[],
  out: Float64Array,
  nanLogic: boolean,
  cells: CellRanges = { starts: Int32Array.of(0), ends: Int32Array.of(out.length) },
): void {
  const arraySlots = slots.map((s) => typeof s !== "number");
  const { key, body, params } = generate(tree, arraySlots, nanLogic);
  let kernel = compiled.get(key);
  if (kernel === undefined) {
    kernel = new Function("out", "cpow", "starts", "ends", ...params, body) as Kernel;
    compiled.set(key, kernel);
  }
  kernel(out, cpow, cells.starts, cells.ends, ...slots);
}

/**
 * The panel's cells inside the instruments' spans as ranges, adjacent spans merged (an
 * instrument whose series runs to the last date and the next one's from the first make one).
 */
export function spanCells(p: { readonly nInst: number; readonly nDates: number; readonly first: Int32Array; readonly last: Int32Array }): CellRanges {
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < p.nInst; i++) {
    const f = p.first[i]!;
    const l = p.last[i]!;
    if (f > l) continue;
    const s = i * p.nDates + f;
    const e = i * p.nDates + l + 1;
    if (ends.length > 0 && ends[ends.length - 1] === s) ends[ends.length - 1] = e;
    else {
      starts.push(s);
      ends.push(e);
    }
  }
  return { starts: Int32Array.from(starts), ends: Int32Array.from(ends) };
}
