/**
 * Median, quantiles and percentile rank over a sliding sorted window in WebAssembly
 * (sorted-window.wat): scanSorted of ../order-sorted.ts with the same sorted window and the same
 * arithmetic — the same bits — each value's place found by counting the window's values below it
 * (two at a time) instead of a binary search and a walk. The JavaScript scan stays the definition
 * (and computes the median absolute deviation); QUANTA_NO_WASM=1 in the environment runs it instead.
 */
import { KernelSlot, WasmModule, seriesViews } from "./webassembly.ts";
import { WASM_BASE64 } from "./sorted-window-wasm.ts";

/** Statistics one scan writes at most. */
export const SORTED_WINDOW_MAX_OUTPUTS = 8;

type Run = (len: number, w: number, nOut: number, c8: number) => void;

const wasmModule = new WasmModule(WASM_BASE64);

/** One instance and its memory, for series of up to `cap` days (see the .wat's layout). */
export class SortedWindowWasm {
  /** The series (write x[0..len) before run). */
  readonly x: Float64Array;
  /** Output s after run. */
  readonly outs: Float64Array[];
  /** Statistic s: 0 median, 1 quantile, 2 rank (write before run). */
  readonly stats: Int32Array;
  /** Quantile of statistic s (write before run). */
  readonly qs: Float64Array;
  private readonly exec: Run;

  constructor(readonly cap: number) {
    const c8 = 8 * cap;
    const meta = 10 * c8 + 16;
    const { buffer, exports } = wasmModule.instantiate(meta + 32 + 8 * SORTED_WINDOW_MAX_OUTPUTS);
    this.exec = exports.run as Run;
    ({ x: this.x, outs: this.outs } = seriesViews(buffer, cap, SORTED_WINDOW_MAX_OUTPUTS));
    this.stats = new Int32Array(buffer, meta, SORTED_WINDOW_MAX_OUTPUTS);
    this.qs = new Float64Array(buffer, meta + 32, SORTED_WINDOW_MAX_OUTPUTS);
  }

  /** outs[s][0..len) for s < nOut (≤ SORTED_WINDOW_MAX_OUTPUTS), windows of w days (1 ≤ w ≤ len ≤ cap). */
  run(len: number, w: number, nOut: number): void {
    this.exec(len, w, nOut, 8 * this.cap);
  }
}

const slot = new KernelSlot((cap) => new SortedWindowWasm(cap));

/** Turns the kernel on or off for this thread (tests compare the two paths; off = the JavaScript scan). */
export function useWasmSortedWindow(on: boolean): void {
  slot.use(on);
}

/** This thread's kernel for series of len days, or undefined when it is off. */
export function sortedWindowKernel(len: number): SortedWindowWasm | undefined {
  return slot.get(len);
}
