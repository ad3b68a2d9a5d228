/**
 * Rolling extremes with a monotonic deque (O(1) amortised per step): the value
 * (Max/Min, TS_MAX/TS_MIN), the days since it (TS_ARGMAX/TS_ARGMIN, HIGHDAY/LOWDAY)
 * and qlib's IdxMax/IdxMin position. Public surface and conventions: ./order.ts.
 */

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

/**
 * One pass of the deque over x[start..end). `sign` = 1 tracks the max, -1 the
 * min (comparing sign·x keeps a single loop; the output reads x itself, so the
 * sign never touches a value). Non-finite values never enter the deque. Equal
 * values do not evict older ones, so the front is the OLDEST extreme.
 */
function scanExtreme(
  x: Float64Array,
  out: Float64Array,
  start: number,
  end: number,
  n: number,
  sign: 1 | -1,
  emit: Emit,
  plus: number,
): void {
  const len = end - start;
  if (len <= 0) return;
  const w = effectiveWindow(n, len);
  const cap = ringCapacity(w);
  const mask = cap - 1;
  const dq = new Int32Array(cap);
  // qlib only: positions of the NaNs in the window, oldest first
  const nanQ = emit === Emit.QlibIdx ? new Int32Array(cap) : dq;
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
    } else if (emit === Emit.QlibIdx) {
      nanQ[nanTail & mask] = t;
      nanTail++;
    }
    const lo = t - w + 1 > start ? t - w + 1 : start;
    while (tail > head && dq[head & mask]! < lo) head++;
    // prune every step (also on empty windows) so the ring never holds more than w
    while (nanTail > nanHead && nanQ[nanHead & mask]! < lo) nanHead++;
    if (tail === head) {
      out[t] = NaN;
      continue;
    }
    const front = dq[head & mask]!;
    if (emit === Emit.Value) {
      out[t] = x[front]!;
    } else if (emit === Emit.DaysSince) {
      out[t] = t - front + plus;
    } else {
      const pos = nanTail > nanHead ? nanQ[nanHead & mask]! : front;
      out[t] = pos - lo + 1;
    }
  }
}

export function rollingMax(x: Float64Array, out: Float64Array, start: number, end: number, n: number): void {
  checkWindow(n, 0, "rollingMax");
  scanExtreme(x, out, start, end, n, 1, Emit.Value, 0);
}

export function rollingMin(x: Float64Array, out: Float64Array, start: number, end: number, n: number): void {
  checkWindow(n, 0, "rollingMin");
  scanExtreme(x, out, start, end, n, -1, Emit.Value, 0);
}

export function rollingArgMax(x: Float64Array, out: Float64Array, start: number, end: number, n: number): void {
  checkWindow(n, 1, "rollingArgMax");
  scanExtreme(x, out, start, end, n, 1, Emit.DaysSince, 0);
}

export function rollingArgMin(x: Float64Array, out: Float64Array, start: number, end: number, n: number): void {
  checkWindow(n, 1, "rollingArgMin");
  scanExtreme(x, out, start, end, n, -1, Emit.DaysSince, 0);
}

export function highDay(x: Float64Array, out: Float64Array, start: number, end: number, n: number): void {
  checkWindow(n, 1, "highDay");
  scanExtreme(x, out, start, end, n, 1, Emit.DaysSince, 1);
}

export function lowDay(x: Float64Array, out: Float64Array, start: number, end: number, n: number): void {
  checkWindow(n, 1, "lowDay");
  scanExtreme(x, out, start, end, n, -1, Emit.DaysSince, 1);
}

export function qlibIdxMax(x: Float64Array, out: Float64Array, start: number, end: number, n: number): void {
  checkWindow(n, 1, "qlibIdxMax");
  scanExtreme(x, out, start, end, n, 1, Emit.QlibIdx, 0);
}

export function qlibIdxMin(x: Float64Array, out: Float64Array, start: number, end: number, n: number): void {
  checkWindow(n, 1, "qlibIdxMin");
  scanExtreme(x, out, start, end, n, -1, Emit.QlibIdx, 0);
}
