/**
 * Tie-averaged ranks of small cross-sections, fast: a hand-written quicksort
 * of (key, index) pairs in typed arrays (a comparator sort costs ~5× more).
 */

/** Sort keys[0..n) ascending, permuting idx alongside. Keys must be finite. */
export function sortPairs(keys: Float64Array, idx: Int32Array, n: number): void {
  quick(keys, idx, 0, n - 1);
}

function quick(k: Float64Array, ix: Int32Array, lo: number, hi: number): void {
  while (hi - lo > 16) {
    const mid = (lo + hi) >>> 1;
    // median of three as pivot
    if (k[mid]! < k[lo]!) swap(k, ix, mid, lo);
    if (k[hi]! < k[lo]!) swap(k, ix, hi, lo);
    if (k[hi]! < k[mid]!) swap(k, ix, hi, mid);
    const p = k[mid]!;
    let i = lo, j = hi;
    while (i <= j) {
      while (k[i]! < p) i++;
      while (k[j]! > p) j--;
      if (i <= j) { swap(k, ix, i, j); i++; j--; }
    }
    // recurse into the smaller side, loop on the larger
    if (j - lo < hi - i) { quick(k, ix, lo, j); lo = i; }
    else { quick(k, ix, i, hi); hi = j; }
  }
  for (let a = lo + 1; a <= hi; a++) {
    const kv = k[a]!, iv = ix[a]!;
    let b = a - 1;
    while (b >= lo && k[b]! > kv) { k[b + 1] = k[b]!; ix[b + 1] = ix[b]!; b--; }
    k[b + 1] = kv;
    ix[b + 1] = iv;
  }
}

function swap(k: Float64Array, ix: Int32Array, a: number, b: number): void {
  const kv = k[a]!; k[a] = k[b]!; k[b] = kv;
  const iv = ix[a]!; ix[a] = ix[b]!; ix[b] = iv;
}

/**
 * 1-based ranks of values[0..n) (finite), ties averaged, into out[0..n).
 * `keys` / `idx` are scratch arrays of at least n.
 */
export function averageRanks(values: Float64Array, n: number, keys: Float64Array, idx: Int32Array, out: Float64Array): void {
  for (let k = 0; k < n; k++) { keys[k] = values[k]!; idx[k] = k; }
  sortPairs(keys, idx, n);
  let a = 0;
  while (a < n) {
    let b = a;
    while (b + 1 < n && keys[b + 1] === keys[a]) b++;
    const r = (a + b) / 2 + 1;
    for (let m = a; m <= b; m++) out[idx[m]!] = r;
    a = b + 1;
  }
}
