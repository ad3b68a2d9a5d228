/**
 * Rolling extremes with a monotonic deque (O(1) amortised per step): the value
 * (Max/Min, TS_MAX/TS_MIN), the days since it (TS_ARGMAX/TS_ARGMIN, HIGHDAY/LOWDAY)
 * and qlib's IdxMax/IdxMin position. Public surface and conventions: ./order.ts.
 */
import { EXTREMES_MAX_OUTPUTS, extremesKernel } from "./wasm/extremes.ts";

/** Which number a deque scan writes for each day (plain constants: no enum runtime). */
const Emit = {
  /** the extreme value itself */
  Value: 0,
  /** days since the extreme (0 = today) plus a constant */
  DaysSince: 1,
  /** qlib: 1-based position from the window's oldest bar; the first NaN's position if the window holds one */
  QlibIdx: 2,
} as const;
type Emit = (typeof Emit)[keyof typeof Emit];

/** Window length actually needed: n = 0 (expanding) or n past the span is the whole span. */
export function effectiveWindow(n: number, len: number): number {
  return n === 0 || n > len ? len : n;
}

/** Throws unless n is an integer >= min (min = 0 allows the expanding window n = 0). */
export function checkWindow(n: number, min: 0 | 1, op: string): void {
  if (!Number.isInteger(n) || n < min) {
    throw new RangeError(`${op}: window must be an integer >= ${min}, got ${n}`);
  }
}

/** Smallest power of two > w (ring buffers index with `& mask`). */
function ringCapacity(w: number): number {
  let cap = 2;
  while (cap <= w) cap <<= 1;
  return cap;
}

/** One number a deque scan writes for each day, and where (see rollingExtremes). */
export interface ExtremeOutput {
  readonly emit: "value" | "daysSince" | "qlibIdx";
  /** Added to daysSince (HIGHDAY / LOWDAY count from 1). */
  readonly plus: number;
  readonly out: Float64Array;
}

const EMIT_CODE = { value: Emit.Value, daysSince: Emit.DaysSince, qlibIdx: Emit.QlibIdx } as const;

/**
 * Several outputs of one deque scan (Max(x, n) and IdxMax(x, n) of the same series and window
 * cost one pass); each output gets exactly what its own single-output kernel writes. n must suit
 * every output (≥ 1 when any is daysSince / qlibIdx).
 */
export function rollingExtremes(
  x: Float64Array,
  outputs: readonly ExtremeOutput[],
  start: number,
  end: number,
  n: number,
  sign: 1 | -1,
): void {
  checkWindow(n, outputs.some((o) => o.emit !== "value") ? 1 : 0, "rollingExtremes");
  // Built by push, not map(): map() of two or more elements makes a HOLEY array, the single-output
  // kernels pass a PACKED literal, and scanExtreme's optimised code was deoptimised ("wrong map")
  // at each switch between the two. `plus` is a typed array for the same reason (one map always).
  const outs: Float64Array[] = [];
  for (const o of outputs) outs.push(o.out);
  scanExtreme(x, outs, start, end, n, sign, Int32Array.from(outputs, (o) => EMIT_CODE[o.emit]), Float64Array.from(outputs, (o) => o.plus));
}

/**
 * One pass of the deque over x[start..end). `sign` = 1 tracks the max, -1 the
 * min (comparing sign·x keeps a single loop; the output reads x itself, so the
 * sign never touches a value). Non-finite values never enter the deque. Equal
 * values do not evict older ones, so the front is the OLDEST extreme.
 */
function scanExtreme(
  x: Float64Array,
  outs: readonly Float64Array[],
  start: number,
  end: number,
  n: number,
  sign: 1 | -1,
  emits: Int32Array,
  plus: Float64Array,
): void {
  const len = end - start;
  if (len <= 0) return;
  const w = effectiveWindow(n, len);
  const nOut = outs.length;
  // By the WebAssembly kernel when there is one: the same numbers, from blocks instead of a deque.
  const kernel = nOut <= EXTREMES_MAX_OUTPUTS ? extremesKernel(len) : undefined;
  if (kernel !== undefined) {
    kernel.x.set(x.subarray(start, end));
    kernel.emits.set(emits);
    kernel.plus.set(plus);
    kernel.run(len, w, sign, nOut);
    for (let e = 0; e < nOut; e++) outs[e]!.set(kernel.outs[e]!.subarray(0, len), start);
    return;
  }
  const cap = ringCapacity(w);
  const mask = cap - 1;
  const dq = new Int32Array(cap);
  let trackNaN = false;
  for (let e = 0; e < nOut; e++) if (emits[e] === Emit.QlibIdx) trackNaN = true;
  // qlib only: positions of the NaNs in the window, oldest first
  const nanQ = trackNaN ? new Int32Array(cap) : dq;
  let head = 0;
  let tail = 0;
  let nanHead = 0;
  let nanTail = 0;
  for (let t = start; t < end; t++) {
    const v = x[t]!;
    if (v - v === 0) {
      const key = sign * v;
      while (tail > head && sign * x[dq[(tail - 1) & mask]!]! < key) tail--;
      dq[tail & mask] = t;
      tail++;
    } else if (trackNaN) {
      nanQ[nanTail & mask] = t;
      nanTail++;
    }
    const lo = t - w + 1 > start ? t - w + 1 : start;
    while (tail > head && dq[head & mask]! < lo) head++;
    // prune every step (also on empty windows) so the ring never holds more than w
    while (nanTail > nanHead && nanQ[nanHead & mask]! < lo) nanHead++;
    if (tail === head) {
      for (let e = 0; e < nOut; e++) outs[e]![t] = 0 / 0;
      continue;
    }
    const front = dq[head & mask]!;
    for (let e = 0; e < nOut; e++) {
      const emit = emits[e];
      if (emit === Emit.Value) {
        outs[e]![t] = x[front]!;
      } else if (emit === Emit.DaysSince) {
        outs[e]![t] = t - front + plus[e]!;
      } else {
        const pos = nanTail > nanHead ? nanQ[nanHead & mask]! : front;
        outs[e]![t] = pos - lo + 1;
      }
    }
  }
}

const ONE_VALUE = Int32Array.of(Emit.Value);
const ONE_DAYS = Int32Array.of(Emit.DaysSince);
const ONE_QLIB = Int32Array.of(Emit.QlibIdx);
const PLUS_0 = Float64Array.of(0);
const PLUS_1 = Float64Array.of(1);

export function rollingMax(x: Float64Array, out: Float64Array, start: number, end: number, n: number): void {
  checkWindow(n, 0, "rollingMax");
  scanExtreme(x, [out], start, end, n, 1, ONE_VALUE, PLUS_0);
}

export function rollingMin(x: Float64Array, out: Float64Array, start: number, end: number, n: number): void {
  checkWindow(n, 0, "rollingMin");
  scanExtreme(x, [out], start, end, n, -1, ONE_VALUE, PLUS_0);
}

export function rollingArgMax(x: Float64Array, out: Float64Array, start: number, end: number, n: number): void {
  checkWindow(n, 1, "rollingArgMax");
  scanExtreme(x, [out], start, end, n, 1, ONE_DAYS, PLUS_0);
}

export function rollingArgMin(x: Float64Array, out: Float64Array, start: number, end: number, n: number): void {
  checkWindow(n, 1, "rollingArgMin");
  scanExtreme(x, [out], start, end, n, -1, ONE_DAYS, PLUS_0);
}

export function highDay(x: Float64Array, out: Float64Array, start: number, end: number, n: number): void {
  checkWindow(n, 1, "highDay");
  scanExtreme(x, [out], start, end, n, 1, ONE_DAYS, PLUS_1);
}

export function lowDay(x: Float64Array, out: Float64Array, start: number, end: number, n: number): void {
  checkWindow(n, 1, "lowDay");
  scanExtreme(x, [out], start, end, n, -1, ONE_DAYS, PLUS_1);
}

export function qlibIdxMax(x: Float64Array, out: Float64Array, start: number, end: number, n: number): void {
  checkWindow(n, 1, "qlibIdxMax");
  scanExtreme(x, [out], start, end, n, 1, ONE_QLIB, PLUS_0);
}

export function qlibIdxMin(x: Float64Array, out: Float64Array, start: number, end: number, n: number): void {
  checkWindow(n, 1, "qlibIdxMin");
  scanExtreme(x, [out], start, end, n, -1, ONE_QLIB, PLUS_0);
}
