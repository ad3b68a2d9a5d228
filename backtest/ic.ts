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
import { RankScratch, meanStd, pearson } from "./stats.ts";
import { LABEL_HORIZON, labelReturnAt } from "./label.ts";

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

/**
 * One run of consecutive dates [from, to] of a label's cross-sections: per date, the instruments
 * in the cross-section with a finite label, sorted by label ascending (ties by instrument index),
 * with their label values; and for the date's whole label set (what a factor finite wherever the
 * label is, the usual case, pairs with) the label deviations from the mean (shifted two-pass) and
 * their sum of squares, and the rank deviations from (n+1)/2 and theirs. The arrays are sized for
 * every instrument on every date (an upper bound: pages past the used part are never touched), so
 * a part can be laid out before anyone knows its counts.
 */
export interface SectionPartData {
  readonly from: number;
  readonly to: number;
  /** offsets[k]..offsets[k+1] index order/values/dev/rankDev for date from + k. */
  readonly offsets: Int32Array;
  readonly order: Int32Array;
  readonly values: Float64Array;
  readonly dev: Float64Array;
  readonly ss: Float64Array;
  readonly rankDev: Float64Array;
  readonly rankSs: Float64Array;
}

/** A SectionPartData as a class instance: every part has one hidden class (see LabelCrossSections). */
class SectionPart implements SectionPartData {
  readonly from: number;
  readonly to: number;
  readonly offsets: Int32Array;
  readonly order: Int32Array;
  readonly values: Float64Array;
  readonly dev: Float64Array;
  readonly ss: Float64Array;
  readonly rankDev: Float64Array;
  readonly rankSs: Float64Array;

  constructor(d: SectionPartData) {
    this.from = d.from;
    this.to = d.to;
    this.offsets = d.offsets;
    this.order = d.order;
    this.values = d.values;
    this.dev = d.dev;
    this.ss = d.ss;
    this.rankDev = d.rankDev;
    this.rankSs = d.rankSs;
  }
}

/** The default label, computed from the close prices and spans of a panel (see labelReturns). */
export interface ReturnsLabelSource {
  readonly close: Float64Array;
  readonly first: Int32Array;
  readonly last: Int32Array;
}

/** What a part's labels are read from: the label itself, or the prices it is computed from. */
type LabelSource = Float64Array | ReturnsLabelSource;

/**
 * The parts of the dates [from, to] (`n` runs of about equal length), their arrays views into one
 * buffer per array for all parts, each sized for every instrument on every date — an upper bound:
 * pages past the used part of each run are never touched. `shared`: on SharedArrayBuffers.
 */
function layOutParts(from: number, to: number, n: number, nInst: number, shared: boolean): SectionPartData[] {
  const nd = to - from + 1;
  const f64 = (len: number) => (shared ? new Float64Array(new SharedArrayBuffer(Math.max(1, len) * 8), 0, len) : new Float64Array(len));
  const i32 = (len: number) => (shared ? new Int32Array(new SharedArrayBuffer(Math.max(1, len) * 4), 0, len) : new Int32Array(len));
  const offsets = i32(nd + n);
  const order = i32(nInst * nd);
  const values = f64(nInst * nd);
  const dev = f64(nInst * nd);
  const rankDev = f64(nInst * nd);
  const ss = f64(nd);
  const rankSs = f64(nd);
  const parts: SectionPartData[] = [];
  for (let k = 0; k < n; k++) {
    const a = Math.floor((nd * k) / n);
    const b = Math.floor((nd * (k + 1)) / n); // dates [a, b) of the window
    const cells = (x: { subarray(s: number, e: number): unknown }) => x.subarray(nInst * a, nInst * b);
    parts.push({
      from: from + a,
      to: from + b - 1,
      offsets: offsets.subarray(a + k, b + k + 1),
      order: cells(order) as Int32Array,
      values: cells(values) as Float64Array,
      dev: cells(dev) as Float64Array,
      ss: ss.subarray(a, b),
      rankDev: cells(rankDev) as Float64Array,
      rankSs: rankSs.subarray(a, b),
    });
  }
  return parts;
}

/** The instruments in the cross-section at t with a finite label, into vals/idx (by index); their count. */
function gatherLabels(src: Float64Array, panel: Panel, t: number, vals: Float64Array, idx: Int32Array): number {
  const { nDates, nInst } = panel;
  let m = 0;
  for (let i = 0; i < nInst; i++) {
    const v = src[i * nDates + t]!;
    if (v - v === 0 && inCross(panel, i, t)) {
      vals[m] = v;
      idx[m] = i;
      m++;
    }
  }
  return m;
}

/** gatherLabels with the label computed from the prices (labelReturns' cells, at t only). */
function gatherReturns(src: ReturnsLabelSource, panel: Panel, t: number, vals: Float64Array, idx: Int32Array): number {
  const { nDates, nInst } = panel;
  const { close, first, last } = src;
  let m = 0;
  for (let i = 0; i < nInst; i++) {
    if (t < first[i]! || t > last[i]! - LABEL_HORIZON || !inCross(panel, i, t)) continue;
    const v = labelReturnAt(close, i * nDates + t);
    if (v - v === 0) {
      vals[m] = v;
      idx[m] = i;
      m++;
    }
  }
  return m;
}

/** Fills a part's arrays from the labels at its dates. */
function preparePart(src: LabelSource, panel: Panel, p: SectionPartData): void {
  const { nInst } = panel;
  const { order, values, offsets } = p;
  const sorter = new RankScratch(nInst);
  const idx = new Int32Array(nInst);
  let pos = 0;
  offsets[0] = 0;
  for (let k = 0; k <= p.to - p.from; k++) {
    const t = p.from + k;
    const m = src instanceof Float64Array ? gatherLabels(src, panel, t, sorter.vals, idx) : gatherReturns(src, panel, t, sorter.vals, idx);
    // By label ascending, ties by instrument index (the sort is stable and idx ascends).
    const perm = sorter.argsort(m);
    for (let j = 0; j < m; j++) {
      const q = perm[j]!;
      order[pos + j] = idx[q]!;
      values[pos + j] = sorter.vals[q]!;
    }
    p.ss[k] = deviations(values, pos, m, p.dev);
    p.rankSs[k] = rankDeviationsOfSorted(values, pos, m, p.rankDev);
    pos += m;
    offsets[k + 1] = pos;
  }
}

/** Atomics states of a shared part. */
const FREE = 0;
const CLAIMED = 1;
const READY = 2;
const FAILED = 3;
/** How long a thread waits for a part another thread claimed before it gives up (that thread died). */
const PART_WAIT_LIMIT_MS = 120_000;

/**
 * A label's cross-sections laid out on shared memory but not computed yet: the threads that use
 * them prepare them together (LabelCrossSections from it), each claiming parts no one has
 * claimed, then waiting for the parts others claimed. Whoever is free first does the work, so the
 * pool's workers start while the caller is still preparing, and no thread sits idle waiting for
 * one that prepares the whole label alone. Structured-clones to workers without copying.
 */
export interface SharedLabelSections {
  readonly from: number;
  readonly to: number;
  readonly parts: readonly SectionPartData[];
  /** Per part: free, claimed or ready (Atomics). */
  readonly state: Int32Array;
  /** The label (instrument-major), or the prices each part computes its dates' labels from. */
  readonly label: LabelSource;
}

/** `a` on a SharedArrayBuffer: itself when it already is, else a copy. */
function onShared<A extends Float64Array | Int32Array>(a: A): A {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const copy = new (a.constructor as new (b: SharedArrayBuffer) => A)(new SharedArrayBuffer(a.byteLength));
  copy.set(a);
  return copy;
}

/**
 * Lays out the cross-sections of a label over `window` in `parts` runs of dates, computing
 * nothing. `label` is either the label itself or `{ returnsOf }`: the default label (see
 * labelReturns) of that panel — which may have wider spans than `panel`, whose spans and
 * membership decide the cross-sections — computed by the preparing threads, each at its dates.
 */
export function layOutSharedSections(
  label: Float64Array | { readonly returnsOf: Panel },
  panel: Panel,
  window: MetricWindow,
  parts: number,
): SharedLabelSections {
  const { from, to } = windowOf(window, panel.nDates);
  const nd = Math.max(0, to - from + 1);
  const laid = nd > 0 ? layOutParts(from, to, Math.max(1, Math.min(nd, Math.floor(parts))), panel.nInst, true) : [];
  const state = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, laid.length)));
  if (label instanceof Float64Array) return { from, to, parts: laid, state, label: onShared(label) };
  const src = label.returnsOf;
  const close = src.fields.get("close");
  if (close === undefined) throw new Error("labelReturns: the panel has no close field");
  if (src.nDates !== panel.nDates || src.nInst !== panel.nInst) throw new Error("layOutSharedSections: the label's panel has another shape");
  return { from, to, parts: laid, state, label: { close: onShared(close), first: onShared(src.first), last: onShared(src.last) } };
}

/** Prepares the parts no thread has claimed, then waits until the others' are ready. */
function completeSharedSections(s: SharedLabelSections, panel: Panel): void {
  const { state, parts } = s;
  for (let k = 0; k < parts.length; k++) {
    if (Atomics.compareExchange(state, k, FREE, CLAIMED) !== FREE) continue;
    const p = parts[k]!;
    try {
      preparePart(s.label, panel, p);
      Atomics.store(state, k, READY);
    } catch (e) {
      Atomics.store(state, k, FAILED);
      throw e;
    } finally {
      Atomics.notify(state, k);
    }
  }
  for (let k = 0; k < parts.length; k++) {
    const t0 = Date.now();
    let st = Atomics.load(state, k);
    while (st === CLAIMED) {
      if (Date.now() - t0 > PART_WAIT_LIMIT_MS) throw new Error("the label's cross-sections: a thread that was preparing them stopped");
      Atomics.wait(state, k, CLAIMED, 1000);
      st = Atomics.load(state, k);
    }
    if (st !== READY) throw new Error("the label's cross-sections: a thread failed to prepare them");
  }
}

/**
 * A label prepared for a window: its cross-sections per date (see SectionPartData), in runs of
 * dates (parts). Made from a label array (this thread prepares everything) or from a
 * SharedLabelSections (the pool's threads prepare it together).
 */
export class LabelCrossSections {
  readonly panel: Panel;
  readonly from: number;
  readonly to: number;
  /** Largest possible cross-section, for sizing scratch buffers. */
  readonly maxCount: number;
  readonly parts: readonly SectionPart[];

  /** Prepares `label` over `window`. */
  constructor(label: Float64Array, panel: Panel, window: MetricWindow);
  /** Completes shared sections with the other threads using them, and adopts them. */
  constructor(shared: SharedLabelSections, panel: Panel);
  constructor(label: Float64Array | SharedLabelSections, panel: Panel, window?: MetricWindow) {
    // One constructor, fields assigned in one order: both kinds share one hidden class, so the
    // IC's per-date code, optimised on one (a worker's warm-up label), is not deoptimised
    // ("wrong map") by the other (its tasks' labels).
    let from: number;
    let to: number;
    let parts: readonly SectionPartData[];
    if (label instanceof Float64Array) {
      ({ from, to } = windowOf(window!, panel.nDates));
      parts = to >= from ? layOutParts(from, to, 1, panel.nInst, false) : [];
      for (const p of parts) preparePart(label, panel, p);
    } else {
      completeSharedSections(label, panel);
      ({ from, to, parts } = label);
    }
    this.panel = panel;
    this.from = from;
    this.to = to;
    this.maxCount = Math.max(1, panel.nInst);
    this.parts = parts.map((p) => new SectionPart(p));
  }

  get nDates(): number {
    return Math.max(0, this.to - this.from + 1);
  }
}

/**
 * Deviations of ys[o..o+n) (ascending, so ys[o] is the minimum) from their mean, into out[o..o+n),
 * computed as metrics_ref.py does (shift by the minimum, then two-pass); returns the sum of squares.
 */
function deviations(ys: Float64Array, o: number, n: number, out: Float64Array): number {
  const mn = ys[o]!;
  let s = 0;
  for (let k = o; k < o + n; k++) s += ys[k]! - mn;
  const a = s / n;
  let ss = 0;
  for (let k = o; k < o + n; k++) {
    const d = ys[k]! - mn - a;
    out[k] = d;
    ss += d * d;
  }
  return ss;
}

/**
 * Average ranks of an ascending-sorted ys[o..o+n) minus their mean (n+1)/2 into out[o..o+n) (ties
 * share the mean rank); returns the sum of squares.
 */
function rankDeviationsOfSorted(ys: Float64Array, o: number, n: number, out: Float64Array): number {
  const c = (n + 1) * 0.5; // × 0.5: a double whatever n (V8 speculates on integers otherwise)
  let ss = 0;
  let a = 0;
  while (a < n) {
    let b = a + 1;
    while (b < n && ys[o + b] === ys[o + a]) b++;
    const d = (a + 1 + b) * 0.5 - c;
    for (let k = a; k < b; k++) out[o + k] = d;
    ss += d * d * (b - a);
    a = b;
  }
  return ss;
}

/** Daily IC / RankIC of many factors against one prepared label; scratch reused across calls. */
export class ICEvaluator {
  readonly label: LabelCrossSections;
  private readonly ly: Float64Array;
  private readonly dy: Float64Array;
  private readonly dr: Float64Array;
  /** pearsonRankDot's four sums. */
  private readonly dot = new Float64Array(4);
  private readonly scratch: RankScratch;

  constructor(label: Float64Array | LabelCrossSections, panel: Panel, window: MetricWindow) {
    this.label = label instanceof LabelCrossSections ? label : new LabelCrossSections(label, panel, window);
    const cap = this.label.maxCount;
    this.ly = new Float64Array(cap);
    this.dy = new Float64Array(cap);
    this.dr = new Float64Array(cap);
    this.scratch = new RankScratch(cap);
  }

  daily(factor: Float64Array): DailyIC {
    const L = this.label;
    const nd = L.nDates;
    const ic = new Float64Array(nd).fill(NaN);
    const rankIc = new Float64Array(nd).fill(NaN);
    // One call per date, not one long loop: a function optimised on its own is not at the mercy
    // of on-stack replacement of the whole loop (which V8 sometimes keeps deoptimising).
    for (const part of L.parts) {
      const at = part.from - L.from;
      for (let k = 0; k <= part.to - part.from; k++) this.day(factor, part, k, at + k, ic, rankIc);
    }
    return { from: L.from, ic, rankIc };
  }

  /** IC and RankIC of date k of a part into entry `out` of ic / rankIc (left NaN when the date does not count). */
  private day(factor: Float64Array, P: SectionPart, k: number, out: number, ic: Float64Array, rankIc: Float64Array): void {
    const scratch = this.scratch;
    const fx = scratch.vals; // gathered factor values go straight into the rank scratch
    const { order, offsets } = P;
    // Straight from the instrument-major array: consecutive dates read the same cache lines
    // (one per instrument, ~30 KB in all), so this beats transposing the window first.
    const nDates = this.label.panel.nDates;
    const col = P.from + k;
    const o0 = offsets[k]!;
    const o1 = offsets[k + 1]!;
    let n = 0;
    let mn = Infinity;
    let mx = -Infinity;
    for (let j = o0; j < o1; j++) {
      const f = factor[order[j]! * nDates + col]!;
      if (f - f === 0) {
        fx[n++] = f;
        if (f < mn) mn = f;
        if (f > mx) mx = f;
      }
    }
    if (n < 2) return;
    // Label side: the date's precomputed deviations when every label has a factor value,
    // otherwise recomputed over the pairs (still sorted by label). Offsets, not subarray views,
    // so nothing is allocated per date.
    let dy = P.dev;
    let dr = P.rankDev;
    let base = o0;
    let syy: number;
    let srr: number;
    if (n === o1 - o0) {
      if (P.values[o0] === P.values[o1 - 1]) return; // constant label
      syy = P.ss[k]!;
      srr = P.rankSs[k]!;
    } else {
      // Some factor values missing (rare): which labels pair up is read again rather than
      // recorded in the gather, which then does one store per value less.
      const ly = this.ly;
      const values = P.values;
      let q = 0;
      for (let j = o0; j < o1; j++) {
        const f = factor[order[j]! * nDates + col]!;
        if (f - f === 0) ly[q++] = values[j]!;
      }
      if (ly[0] === ly[n - 1]) return;
      dy = this.dy;
      dr = this.dr;
      base = 0;
      syy = deviations(ly, 0, n, dy);
      srr = rankDeviationsOfSorted(ly, 0, n, dr);
    }
    // Pearson (factor side shifted by its minimum, then two-pass, as metrics_ref.py) and
    // Spearman (Pearson of average ranks; both rank means are (n+1)/2 exactly) in the same passes.
    const dot = this.dot;
    scratch.pearsonRankDot(n, mn, mx, dr, base, dy, base, dot);
    const c = dot[2]! / Math.sqrt(dot[3]! * syy);
    ic[out] = c - c === 0 ? c : NaN; // a constant factor gives 0/0
    const rc = dot[0]! / Math.sqrt(dot[1]! * srr);
    rankIc[out] = rc - rc === 0 ? rc : NaN;
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
