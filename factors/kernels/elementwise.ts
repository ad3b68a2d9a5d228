/**
 * Element-wise operators over whole arrays (the evaluator masks cells outside
 * each instrument's span afterwards). An operand is an array or a scalar held in
 * a 1-element array: loops index `a[k & ma]` with ma = 0 for a scalar and −1 for
 * a full array, so one tight loop per operator serves every combination.
 *
 * Dialect rules (shared/reference/README.md):
 * - arithmetic is IEEE/numpy in both dialects (x/0 = ±inf, 0/0 = NaN); the quanta
 *   evaluator then maps every non-finite node value to NaN (`finiteOrNaN`);
 * - `nanLogic` = false (qlib, numpy): a NaN operand compares false, NaN is truthy
 *   in && || ! and in a condition (If takes `a`);
 * - `nanLogic` = true (quanta): a comparison, && || !, or a condition with a NaN
 *   operand gives NaN.
 */

export const Unary = {
  Neg: 0,
  Not: 1,
  Abs: 2,
  Sign: 3,
  /** natural log, numpy: 0 → −inf, < 0 → NaN (qlib Log) */
  Log: 4,
  /** natural log, ≤ 0 → NaN (quanta LOG) */
  LogPositive: 5,
  Exp: 6,
  Sqrt: 7,
  Inv: 8,
  Floor: 9,
} as const;
export type Unary = (typeof Unary)[keyof typeof Unary];

export const Binary = {
  Add: 0,
  Sub: 1,
  Mul: 2,
  Div: 3,
  Gt: 4,
  Ge: 5,
  Lt: 6,
  Le: 7,
  Eq: 8,
  Ne: 9,
  And: 10,
  Or: 11,
  /** element-wise maximum, NaN-propagating (np.maximum) */
  Max: 12,
  /** element-wise minimum, NaN-propagating (np.minimum) */
  Min: 13,
  /** C/numpy pow: pow(1, y) = 1 and pow(−1, ±inf) = 1, where JS gives NaN */
  Pow: 14,
} as const;
export type Binary = (typeof Binary)[keyof typeof Binary];

/** Loop mask for an operand: 0 reads element 0 (a scalar), −1 reads element k. */
function maskOf(a: Float64Array, len: number): number {
  return a.length === len ? -1 : 0;
}

/** numpy's float power on IEEE doubles (C pow), which differs from Math.pow in two corners. */
export function cpow(x: number, y: number): number {
  if (x === 1) return 1;
  if (x === -1 && (y === 1 / 0 || y === -1 / 0)) return 1;
  return Math.pow(x, y);
}

/** out[k] = op(a[k]); `a` is an array of out's length or a 1-element scalar. */
export function unaryInto(op: Unary, a: Float64Array, out: Float64Array, nanLogic: boolean): void {
  const len = out.length;
  const ma = maskOf(a, len);
  switch (op) {
    case Unary.Neg:
      for (let k = 0; k < len; k++) out[k] = -a[k & ma]!;
      return;
    case Unary.Not:
      if (nanLogic) {
        for (let k = 0; k < len; k++) {
          const x = a[k & ma]!;
          out[k] = x !== x ? 0 / 0 : x === 0 ? 1 : 0;
        }
      } else {
        for (let k = 0; k < len; k++) out[k] = a[k & ma]! === 0 ? 1 : 0;
      }
      return;
    case Unary.Abs:
      for (let k = 0; k < len; k++) out[k] = Math.abs(a[k & ma]!);
      return;
    case Unary.Sign:
      for (let k = 0; k < len; k++) out[k] = Math.sign(a[k & ma]!);
      return;
    case Unary.Log:
      for (let k = 0; k < len; k++) out[k] = Math.log(a[k & ma]!);
      return;
    case Unary.LogPositive:
      for (let k = 0; k < len; k++) {
        const x = a[k & ma]!;
        out[k] = x > 0 ? Math.log(x) : 0 / 0;
      }
      return;
    case Unary.Exp:
      for (let k = 0; k < len; k++) out[k] = Math.exp(a[k & ma]!);
      return;
    case Unary.Sqrt:
      for (let k = 0; k < len; k++) out[k] = Math.sqrt(a[k & ma]!);
      return;
    case Unary.Inv:
      for (let k = 0; k < len; k++) out[k] = 1 / a[k & ma]!;
      return;
    case Unary.Floor:
      for (let k = 0; k < len; k++) out[k] = Math.floor(a[k & ma]!);
      return;
  }
}

/** out[k] = op(a[k], b[k]); each operand is an array of out's length or a 1-element scalar. */
export function binaryInto(op: Binary, a: Float64Array, b: Float64Array, out: Float64Array, nanLogic: boolean): void {
  const len = out.length;
  const ma = maskOf(a, len);
  const mb = maskOf(b, len);
  switch (op) {
    case Binary.Add:
      for (let k = 0; k < len; k++) out[k] = a[k & ma]! + b[k & mb]!;
      return;
    case Binary.Sub:
      for (let k = 0; k < len; k++) out[k] = a[k & ma]! - b[k & mb]!;
      return;
    case Binary.Mul:
      for (let k = 0; k < len; k++) out[k] = a[k & ma]! * b[k & mb]!;
      return;
    case Binary.Div:
      for (let k = 0; k < len; k++) out[k] = a[k & ma]! / b[k & mb]!;
      return;
    case Binary.Max:
      for (let k = 0; k < len; k++) out[k] = Math.max(a[k & ma]!, b[k & mb]!);
      return;
    case Binary.Min:
      for (let k = 0; k < len; k++) out[k] = Math.min(a[k & ma]!, b[k & mb]!);
      return;
    case Binary.Pow:
      for (let k = 0; k < len; k++) out[k] = cpow(a[k & ma]!, b[k & mb]!);
      return;
    default:
      if (nanLogic) logicNan(op, a, ma, b, mb, out);
      else logicNumpy(op, a, ma, b, mb, out);
  }
}

/** Comparisons and && || with numpy rules: NaN compares false and is truthy. */
function logicNumpy(op: Binary, a: Float64Array, ma: number, b: Float64Array, mb: number, out: Float64Array): void {
  const len = out.length;
  switch (op) {
    case Binary.Gt:
      for (let k = 0; k < len; k++) out[k] = a[k & ma]! > b[k & mb]! ? 1 : 0;
      return;
    case Binary.Ge:
      for (let k = 0; k < len; k++) out[k] = a[k & ma]! >= b[k & mb]! ? 1 : 0;
      return;
    case Binary.Lt:
      for (let k = 0; k < len; k++) out[k] = a[k & ma]! < b[k & mb]! ? 1 : 0;
      return;
    case Binary.Le:
      for (let k = 0; k < len; k++) out[k] = a[k & ma]! <= b[k & mb]! ? 1 : 0;
      return;
    case Binary.Eq:
      for (let k = 0; k < len; k++) out[k] = a[k & ma]! === b[k & mb]! ? 1 : 0;
      return;
    case Binary.Ne:
      for (let k = 0; k < len; k++) out[k] = a[k & ma]! !== b[k & mb]! ? 1 : 0;
      return;
    case Binary.And:
      for (let k = 0; k < len; k++) out[k] = a[k & ma]! !== 0 && b[k & mb]! !== 0 ? 1 : 0;
      return;
    case Binary.Or:
      for (let k = 0; k < len; k++) out[k] = a[k & ma]! !== 0 || b[k & mb]! !== 0 ? 1 : 0;
      return;
  }
}

/** Comparisons and && || with the quanta rule: any NaN operand gives NaN (no short-circuit). */
function logicNan(op: Binary, a: Float64Array, ma: number, b: Float64Array, mb: number, out: Float64Array): void {
  const len = out.length;
  for (let k = 0; k < len; k++) {
    const x = a[k & ma]!;
    const y = b[k & mb]!;
    let r: number;
    if (x !== x || y !== y) r = 0 / 0;
    else {
      switch (op) {
        case Binary.Gt: r = x > y ? 1 : 0; break;
        case Binary.Ge: r = x >= y ? 1 : 0; break;
        case Binary.Lt: r = x < y ? 1 : 0; break;
        case Binary.Le: r = x <= y ? 1 : 0; break;
        case Binary.Eq: r = x === y ? 1 : 0; break;
        case Binary.Ne: r = x !== y ? 1 : 0; break;
        case Binary.And: r = x !== 0 && y !== 0 ? 1 : 0; break;
        default: r = x !== 0 || y !== 0 ? 1 : 0;
      }
    }
    out[k] = r;
  }
}

/**
 * out[k] = c[k] ? a[k] : b[k] (truth = ≠ 0). nanLogic false (numpy np.where): a
 * NaN condition takes `a`; true (quanta): it gives NaN.
 */
export function whereInto(
  c: Float64Array, a: Float64Array, b: Float64Array, out: Float64Array, nanLogic: boolean,
): void {
  const len = out.length;
  const mc = maskOf(c, len);
  const ma = maskOf(a, len);
  const mb = maskOf(b, len);
  if (nanLogic) {
    for (let k = 0; k < len; k++) {
      const x = c[k & mc]!;
      out[k] = x !== x ? 0 / 0 : x !== 0 ? a[k & ma]! : b[k & mb]!;
    }
  } else {
    for (let k = 0; k < len; k++) out[k] = c[k & mc]! !== 0 ? a[k & ma]! : b[k & mb]!;
  }
}

/** Every non-finite value (±inf, NaN) becomes NaN: the quanta rule for each node's value. */
export function finiteOrNaN(out: Float64Array): void {
  for (let k = 0; k < out.length; k++) {
    const v = out[k]!;
    if (v - v !== 0) out[k] = 0 / 0;
  }
}
