/**
 * Small numeric kernels shared by the metrics: Pearson with the reference's shifted two-pass
 * sums, average ranks, and a sort scratch that hands out fixed-length views without allocating
 * per call.
 */

/**
 * Pearson correlation of x[0..n) and y[0..n), computed as metrics_ref.py does: each side shifted
 * by its smallest value, then two-pass (mean, deviations). A constant side has deviations exactly
 * 0 and gives NaN; fewer than 2 points or a non-finite result also give NaN.
 */
export function pearson(x: Float64Array, y: Float64Array, n: number): number {
  if (n < 2) return NaN;
  let mx = Infinity;
  let my = Infinity;
  for (let k = 0; k < n; k++) {
    const a = x[k]!;
    const b = y[k]!;
    if (a < mx) mx = a;
    if (b < my) my = b;
  }
  let sx = 0;
  let sy = 0;
  for (let k = 0; k < n; k++) {
    sx += x[k]! - mx;
    sy += y[k]! - my;
  }
  const ax = sx / n;
  const ay = sy / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let k = 0; k < n; k++) {
    const dx = x[k]! - mx - ax;
    const dy = y[k]! - my - ay;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const r = sxy / Math.sqrt(sxx * syy);
  return Number.isFinite(r) ? r : NaN;
}

/** Most values one RankScratch ranks at a time: the fast path packs an input index into 16 bits. */
export const RANK_SCRATCH_MAX = 1 << 16;

/** The linear key's largest value: 16 bits, sorted by two 8-bit LSD radix passes (the WebAssembly kernel keys the same). */
export const KEY_MAX = 0xffff;
/** The most distinct values a run of values sharing a key may hold to be counted out (sortRun). */
const MAX_DISTINCT = 16;

/**
 * (t³ − t)/12: Σ (r − c)² over the ranks 1..t, and what a tie group of t values takes off it.
 * Computed from h = t/2 (8h³ − 2h = t³ − t, exact below 2^17) so that V8 compiles it in floating
 * point from the start: integer speculation fails on the halves (t ≡ 2 mod 4) and past int32
 * (t > 1290), and an optimised function that then deoptimises is not always recompiled — it was
 * seen deoptimising again at every later call. (A product with a non-integral constant is a heap
 * number even when its value is whole, so V8's feedback for what follows says "double"; a
 * quotient such as (n + 1) / 2 is a small integer for odd n.)
 */
function cubeTerm(t: number): number {
  const h = t * 0.5;
  return (8 * h * h * h - 2 * h) / 12;
}

/**
 * The sort kernel behind RankScratch: its working arrays and the passes over them, created once
 * (per module instance, so per worker) and shared by every RankScratch — each call fills the
 * arrays and reads them back within itself, and JavaScript runs one call at a time.
 *
 * Why a closure: V8 compiles a closure that is created only once against its own context, so
 * these `const` arrays become constants in its optimised code — length and data pointer compiled
 * in, no per-access map check and field loads. A typed array reached any other way (an argument,
 * a field, a module-level binding, which the esbuild bundle turns into a `var`) costs ~10
 * instructions per access to re-check, re-checked after every typed-array store; this sort is
 * little else but accesses, and takes a third fewer instructions from constants. Hence also: the
 * input is copied in once (V) and the passes read the copy; the hot loops are written out in the
 * functions V8 compiles on their own (keySort, pearsonRankDot, readOut, readOutDot), not in small
 * helpers inlined into them, where the constants are lost; each entry point handles its own
 * fallbacks, so that no rarely taken path is a call site in an inlining caller outside the
 * closure; and warmUp() runs every path before any real data (see there).
 */
function makeKernel() {
  /** The values being sorted (copied in by the key pass, or by load()) and their raw bits. */
  const V = new Float64Array(RANK_SCRATCH_MAX);
  const V32 = new Uint32Array(V.buffer);
  /** Packed (key << 16 | input index) words: the key radix sort's ping-pong pair. */
  const PA = new Int32Array(RANK_SCRATCH_MAX);
  const PB = new Int32Array(RANK_SCRATCH_MAX);
  /** Its two byte histograms: the key's low byte in [0, 256), its high byte in [256, 512). */
  const H = new Int32Array(512);
  /** The sorted values and their input indices (readOut, the fallback sort). */
  const SV = new Float64Array(RANK_SCRATCH_MAX);
  const SJ = new Int32Array(RANK_SCRATCH_MAX);
  /** The fallback radix sort's keys and indices (ping-pong pairs) and four byte histograms. */
  const KA = new Uint32Array(RANK_SCRATCH_MAX);
  const KB = new Uint32Array(RANK_SCRATCH_MAX);
  const IA = new Int32Array(RANK_SCRATCH_MAX);
  const IB = new Int32Array(RANK_SCRATCH_MAX);
  const HR = new Int32Array(1024);
  /** sortRun's counting sort: the run's distinct values, their places, counts, each word's value. */
  const DV = new Float64Array(MAX_DISTINCT);
  const DC = new Int32Array(MAX_DISTINCT);
  const DN = new Int32Array(MAX_DISTINCT);
  const RUN = new Int32Array(RANK_SCRATCH_MAX);

  /** Copies vals[0..n) into V. */
  function load(vals: Float64Array, n: number): void {
    for (let k = 0; k < n; k++) V[k] = vals[k]!;
  }

  /**
   * The 16-bit key radix sort of vals[0..n) (copied into V) into PA, stably; false, before anything
   * is done, when the range [mn, mx] cannot be scaled to the key.
   */
  function keySort(vals: Float64Array, n: number, mn: number, mx: number): boolean {
    const scale = KEY_MAX / (mx - mn);
    if (!(scale > 0 && scale < Infinity)) return false;
    H.fill(0);
    for (let k = 0; k < n; k++) {
      const v = vals[k]!;
      V[k] = v;
      // ≤ KEY_MAX: v − mn ≤ mx − mn, and the rounded product of the two cannot pass KEY_MAX.
      const key = ((v - mn) * scale) | 0;
      H[key & 255]!++;
      H[256 + (key >>> 8)]!++;
      PA[k] = (key << 16) | k;
    }
    let sum = 0;
    for (let b = 0; b < 256; b++) {
      const c = H[b]!;
      H[b] = sum;
      sum += c;
    }
    for (let k = 0; k < n; k++) {
      const e = PA[k]!;
      PB[H[(e >>> 16) & 255]!++] = e;
    }
    sum = 0;
    for (let b = 256; b < 512; b++) {
      const c = H[b]!;
      H[b] = sum;
      sum += c;
    }
    for (let q = 0; q < n; q++) {
      const e = PB[q]!;
      PA[H[256 + (e >>> 24)]!++] = e;
    }
    return true;
  }

  /** Sorts vals[0..n) (min mn < max mx) into SV (ascending) and SJ (input indices), stably. */
  function sort(vals: Float64Array, n: number, mn: number, mx: number): void {
    if (keySort(vals, n, mn, mx)) {
      readOut(n);
    } else {
      load(vals, n);
      floatRadixSort(n);
    }
  }

  /** RankScratch.rankDot's sums of vals[0..n) (mx − mn > tol) into result[0..1]. */
  function rankDot(vals: Float64Array, n: number, mn: number, mx: number, w: Float64Array, base: number, tol: number, result: Float64Array): void {
    if (tol > 0) {
      sort(vals, n, mn, mx);
      rankDotSorted(n, w, base, tol, result);
    } else if (keySort(vals, n, mn, mx)) {
      readOutDot(n, w, base, result);
    } else {
      load(vals, n);
      floatRadixSort(n);
      rankDotSorted(n, w, base, 0, result);
    }
  }

  /**
   * RankScratch.pearsonRankDot: keySort with the two Pearson passes folded into its key and first
   * scatter passes, then readOutDot; the plain passes and the fallback sort when the range cannot
   * be keyed (constant values included).
   */
  function pearsonRankDot(vals: Float64Array, n: number, mn: number, mx: number, w: Float64Array, wBase: number, y: Float64Array, yBase: number, result: Float64Array): void {
    const scale = KEY_MAX / (mx - mn);
    if (!(n > 0 && scale > 0 && scale < Infinity)) {
      // The same sums in the same two lanes as the keyed path below.
      let sx = 0;
      let sx2 = 0;
      for (let k = 0; k < n; k++) {
        if ((k & 1) === 0) sx += vals[k]! - mn;
        else sx2 += vals[k]! - mn;
      }
      const a = (sx + sx2) / n;
      let sxy = 0;
      let sxx = 0;
      let sxy2 = 0;
      let sxx2 = 0;
      for (let k = 0; k < n; k++) {
        const d = vals[k]! - mn - a;
        if ((k & 1) === 0) {
          sxy += d * y[yBase + k]!;
          sxx += d * d;
        } else {
          sxy2 += d * y[yBase + k]!;
          sxx2 += d * d;
        }
      }
      result[2] = sxy + sxy2;
      result[3] = sxx + sxx2;
      if (n > 0 && mx - mn > 0) {
        load(vals, n);
        floatRadixSort(n);
        rankDotSorted(n, w, wBase, 0, result);
      } else {
        result[0] = 0;
        result[1] = 0;
      }
      return;
    }
    H.fill(0);
    let sx = 0;
    let sx2 = 0;
    let k0 = 0;
    for (; k0 + 1 < n; k0 += 2) {
      const v = vals[k0]!;
      const v2 = vals[k0 + 1]!;
      V[k0] = v;
      V[k0 + 1] = v2;
      const u = v - mn;
      const u2 = v2 - mn;
      sx += u;
      sx2 += u2;
      const key = (u * scale) | 0;
      const key2 = (u2 * scale) | 0;
      H[key & 255]!++;
      H[256 + (key >>> 8)]!++;
      H[key2 & 255]!++;
      H[256 + (key2 >>> 8)]!++;
      PA[k0] = (key << 16) | k0;
      PA[k0 + 1] = (key2 << 16) | (k0 + 1);
    }
    if (k0 < n) {
      const v = vals[k0]!;
      V[k0] = v;
      const u = v - mn;
      sx += u;
      const key = (u * scale) | 0;
      H[key & 255]!++;
      H[256 + (key >>> 8)]!++;
      PA[k0] = (key << 16) | k0;
    }
    const a = (sx + sx2) / n;
    let sum = 0;
    for (let b = 0; b < 256; b++) {
      const c = H[b]!;
      H[b] = sum;
      sum += c;
    }
    let sxy = 0;
    let sxx = 0;
    let sxy2 = 0;
    let sxx2 = 0;
    let k1 = 0;
    for (; k1 + 1 < n; k1 += 2) {
      const e = PA[k1]!;
      PB[H[(e >>> 16) & 255]!++] = e;
      const e2 = PA[k1 + 1]!;
      PB[H[(e2 >>> 16) & 255]!++] = e2;
      const d = V[k1]! - mn - a;
      const d2 = V[k1 + 1]! - mn - a;
      sxy += d * y[yBase + k1]!;
      sxx += d * d;
      sxy2 += d2 * y[yBase + k1 + 1]!;
      sxx2 += d2 * d2;
    }
    if (k1 < n) {
      const e = PA[k1]!;
      PB[H[(e >>> 16) & 255]!++] = e;
      const d = V[k1]! - mn - a;
      sxy += d * y[yBase + k1]!;
      sxx += d * d;
    }
    result[2] = sxy + sxy2;
    result[3] = sxx + sxx2;
    sum = 0;
    for (let b = 256; b < 512; b++) {
      const c = H[b]!;
      H[b] = sum;
      sum += c;
    }
    for (let q = 0; q < n; q++) {
      const e = PB[q]!;
      PA[H[256 + (e >>> 24)]!++] = e;
    }
    readOutDot(n, w, wBase, result);
  }

  /**
   * Sorts the words PA[a..b), which share a key, by value, stably; returns what is left of the
   * caller's move budget, negative when it gave up (PA[a..b) then some permutation of itself).
   * Usually such a run holds a few distinct values, however many times each (a value and its
   * rounding-noise neighbours, as 0.1 and 0.09999999999999999 in counts and ratios of small
   * integers): those are counted out by value, in time linear in the run. Short runs (most are two
   * close values) and runs of more than MAX_DISTINCT distinct values (an outlier squeezed the bulk
   * into a few keys): insertion sort, giving up past the budget.
   */
  function sortRun(a: number, b: number, budget: number): number {
    let d = b - a > 8 ? 0 : -1; // distinct values found, at most MAX_DISTINCT (-1: more, or a short run)
    let j = 0; // the last value's: runs are mostly one value repeated
    for (let k = a; d >= 0 && k < b; k++) {
      const x = V[PA[k]! & 0xffff]!;
      if (j >= d || DV[j] !== x) {
        j = 0;
        while (j < d && DV[j] !== x) j++;
      }
      if (j === d) {
        if (d === MAX_DISTINCT) {
          d = -1;
          break;
        }
        DV[d++] = x;
      }
      RUN[k] = j;
    }
    if (d > 0) {
      // Each distinct value's place in ascending order, then a stable counting sort by it.
      for (let m = 0; m < d; m++) {
        let r = 0;
        for (let q = 0; q < d; q++) if (DV[q]! < DV[m]!) r++;
        DC[m] = r; // distinct values: no two share a place
        DN[m] = 0;
      }
      for (let k = a; k < b; k++) DN[DC[RUN[k]!]!]!++;
      let sum = a;
      for (let r = 0; r < d; r++) {
        const cnt = DN[r]!;
        DN[r] = sum;
        sum += cnt;
      }
      for (let k = a; k < b; k++) PB[DN[DC[RUN[k]!]!]!++] = PA[k]!;
      for (let k = a; k < b; k++) PA[k] = PB[k]!;
      return budget;
    }
    for (let k = a + 1; k < b; k++) {
      const e = PA[k]!;
      const x = V[e & 0xffff]!;
      let q = k - 1;
      while (q >= a && V[PA[q]! & 0xffff]! > x) {
        PA[q + 1] = PA[q]!;
        q--;
      }
      PA[q + 1] = e;
      budget -= k - 1 - q;
      if (budget < 0) return budget;
    }
    return budget;
  }

  /** The end of the run of words sharing PA[p]'s key (PA is in key order). */
  function runEnd(p: number, n: number): number {
    const key = PA[p]! >>> 16;
    let end = p + 1;
    while (end < n && PA[end]! >>> 16 === key) end++;
    return end;
  }

  /**
   * Reads the key order in PA out into SV/SJ (values, input indices). Values sharing a key come in
   * input order: at the first one out of order, the run of its key is sorted (sortRun) and read
   * again. Gives up for the fallback sort as sortRun does (2n + 64 moves in all).
   */
  function readOut(n: number): void {
    let budget = 2 * n + 64;
    let prev = -Infinity;
    let lastKey = -1;
    let runStart = 0;
    for (let p = 0; p < n; p++) {
      const e = PA[p]!;
      const i = e & 0xffff;
      const x = V[i]!;
      const key = e >>> 16;
      if (key !== lastKey) {
        lastKey = key;
        runStart = p;
      } else if (x < prev) {
        budget = sortRun(runStart, runEnd(p, n), budget);
        if (budget < 0) {
          floatRadixSort(n);
          return;
        }
        p = runStart - 1; // read the sorted run again (a smaller key, a smaller value: prev holds)
        prev = p >= 0 ? SV[p]! : -Infinity;
        continue;
      }
      SV[p] = x;
      SJ[p] = i;
      prev = x;
    }
  }

  /**
   * rankDot's sums (tol 0) from the key order in PA, in the one pass that also checks it: into
   * result[0] Σ (r − c)·w[base + i] and into result[1] Σ (r − c)², r the average rank of V[i],
   * over the indices i in PA (c = (n + 1) / 2).
   *
   * Summed per group of equal values, closed when a larger value comes: (mean rank − c)·Σw, and
   * (t³ − t)/12 off n(n² − 1)/12 for a group of t. The last group stays open (its start and Σw):
   * a larger key closes it (the key is monotone: a larger key is a larger value), an equal value
   * joins it. Values sharing a key come in input order: at the first one out of order, the run of
   * its key is sorted (sortRun) and summed again from the sums as they stood before it. Gives up
   * for the fallback sort as sortRun does. With half-integer w (the IC's label rank deviations)
   * every term and partial sum is a multiple of 1/4 far below 2^53, so exact in any order.
   */
  function readOutDot(n: number, w: Float64Array, base: number, result: Float64Array): void {
    const c = (n + 1) * 0.5; // × 0.5, not / 2: a double even when n is odd (see cubeTerm)
    let s = 0;
    let tiesSq = 0; // Σ (t³ − t)/12 over the closed groups
    let g = 0; // the open group: its start and Σw
    let gw = w[base + (PA[0]! & 0xffff)]!;
    let lastKey = PA[0]! >>> 16;
    let runStart = 0; // where the run of the current key starts, and the sums before it
    let sRun = 0;
    let tRun = 0;
    let budget = 2 * n + 64;
    for (let p = 1; p < n; p++) {
      const e = PA[p]!;
      const i = e & 0xffff;
      const key = e >>> 16;
      if (key !== lastKey) {
        s += ((g + 1 + p) * 0.5 - c) * gw;
        if (p - g > 1) tiesSq += cubeTerm(p - g);
        g = p;
        gw = w[base + i]!;
        lastKey = key;
        runStart = p;
        sRun = s;
        tRun = tiesSq;
        continue;
      }
      // The same key as the open group: compare the values (the largest so far is at p − 1).
      const x = V[i]!;
      const last = V[PA[p - 1]! & 0xffff]!;
      if (x === last) {
        gw += w[base + i]!;
      } else if (x > last) {
        s += ((g + 1 + p) * 0.5 - c) * gw;
        if (p - g > 1) tiesSq += cubeTerm(p - g);
        g = p;
        gw = w[base + i]!;
      } else {
        budget = sortRun(runStart, runEnd(p, n), budget);
        if (budget < 0) {
          floatRadixSort(n);
          rankDotSorted(n, w, base, 0, result);
          return;
        }
        s = sRun;
        tiesSq = tRun;
        g = runStart;
        gw = w[base + (PA[runStart]! & 0xffff)]!;
        p = runStart; // the loop goes on from the run's second word
      }
    }
    s += ((g + 1 + n) * 0.5 - c) * gw;
    if (n - g > 1) tiesSq += cubeTerm(n - g);
    result[0] = s;
    result[1] = cubeTerm(n) - tiesSq;
  }

  /**
   * rankDot's sums from sorted SV/SJ into result[0..1] (after the fallback sort, or sort() for
   * tol > 0): per group of neighbours at most tol apart (t values, mean rank r), (r − c)·Σw, and
   * n(n² − 1)/12 less (t³ − t)/12 per group.
   */
  function rankDotSorted(n: number, w: Float64Array, base: number, tol: number, result: Float64Array): void {
    const c = (n + 1) * 0.5;
    let s = 0;
    let tiesSq = 0;
    let g = 0;
    while (g < n) {
      let gw = w[base + SJ[g]!]!;
      let h = g + 1;
      while (h < n && SV[h]! - SV[h - 1]! <= tol) gw += w[base + SJ[h++]!]!;
      s += ((g + 1 + h) * 0.5 - c) * gw;
      tiesSq += cubeTerm(h - g);
      g = h;
    }
    result[0] = s;
    result[1] = cubeTerm(n) - tiesSq;
  }

  /**
   * The fallback sort of V[0..n) into SV/SJ: LSD radix on the top 32 bits of each value's
   * order-preserving bit pattern, then an insertion pass over the full values.
   */
  function floatRadixSort(n: number): void {
    HR.fill(0);
    let ks = KA;
    let is = IA;
    let kd = KB;
    let id = IB;
    for (let k = 0; k < n; k++) {
      const hi = V32[2 * k + 1]!; // little-endian: the high word holds sign, exponent, top mantissa
      // Order-preserving map: flip all bits of negatives, set the sign bit of non-negatives.
      const key = (hi & 0x80000000) !== 0 ? ~hi >>> 0 : (hi | 0x80000000) >>> 0;
      ks[k] = key;
      is[k] = k;
      HR[key & 255]!++;
      HR[256 + ((key >>> 8) & 255)]!++;
      HR[512 + ((key >>> 16) & 255)]!++;
      HR[768 + (key >>> 24)]!++;
    }
    for (let pass = 0; pass < 4; pass++) {
      const base = pass * 256;
      const sh = pass * 8;
      if (HR[base + ((ks[0]! >>> sh) & 255)] === n) continue; // one bucket: the pass is a no-op
      let sum = 0;
      for (let b = 0; b < 256; b++) {
        const c = HR[base + b]!;
        HR[base + b] = sum;
        sum += c;
      }
      for (let k = 0; k < n; k++) {
        const key = ks[k]!;
        const pos = HR[base + ((key >>> sh) & 255)]!++;
        kd[pos] = key;
        id[pos] = is[k]!;
      }
      const tk = ks;
      ks = kd;
      kd = tk;
      const ti = is;
      is = id;
      id = ti;
    }
    // Runs of equal keys (ties, or values sharing the top 32 bits) are put in order by an insertion
    // pass over the full values.
    for (let k = 0; k < n; k++) {
      const i = is[k]!;
      SV[k] = V[i]!;
      SJ[k] = i;
    }
    for (let k = 1; k < n; k++) {
      const x = SV[k]!;
      if (SV[k - 1]! <= x) continue;
      const xi = SJ[k]!;
      let q = k - 1;
      while (q >= 0 && SV[q]! > x) {
        SV[q + 1] = SV[q]!;
        SJ[q + 1] = SJ[q]!;
        q--;
      }
      SV[q + 1] = x;
      SJ[q + 1] = xi;
    }
  }

  /**
   * Takes every path above a few times on small inputs, once, when the first RankScratch is made
   * (~10 ms, most of it compiling what the first real call would compile anyway). V8 optimises
   * these functions with the type feedback their paths have gathered so far, and optimised code
   * that meets a path without feedback deoptimises, but keeps the code: it deoptimises again at
   * every later visit (seen: whole factors twice as slow, over a path taken once in a few dates).
   */
  function warmUp(): void {
    const n = 24;
    const vals = new Float64Array(n);
    const w = new Float64Array(n);
    const y = new Float64Array(n);
    const result = new Float64Array(4);
    let seed = 1;
    const rnd = (): number => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let k = 0; k < n; k++) {
      w[k] = k + 1 - (n + 1) / 2 + (k % 3 === 0 ? 0.5 : 0); // half-integers, ties among them
      y[k] = rnd() - 0.5;
    }
    const cases: (() => number)[] = [
      () => rnd(), // distinct values
      () => Math.round(rnd() * 5) / 5, // ties
      () => (rnd() < 0.5 ? 0.3 + Math.floor(rnd() * 20) * 1e-15 : rnd()), // many values sharing a key
      () => (rnd() < 0.4 ? 0.5 + Math.floor(rnd() * 3) * 1e-12 : rnd()), // near-ties sharing a key
      () => (rnd() < 0.05 ? 1e12 : rnd()), // an outlier: all else in one key, the fallback sort
      () => (rnd() < 0.5 ? -1.7e308 : 1.7e308) * rnd(), // a range too large to key
      // ... the rest sharing their top 32 bits, out of order: the fallback's insertion pass (first
      // met in real data mid-run, where it deoptimised floatRadixSort again at every visit)
      () => (rnd() < 0.2 ? (rnd() < 0.5 ? -1.7e308 : 1.7e308) : 0.3 + Math.floor(rnd() * 20) * 1e-15),
      () => 2.5, // constant
    ];
    for (let round = 0; round < 4; round++) {
      for (const gen of cases) {
        let mn = Infinity;
        let mx = -Infinity;
        for (let k = 0; k < n; k++) {
          const v = gen();
          vals[k] = v;
          if (v < mn) mn = v;
          if (v > mx) mx = v;
        }
        pearsonRankDot(vals, n, mn, mx, w, 0, y, 0, result);
        if (mx > mn) {
          rankDot(vals, n, mn, mx, w, 0, 0, result);
          rankDot(vals, n, mn, mx, w, 0, 1e-9, result);
          sort(vals, n, mn, mx);
        }
      }
    }
  }

  return { SJ, SV, sort, rankDot, pearsonRankDot, warmUp };
}

const kernel = makeKernel();
let kernelWarm = false;

/**
 * Average ranks (pandas `rank(method="average")`) without comparison sorts, no allocation after
 * construction. Callers write the values straight into `vals` (the scratch's own buffer) and call
 * `ranks(n, out)`; vals[0..n) is left intact.
 *
 * Main path, an LSD radix sort on a 16-bit linear key, key = ⌊(v − min)·65535 / (max − min)⌋,
 * packed with the input index into one int32 (key in the high half) so each of the two 8-bit
 * passes moves one word per value. The passes have no data-dependent branches: in the bucket sort
 * this replaces, the insertion pass's branch misses cost the most, and 65536 keys leave few values
 * sharing a key even for heavy-tailed factors whose outliers squeeze the bulk into part of the
 * range (on the S&P 500 Alpha158 set, ~3 values in 500 share a key with a different value). The
 * key is monotone in the value (the subtraction, product and truncation all round monotonically),
 * so key order is value order up to values sharing a key, which the stable passes leave in input
 * order; reading the order out, each value smaller than its predecessor is inserted back into
 * place. Equal values share a key, so the whole sort is stable (ties in input order).
 *
 * Fallback, when the key cannot order the values cheaply — a range that overflows or underflows,
 * ±Infinity, or an outlier so far out that many distinct values share a key (reading out then
 * gives up after a bounded number of moves): an LSD radix sort (up to 4 passes of 8 bits) on the
 * top 32 bits of each double's order-preserving bit pattern, which tells values apart by exponent
 * and 20 mantissa bits whatever their spread; runs of equal keys are then ordered by full value.
 *
 * The sorting itself is makeKernel's, shared by all instances (see there for why); a scratch
 * holds at most RANK_SCRATCH_MAX values.
 */
export class RankScratch {
  /** Input buffer: write vals[0..n) (non-NaN values), then call ranks(). */
  readonly vals: Float64Array;
  /** argsort's result (its own copy: the sorted indices live in the shared kernel). */
  private readonly order: Int32Array;

  constructor(readonly capacity: number) {
    if (capacity > RANK_SCRATCH_MAX) throw new RangeError(`RankScratch holds at most ${RANK_SCRATCH_MAX} values, asked for ${capacity}`);
    const cap = Math.max(1, capacity);
    this.vals = new Float64Array(cap);
    this.order = new Int32Array(cap);
    if (!kernelWarm) {
      kernelWarm = true;
      kernel.warmUp();
    }
  }

  /** Average 1-based ranks of vals[0..n) into out[0..n). */
  ranks(n: number, out: Float64Array): void {
    if (n <= 0) return;
    const vals = this.vals;
    let mn = vals[0]!;
    let mx = mn;
    for (let k = 1; k < n; k++) {
      const v = vals[k]!;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    this.ranksInRange(n, mn, mx, out);
  }

  /** ranks() when the caller already knows min and max of vals[0..n) (saves a pass). */
  ranksInRange(n: number, mn: number, mx: number, out: Float64Array): void {
    if (n <= 0) return;
    if (mn === mx) {
      out.fill((n + 1) / 2, 0, n);
      return;
    }
    kernel.sort(this.vals, n, mn, mx);
    // SV/SJ hold the values in ascending order: each group of equal values gets its mean rank.
    const { SV, SJ } = kernel;
    let g = 0;
    while (g < n) {
      const x = SV[g]!;
      let h = g + 1;
      while (h < n && SV[h] === x) h++;
      if (h === g + 1) {
        out[SJ[g]!] = h;
      } else {
        const r = (g + 1 + h) * 0.5;
        for (let k = g; k < h; k++) out[SJ[k]!] = r;
      }
      g = h;
    }
  }

  /**
   * With r_k the average rank of vals[k] (k < n; min mn and max mx given) and c = (n + 1) / 2:
   * Σ (r_k − c)·w[base + k] into result[0] and Σ (r_k − c)² into result[1] — the Spearman sums,
   * without writing the ranks out. Sorted neighbours at most `tol` apart count as tied (tol = 0:
   * only equal values), so values that differ by rounding noise alone share their rank.
   *
   * The first sum is taken as Σ (p + 1 − c)·w over sorted positions p, as if nothing were tied,
   * plus each tie group's move to its mean rank; the second is n(n² − 1)/12 less (t³ − t)/12 per
   * group of t tied values. With half-integer w (the IC's label rank deviations) every term and
   * partial sum is a multiple of 1/4 far below 2^53, so exact in any order.
   */
  rankDot(n: number, mn: number, mx: number, w: Float64Array, base: number, result: Float64Array, tol = 0): void {
    if (n <= 0 || mx - mn <= tol) {
      result[0] = 0;
      result[1] = 0;
      return;
    }
    kernel.rankDot(this.vals, n, mn, mx, w, base, tol, result);
  }

  /**
   * rankDot (tol 0) into result[0..1], and in the same passes the Pearson sums of the values
   * themselves against y — the IC's two correlations of one date: with a = Σ (vals[k] − mn) / n
   * and d_k = vals[k] − mn − a, Σ d_k·y[yBase + k] into result[2] and Σ d_k² into result[3]
   * (metrics_ref.py's shifted two-pass): the radix sort's key and first scatter passes read every
   * value in input order anyway, and carry the two Pearson passes along. Each sum is taken in two
   * lanes, even and odd k, added at the end: two chains of additions instead of one long one
   * (each waits for the one before it), ~5 % off the IC; the result differs from one running sum
   * by rounding only (test/helpers/sort-inputs.ts shiftedPearsonSums is the definition).
   */
  pearsonRankDot(n: number, mn: number, mx: number, w: Float64Array, wBase: number, y: Float64Array, yBase: number, result: Float64Array): void {
    kernel.pearsonRankDot(this.vals, n, mn, mx, w, wBase, y, yBase, result);
  }

  /**
   * The indices k < n ordered by vals[k] ascending, equal values by index (a stable sort). The
   * returned view is the scratch's own buffer: valid until the next call.
   */
  argsort(n: number): Int32Array {
    const { vals, order } = this;
    if (n <= 0) return order.subarray(0, 0);
    let mn = vals[0]!;
    let mx = mn;
    for (let k = 1; k < n; k++) {
      const v = vals[k]!;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    if (mn === mx) {
      for (let k = 0; k < n; k++) order[k] = k;
    } else {
      kernel.sort(vals, n, mn, mx);
      const sj = kernel.SJ;
      for (let k = 0; k < n; k++) order[k] = sj[k]!;
    }
    return order.subarray(0, n);
  }
}

/** Mean, sample std (ddof 1) and count of the finite entries of xs. */
export function meanStd(xs: ArrayLike<number>): { mean: number; std: number; n: number } {
  let n = 0;
  let s = 0;
  for (let k = 0; k < xs.length; k++) {
    const v = xs[k]!;
    if (Number.isFinite(v)) {
      s += v;
      n++;
    }
  }
  if (n === 0) return { mean: NaN, std: NaN, n };
  const mean = s / n;
  let ss = 0;
  for (let k = 0; k < xs.length; k++) {
    const v = xs[k]!;
    if (Number.isFinite(v)) ss += (v - mean) * (v - mean);
  }
  return { mean, std: n >= 2 ? Math.sqrt(ss / (n - 1)) : NaN, n };
}

/**
 * out[k*nInst + i] = src[i*nDates + from + k] for k < nd, in tiles so both sides stay in cache
 * (a per-date gather straight from the instrument-major array misses cache on every read).
 */
export function transposeWindow(src: Float64Array, nDates: number, nInst: number, from: number, nd: number, out: Float64Array): void {
  const B = 32;
  for (let i0 = 0; i0 < nInst; i0 += B) {
    const i1 = Math.min(nInst, i0 + B);
    for (let k0 = 0; k0 < nd; k0 += B) {
      const k1 = Math.min(nd, k0 + B);
      for (let i = i0; i < i1; i++) {
        const s = i * nDates + from;
        for (let k = k0; k < k1; k++) out[k * nInst + i] = src[s + k]!;
      }
    }
  }
}
