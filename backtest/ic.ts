/**
 * Daily cross-sectional IC (Pearson) and RankIC (Spearman = Pearson on average ranks) of a factor
 * against the label, and their summaries — the semantics of shared/reference/metrics_ref.py:
 * per date, over the instruments in the cross-section (in span and, when the panel has one, in
 * the membership) whose factor and label are both finite; a date needs ≥ 2 such pairs and a
 * non-constant cross-section on both sides, otherwise its value is NaN and it does not count.
 * ICIR = mean / std (ddof 1) of the daily series, not annualised.
 *
 * Speed: the label side is prepared once per (label, window) — each date's in-cross-section
 * instruments sorted by label, with their deviations and rank deviations — and reused for every
 * factor, so a factor costs one gather and one radix-sort ranking per date, the Pearson passes
 * riding along the sort's (RankScratch.pearsonRankDot), with no allocation per date.
 */
import type { Panel } from "../factors/panel.ts";
import { Split, type IndexRange } from "./split.ts";
import { KEY_MAX, RankScratch, meanStd, pearson } from "./stats.ts";
import { RankDotWasm, wasmRankDotEnabled } from "./wasm/rank-dot.ts";

export interface ICSummary {
  readonly ic: number;
  readonly icir: number;
  readonly rankIc: number;
  readonly rankIcir: number;
  /** Dates with a defined IC / RankIC. */
  readonly days: number;
  readonly rankDays: number;
}

/** Daily series over a window: entry k is date `from + k`; NaN where the date does not count. */
export interface DailyIC {
  readonly from: number;
  readonly ic: Float64Array;
  readonly rankIc: Float64Array;
}

/** The dates a metric may read: a Split's label window (sealed labels), or a raw index range. */
export type MetricWindow = Split | IndexRange;

export function windowOf(w: MetricWindow, nDates: number): IndexRange {
  // Duck-typed on `labelTo` so a Split that crossed a worker boundary (a plain object after
  // structured cloning) is still read only up to its label horizon.
  const labelTo = (w as { labelTo?: unknown }).labelTo;
  const to = typeof labelTo === "number" ? Math.min(w.to, labelTo) : w.to;
  return { from: Math.max(0, w.from), to: Math.min(nDates - 1, to) };
}

/** True when instrument i is in the cross-section at t (span and membership). */
function inCross(panel: Panel, i: number, t: number): boolean {
  if (t < panel.first[i]! || t > panel.last[i]!) return false;
  return panel.member === undefined || panel.member[i * panel.nDates + t] === 1;
}

/** The arrays of a LabelCrossSections, on SharedArrayBuffers (cloneable to workers, not copied). */
export interface LabelCrossSectionsData {
  readonly from: number;
  readonly to: number;
  readonly maxCount: number;
  readonly offsets: Int32Array;
  readonly order: Int32Array;
  readonly values: Float64Array;
  readonly dev: Float64Array;
  readonly ss: Float64Array;
  readonly rankDev: Float64Array;
  readonly rankSs: Float64Array;
  /** Dates ICEvaluator transposes at a time (tileDatesFor). */
  readonly tileDates: number;
  /**
   * Where ICEvaluator's transpose puts each factor value, so that each date's values come out in
   * label order: for date k = T·g + d (T = tileDates, d < T) and instrument i,
   * positions[(g·nInst + i)·T + d] = d·(nInst + 1) + the instrument's place in date k's label
   * order (an index into that date's slice of `order`), or d·(nInst + 1) + nInst when it is not
   * among them. Laid out by tile, instrument, date: the transpose reads it in one sequential stream.
   */
  readonly positions: Int32Array;
}

function sharedF64(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(Math.max(1, n) * 8), 0, n);
}

function sharedI32(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Math.max(1, n) * 4), 0, n);
}

/** The cross-sections of `label` over `window` (see LabelCrossSections), for tiles of at most tileBytes. */
function prepareCrossSections(label: Float64Array, panel: Panel, window: MetricWindow, tileBytes: number): LabelCrossSectionsData {
  const { from, to } = windowOf(window, panel.nDates);
  const nd = Math.max(0, to - from + 1);
  const { nInst } = panel;
  // The window's labels date-major first, NaN outside the cross-section: the passes below then
  // read each date's labels from one contiguous row, not one page per instrument.
  const byDate = crossSectionsByDate(label, panel, from, nd);
  // Count first, so every array is allocated once at its final size (fresh pages cost a fault each).
  const offsets = sharedI32(nd + 1);
  countFinite(byDate, nd, nInst, offsets);
  const total = offsets[nd]!;
  const order = sharedI32(total);
  const values = sharedF64(total);
  const maxCount = sortDates(byDate, nd, nInst, offsets, order, values);
  const dev = sharedF64(total);
  const rankDev = sharedF64(total);
  const ss = sharedF64(nd);
  const rankSs = sharedF64(nd);
  const tileDates = tileDatesFor(nInst, tileBytes);
  const positions = sharedI32(Math.ceil(nd / tileDates) * tileDates * nInst);
  for (let k = 0; k < nd; k++) {
    const o0 = offsets[k]!;
    const m = offsets[k + 1]! - o0;
    const ys = values.subarray(o0, o0 + m);
    ss[k] = deviations(ys, m, dev.subarray(o0, o0 + m));
    rankSs[k] = rankDeviationsOfSorted(ys, m, rankDev.subarray(o0, o0 + m));
    // this date's slots: (tile, instrument, date in tile) → row start + place (+ nInst: not in the set)
    const d = k % tileDates;
    const at = (k - d) * nInst + d;
    const row = d * (nInst + 1);
    for (let i = 0; i < nInst; i++) positions[at + i * tileDates] = row + nInst;
    for (let j = 0; j < m; j++) positions[at + order[o0 + j]! * tileDates] = row + j;
  }
  return { from, to, maxCount, offsets, order, values, dev, ss, rankDev, rankSs, tileDates, positions };
}

/**
 * out[k × nInst + i] = label of instrument i at date from + k when it is in the cross-section
 * there (inside its span and, with a membership, a member), else NaN; k < nd. Written 8 dates
 * at a time (one cache line of each instrument's series to 8 rows).
 */
function crossSectionsByDate(label: Float64Array, panel: Panel, from: number, nd: number): Float64Array {
  const { nDates, nInst, first, last, member } = panel;
  const out = new Float64Array(nd * nInst);
  for (let k0 = 0; k0 < nd; k0 += LINE_DATES) {
    const k1 = Math.min(nd, k0 + LINE_DATES);
    for (let i = 0; i < nInst; i++) {
      const b = i * nDates + from;
      const f = first[i]! - from;
      const l = last[i]! - from;
      for (let k = k0; k < k1; k++) {
        const inCross = k >= f && k <= l && (member === undefined || member[b + k] === 1);
        out[k * nInst + i] = inCross ? label[b + k]! : NaN;
      }
    }
  }
  return out;
}

/** offsets[k + 1] = offsets[k] + the finite values of row k (offsets[0] stays 0). */
function countFinite(byDate: Float64Array, nd: number, nInst: number, offsets: Int32Array): void {
  for (let k = 0; k < nd; k++) {
    let m = 0;
    for (let p = k * nInst, e = p + nInst; p < e; p++) {
      const v = byDate[p]!;
      if (v - v === 0) m++;
    }
    offsets[k + 1] = offsets[k]! + m;
  }
}

/**
 * Each row's finite values and their instruments into values / order at its offsets, sorted by
 * value ascending, ties by instrument index (the sort is stable and instruments ascend); returns
 * the largest count.
 */
function sortDates(byDate: Float64Array, nd: number, nInst: number, offsets: Int32Array, order: Int32Array, values: Float64Array): number {
  const sorter = new RankScratch(nInst);
  const vals = sorter.vals;
  const idx = new Int32Array(nInst);
  let maxCount = 0;
  for (let k = 0; k < nd; k++) {
    const row = k * nInst;
    let m = 0;
    for (let i = 0; i < nInst; i++) {
      const v = byDate[row + i]!;
      if (v - v === 0) {
        vals[m] = v;
        idx[m] = i;
        m++;
      }
    }
    const perm = sorter.argsort(m);
    const pos = offsets[k]!;
    for (let j = 0; j < m; j++) {
      const q = perm[j]!;
      order[pos + j] = idx[q]!;
      values[pos + j] = vals[q]!;
    }
    if (m > maxCount) maxCount = m;
  }
  return maxCount;
}

/**
 * One label prepared for a window: per date, the instruments in the cross-section with a finite
 * label, sorted by label ascending (ties by instrument index), and their label values. Its arrays
 * live on SharedArrayBuffers, so one thread prepares it and pool workers reuse it (`data`,
 * `fromData`): threads share memory, so the workers neither recompute nor touch fresh pages.
 */
export class LabelCrossSections implements LabelCrossSectionsData {
  readonly panel: Panel;
  readonly from: number;
  readonly to: number;
  /** offsets[k]..offsets[k+1] index `order`/`values` for date from + k. */
  readonly offsets: Int32Array;
  readonly order: Int32Array;
  readonly values: Float64Array;
  /** Largest cross-section, for sizing scratch buffers. */
  readonly maxCount: number;
  /**
   * For the date's whole label set (used when a factor is finite wherever the label is, the usual
   * case): label deviations from the mean (shifted two-pass) and their sum of squares, and rank
   * deviations from (n+1)/2 and theirs.
   */
  readonly dev: Float64Array;
  readonly ss: Float64Array;
  readonly rankDev: Float64Array;
  readonly rankSs: Float64Array;
  /** Dates ICEvaluator transposes at a time (tileDatesFor). */
  readonly tileDates: number;
  /** Each instrument's place in each date's label order (see LabelCrossSectionsData). */
  readonly positions: Int32Array;

  /** Prepares `label` over `window`, for transpose tiles of at most tileBytes (see tileDatesFor). */
  constructor(label: Float64Array, panel: Panel, window: MetricWindow, tileBytes?: number);
  /** Adopts arrays prepared elsewhere (see fromData). */
  constructor(data: LabelCrossSectionsData, panel: Panel);
  constructor(label: Float64Array | LabelCrossSectionsData, panel: Panel, window?: MetricWindow, tileBytes = DEFAULT_TILE_BYTES) {
    // Both kinds are made here, their fields assigned in one order, so they share one hidden class:
    // adopted ones were once assembled by Object.assign (another class), and the IC's per-date
    // function, optimised on one kind, was deoptimised ("wrong map") when it met the other (a
    // worker's warm-up label, then its tasks' labels).
    const d = label instanceof Float64Array ? prepareCrossSections(label, panel, window!, tileBytes) : label;
    this.panel = panel;
    this.from = d.from;
    this.to = d.to;
    this.offsets = d.offsets;
    this.order = d.order;
    this.values = d.values;
    this.maxCount = d.maxCount;
    this.dev = d.dev;
    this.ss = d.ss;
    this.rankDev = d.rankDev;
    this.rankSs = d.rankSs;
    this.tileDates = d.tileDates;
    this.positions = d.positions;
  }

  /** The prepared arrays (shared memory: structured-cloning them to a worker copies nothing). */
  get data(): LabelCrossSectionsData {
    const { from, to, maxCount, offsets, order, values, dev, ss, rankDev, rankSs, tileDates, positions } = this;
    return { from, to, maxCount, offsets, order, values, dev, ss, rankDev, rankSs, tileDates, positions };
  }

  /** A LabelCrossSections over arrays prepared elsewhere (`data`) for the same panel. */
  static fromData(d: LabelCrossSectionsData, panel: Panel): LabelCrossSections {
    return new LabelCrossSections(d, panel);
  }

  get nDates(): number {
    return this.offsets.length - 1;
  }
}

/**
 * Deviations of ys[0..n) (ascending, so ys[0] is the minimum) from their mean, computed as
 * metrics_ref.py does (shift by the minimum, then two-pass); returns the sum of squares.
 */
function deviations(ys: Float64Array, n: number, out: Float64Array): number {
  const mn = ys[0]!;
  let s = 0;
  for (let k = 0; k < n; k++) s += ys[k]! - mn;
  const a = s / n;
  let ss = 0;
  for (let k = 0; k < n; k++) {
    const d = ys[k]! - mn - a;
    out[k] = d;
    ss += d * d;
  }
  return ss;
}

/**
 * Average ranks of an ascending-sorted ys[0..n) minus their mean (n+1)/2 into out (ties share
 * the mean rank); returns the sum of squares.
 */
function rankDeviationsOfSorted(ys: Float64Array, n: number, out: Float64Array): number {
  const c = (n + 1) * 0.5; // × 0.5: a double whatever n (V8 speculates on integers otherwise)
  let ss = 0;
  let a = 0;
  while (a < n) {
    let b = a + 1;
    while (b < n && ys[b] === ys[a]) b++;
    const d = (a + 1 + b) * 0.5 - c;
    for (let k = a; k < b; k++) out[k] = d;
    ss += d * d * (b - a);
    a = b;
  }
  return ss;
}

/** 8 doubles: one cache line of an instrument's series. */
const LINE_DATES = 8;

/**
 * Bytes of ICEvaluator's tile (rows of nInst + 1 doubles) that tileDatesFor aims at by default:
 * the tile should stay in a core's L2 (the pool passes a budget from the machine's L2 size,
 * src/pool/cache-size.ts).
 */
export const DEFAULT_TILE_BYTES = 256 * 1024;

/**
 * Dates ICEvaluator transposes at a time for a panel of nInst instruments: a multiple of 8 (whole
 * cache lines of each instrument's series) from 8 to 128, the tile at most tileBytes (so that it
 * stays in a core's L2). Long runs per instrument are what make the transpose cheap: the factor is
 * read from memory (it has just left the cache), and only a long sequential run per instrument
 * lets the hardware prefetcher keep ~500 interleaved streams ahead. Alpha158 on the S&P 500 file
 * (505 instruments, Xeon VM with 2 MB of L2): the transpose 420 -> 200 ms (both threads together)
 * from 8 dates to 128 (a 512 KB tile); 256 dates were no better, 512 (2 MB, all of L2) worse.
 */
export function tileDatesFor(nInst: number, tileBytes = DEFAULT_TILE_BYTES): number {
  const fit = Math.floor(tileBytes / (8 * (nInst + 1)) / LINE_DATES) * LINE_DATES;
  return Math.min(128, Math.max(LINE_DATES, fit));
}

/**
 * Row d of the tile (at d × (nInst + 1)) receives date col + d of the factor in the label's order of
 * that date, for d < kk and every instrument i: factor[i × nDates + col + d] goes to
 * tile[positions[pb + i × T + d]] (LabelCrossSections.positions, T its tileDates: pb is the tile's
 * start there) — an instrument outside the date's label set to the row's last slot, which nothing
 * reads. So each date's values lie in one contiguous run in label order, ready for the ranking,
 * with no gather through the label's order afterwards (that gather, an indirect load per value,
 * cost about as much as the rest of the transpose). Eight values are loaded, then stored, in
 * straight-line code — 2× faster than a loop over d, whose loads V8 must keep after the previous
 * stores (tile and factor might alias). A function of its own, so the hot loop is optimised apart
 * from daily's: daily, optimised mid-loop during its first factor, deoptimised at the next (the
 * kernel's branch had had no type feedback yet).
 */
function transposeTile(factor: Float64Array, nDates: number, col: number, kk: number, tile: Float64Array, nInst: number, positions: Int32Array, pb: number, T: number): void {
  const whole = kk & ~7;
  for (let i = 0; i < nInst; i++) {
    const b0 = i * nDates + col;
    const q0 = pb + i * T;
    for (let g = 0; g < whole; g += 8) {
      const b = b0 + g;
      const q = q0 + g;
      const v0 = factor[b]!;
      const v1 = factor[b + 1]!;
      const v2 = factor[b + 2]!;
      const v3 = factor[b + 3]!;
      const v4 = factor[b + 4]!;
      const v5 = factor[b + 5]!;
      const v6 = factor[b + 6]!;
      const v7 = factor[b + 7]!;
      tile[positions[q]!] = v0;
      tile[positions[q + 1]!] = v1;
      tile[positions[q + 2]!] = v2;
      tile[positions[q + 3]!] = v3;
      tile[positions[q + 4]!] = v4;
      tile[positions[q + 5]!] = v5;
      tile[positions[q + 6]!] = v6;
      tile[positions[q + 7]!] = v7;
    }
    for (let d = whole; d < kk; d++) tile[positions[q0 + d]!] = factor[b0 + d]!;
  }
}

/** Date k's IC and RankIC from pearsonRankDot's sums and the label side's sums of squares. */
function storeDay(dot: Float64Array, syy: number, srr: number, k: number, ic: Float64Array, rankIc: Float64Array): void {
  const c = dot[2]! / Math.sqrt(dot[3]! * syy);
  ic[k] = c - c === 0 ? c : NaN; // a constant factor gives 0/0
  const rc = dot[0]! / Math.sqrt(dot[1]! * srr);
  rankIc[k] = rc - rc === 0 ? rc : NaN;
}

/** Options of an ICEvaluator. */
export interface ICEvaluatorOptions {
  /**
   * Rank with the WebAssembly kernel (./wasm/rank-dot.ts) from the second factor on (default:
   * on unless QUANTA_NO_WASM=1). It gives the same bits as the JavaScript kernel; off, tests
   * compare the two.
   */
  readonly wasm?: boolean;
}

/** Daily IC / RankIC of many factors against one prepared label; scratch reused across calls. */
export class ICEvaluator {
  readonly label: LabelCrossSections;
  private readonly ly: Float64Array;
  /** The label side of a date with missing factor values (recomputed over the pairs). */
  private dy: Float64Array;
  private dr: Float64Array;
  /** The label's deviations and rank deviations (L.dev, L.rankDev, or the kernel's copies). */
  private dev: Float64Array;
  private rankDev: Float64Array;
  /** Where day() gathers a date's factor values: the JavaScript scratch's input or the kernel's. */
  private fx: Float64Array;
  private kernel: RankDotWasm | undefined;
  private readonly useWasm: boolean;
  private factors = 0;
  /** pearsonRankDot's four sums. */
  private readonly dot = new Float64Array(4);
  private readonly scratch: RankScratch;
  /**
   * label.tileDates dates of a factor, date-major, each in its label order: row d at
   * d × (nInst + 1) (see transposeTile); the kernel's copy once attached.
   */
  private tile: Float64Array;

  constructor(label: Float64Array | LabelCrossSections, panel: Panel, window: MetricWindow, opts: ICEvaluatorOptions = {}) {
    this.label = label instanceof LabelCrossSections ? label : new LabelCrossSections(label, panel, window);
    const cap = this.label.maxCount;
    this.ly = new Float64Array(cap);
    this.dy = new Float64Array(cap);
    this.dr = new Float64Array(cap);
    this.dev = this.label.dev;
    this.rankDev = this.label.rankDev;
    this.scratch = new RankScratch(cap);
    this.fx = this.scratch.vals;
    this.kernel = undefined;
    this.useWasm = opts.wasm ?? wasmRankDotEnabled;
    this.tile = new Float64Array(this.label.tileDates * (this.label.panel.nInst + 1));
  }

  daily(factor: Float64Array): DailyIC {
    // The kernel from the second factor on: a one-off IC does not pay for its set-up (an instance,
    // and a copy of the label's arrays into its memory).
    if (++this.factors === 2 && this.useWasm) this.attachKernel();
    const L = this.label;
    const nd = L.nDates;
    const ic = new Float64Array(nd).fill(NaN);
    const rankIc = new Float64Array(nd).fill(NaN);
    const { nDates, nInst } = L.panel;
    const tile = this.tile;
    const kernel = this.kernel;
    const w = nInst + 1;
    const T = L.tileDates;
    for (let k0 = 0; k0 < nd; k0 += T) {
      // Transpose the next T dates of every instrument into the tile (date-major, each date
      // in its label order), then rank each date from its tile row. Read straight from the
      // instrument-major array in label order, each value is a load from another page (~500 per
      // date): 2× slower on a Xeon VM.
      const kk = Math.min(T, nd - k0);
      transposeTile(factor, nDates, L.from + k0, kk, tile, nInst, L.positions, k0 * nInst, T);
      // One call per date, not one long loop: a function optimised on its own is not at the mercy
      // of on-stack replacement of the whole loop (which V8 sometimes keeps deoptimising).
      if (kernel !== undefined) for (let d = 0; d < kk; d++) this.dayByKernel(kernel, d * w, k0 + d, ic, rankIc);
      else for (let d = 0; d < kk; d++) this.day(d * w, k0 + d, ic, rankIc);
    }
    return { from: L.from, ic, rankIc };
  }

  private attachKernel(): void {
    const L = this.label;
    const cap = L.maxCount;
    const total = L.dev.length;
    const tileLength = this.tile.length;
    const kernel = new RankDotWasm([total, total, cap, cap, tileLength]);
    this.dev = kernel.f64(total);
    this.dev.set(L.dev);
    this.rankDev = kernel.f64(total);
    this.rankDev.set(L.rankDev);
    this.dy = kernel.f64(cap);
    this.dr = kernel.f64(cap);
    this.tile = kernel.f64(tileLength);
    this.fx = kernel.input;
    this.kernel = kernel;
  }

  /**
   * Date k of the window by the kernel, its factor values in label order in the tile from rowAt:
   * the kernel ranks them; a date it leaves (missing factor values, a range that cannot be keyed,
   * a run it gave up on: rare) is finished by rankDay from the values it hands back.
   */
  private dayByKernel(kernel: RankDotWasm, rowAt: number, k: number, ic: Float64Array, rankIc: Float64Array): void {
    const L = this.label;
    const o0 = L.offsets[k]!;
    const m = L.offsets[k + 1]! - o0;
    // Fewer than 2 pairs, or a constant label (then constant over any subset of pairs too): NaN.
    if (m < 2 || L.values[o0] === L.values[o0 + m - 1]) return;
    const status = kernel.day(RankDotWasm.addressOf(this.tile, rowAt), m, RankDotWasm.addressOf(this.rankDev, o0), RankDotWasm.addressOf(this.dev, o0));
    if (status === 0) {
      storeDay(kernel.result, L.ss[k]!, L.rankSs[k]!, k, ic, rankIc);
      return;
    }
    const fx = this.fx;
    const n = status - 1;
    let mn = Infinity;
    let mx = -Infinity;
    for (let q = 0; q < n; q++) {
      const f = fx[q]!;
      if (f < mn) mn = f;
      if (f > mx) mx = f;
    }
    this.rankDay(rowAt, k, n, mn, mx, ic, rankIc);
  }

  /**
   * IC and RankIC of date k of the window (left NaN when the date does not count), its factor
   * values in label order in the tile from rowAt.
   */
  private day(rowAt: number, k: number, ic: Float64Array, rankIc: Float64Array): void {
    const L = this.label;
    const fx = this.fx;
    const row = this.tile;
    const { offsets } = L;
    const m = offsets[k + 1]! - offsets[k]!;
    let n = 0;
    let mn = Infinity;
    let mx = -Infinity;
    for (let j = rowAt, e = rowAt + m; j < e; j++) {
      const f = row[j]!;
      if (f - f === 0) {
        fx[n++] = f;
        if (f < mn) mn = f;
        if (f > mx) mx = f;
      }
    }
    this.rankDay(rowAt, k, n, mn, mx, ic, rankIc);
  }

  /**
   * Date k from its n finite factor values gathered into fx[0..n) in label order (min mn, max
   * mx), the tile row at rowAt (the date's values in label order) telling which labels they pair with.
   */
  private rankDay(rowAt: number, k: number, n: number, mn: number, mx: number, ic: Float64Array, rankIc: Float64Array): void {
    const L = this.label;
    const fx = this.fx;
    const row = this.tile;
    const { offsets } = L;
    const o0 = offsets[k]!;
    const o1 = offsets[k + 1]!;
    if (n < 2) return;
    // Label side: the date's precomputed deviations when every label has a factor value,
    // otherwise recomputed over the pairs (still sorted by label). Offsets, not subarray views,
    // so nothing is allocated per date.
    let dy = this.dev;
    let dr = this.rankDev;
    let base = o0;
    let syy: number;
    let srr: number;
    if (n === o1 - o0) {
      if (L.values[o0] === L.values[o1 - 1]) return; // constant label
      syy = L.ss[k]!;
      srr = L.rankSs[k]!;
    } else {
      // Some factor values missing (rare): which labels pair up is read again rather than
      // recorded in the gather, which then does one store per value less.
      const ly = this.ly;
      const values = L.values;
      let q = 0;
      for (let j = o0; j < o1; j++) {
        const f = row[rowAt + j - o0]!;
        if (f - f === 0) ly[q++] = values[j]!;
      }
      if (ly[0] === ly[n - 1]) return;
      dy = this.dy;
      dr = this.dr;
      base = 0;
      syy = deviations(ly, n, dy);
      srr = rankDeviationsOfSorted(ly, n, dr);
    }
    // Pearson (factor side shifted by its minimum, then two-pass, as metrics_ref.py) and
    // Spearman (Pearson of average ranks; both rank means are (n+1)/2 exactly) in the same passes:
    // by the WebAssembly kernel when it is attached and the range can be keyed, else (or when it
    // gives up) by the JavaScript one, which computes the same bits.
    let dot: Float64Array = this.dot;
    const kernel = this.kernel;
    const scale = KEY_MAX / (mx - mn); // keyable: the kernel's precondition, as the JavaScript one's
    if (kernel !== undefined && scale > 0 && scale < Infinity && kernel.prd(RankDotWasm.addressOf(fx, 0), n, mn, mx, RankDotWasm.addressOf(dr, base), RankDotWasm.addressOf(dy, base)) === 0) {
      dot = kernel.result;
    } else {
      const vals = this.scratch.vals;
      if (fx !== vals) for (let q = 0; q < n; q++) vals[q] = fx[q]!;
      this.scratch.pearsonRankDot(n, mn, mx, dr, base, dy, base, dot);
    }
    storeDay(dot, syy, srr, k, ic, rankIc);
  }

  metrics(factor: Float64Array): ICSummary {
    return summarizeIC(this.daily(factor));
  }
}

/** Mean, mean/std (ddof 1) and count of the finite daily values. */
export function summarizeSeries(xs: ArrayLike<number>): { mean: number; ir: number; n: number } {
  const { mean, std, n } = meanStd(xs);
  return { mean, ir: n >= 2 && std > 0 ? mean / std : NaN, n };
}

export function summarizeIC(d: Pick<DailyIC, "ic" | "rankIc">): ICSummary {
  const a = summarizeSeries(d.ic);
  const b = summarizeSeries(d.rankIc);
  return { ic: a.mean, icir: a.ir, rankIc: b.mean, rankIcir: b.ir, days: a.n, rankDays: b.n };
}

/** IC summary of one factor (prepares the label; use ICEvaluator for many factors). */
export function icMetrics(factor: Float64Array, label: Float64Array, panel: Panel, window: MetricWindow): ICSummary {
  return new ICEvaluator(label, panel, window).metrics(factor);
}

/**
 * Mean over dates of the cross-sectional Spearman correlation between two factors (the redundancy
 * measure): per date over the instruments in the cross-section where both are finite, ≥ 2 pairs
 * and both sides non-constant, else the date is skipped. NaN when no date counts. Reads no label,
 * so the full window (not the label window) of a Split is used.
 */
export function meanCrossSectionalRankCorr(
  a: Float64Array,
  b: Float64Array,
  panel: Panel,
  window: MetricWindow,
): number {
  const r = window instanceof Split ? window.window() : window;
  const from = Math.max(0, r.from);
  const to = Math.min(panel.nDates - 1, r.to);
  const { nDates, nInst } = panel;
  const sa = new RankScratch(nInst);
  const sb = new RankScratch(nInst);
  const xa = sa.vals;
  const xb = sb.vals;
  const ra = new Float64Array(nInst);
  const rb = new Float64Array(nInst);
  let sum = 0;
  let days = 0;
  for (let t = from; t <= to; t++) {
    let n = 0;
    for (let i = 0; i < nInst; i++) {
      const p = i * nDates + t;
      const va = a[p]!;
      const vb = b[p]!;
      if (va - va === 0 && vb - vb === 0 && inCross(panel, i, t)) {
        xa[n] = va;
        xb[n] = vb;
        n++;
      }
    }
    if (n < 2) continue;
    sa.ranks(n, ra);
    sb.ranks(n, rb);
    const c = pearson(ra, rb, n);
    if (Number.isFinite(c)) {
      sum += c;
      days++;
    }
  }
  return days > 0 ? sum / days : NaN;
}
