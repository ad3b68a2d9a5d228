/**
 * The IC's ranking kernel in WebAssembly (rank-dot.wat): RankScratch.pearsonRankDot's keyed path
 * with the same operations in the same order — the same bits — at about three quarters of the
 * JavaScript kernel's time. One instance per user (its memory holds that user's arrays too, see
 * `f64`); the module is compiled once per thread.
 *
 * QUANTA_NO_WASM=1 in the environment turns it off (the JavaScript kernel then does everything):
 * for measuring what it buys, and as a way out should a runtime lack WebAssembly.
 */
import { WASM_BASE64 } from "./rank-dot-wasm.ts";
import { WasmModule, wasmKernelsEnabled } from "../../factors/kernels/wasm/webassembly.ts";

/** The most values prd ranks at a time (the input area; indices are packed into 16 bits). */
const RANK_DOT_MAX = 1 << 16;
const IN = 0;
const RES = 1050624;
/** The first byte of the caller's area (after the kernel's own arrays), 64-byte aligned. */
const DATA = 1050688;

const wasmModule = new WasmModule(WASM_BASE64);

/** Bytes an array of n doubles takes, rounded up to 64 (each starts on a cache line). */
function padded(n: number): number {
  return (8 * Math.max(0, n) + 63) & ~63;
}

export const wasmRankDotEnabled = wasmKernelsEnabled;

type Prd = (x: number, n: number, mn: number, mx: number, w: number, y: number) => number;
type Day = (row: number, m: number, w: number, y: number) => number;

export class RankDotWasm {
  /** Values for prd may be written here (input[0..n), at byte address 0); `day` hands values back here. */
  readonly input: Float64Array;
  /** prd's four sums: Σ (r − c)·w, Σ (r − c)², Σ d·y, Σ d² (as RankScratch.pearsonRankDot's result). */
  readonly result: Float64Array;
  /**
   * Ranks the n values at x (min mn < max mx, 2 ≤ n ≤ RANK_DOT_MAX, 65535 / (mx − mn) finite)
   * against w and y; x, w and y are the byte addresses (`addressOf`, or 0 for `input`) of the first
   * of n doubles each in this instance's memory. 0 when the sums are in `result`, 1 when the kernel
   * gave up (a run of values sharing a key too long to insert: use the JavaScript kernel).
   */
  readonly prd: Prd;
  /**
   * A date's m factor values, in the label's order at byte address row (`addressOf`): ranks them
   * where they lie, as prd does, against w and y when all m are finite and their range can be
   * keyed. 0 when the sums are in `result`; otherwise n + 1 with n values in input[0..n) for the
   * caller to finish: the finite ones, in order, when some are not (n < m); all m when prd gave up
   * or the range could not be keyed.
   */
  readonly day: Day;
  private readonly buffer: ArrayBuffer;
  private next = DATA;
  private readonly end: number;

  /** An instance with room for arrays of doubles of these lengths, to be taken with `f64` in turn. */
  constructor(lengths: readonly number[]) {
    this.end = DATA + lengths.reduce((s, n) => s + padded(n), 0);
    const { buffer, exports } = wasmModule.instantiate(this.end);
    this.buffer = buffer;
    this.prd = exports.prd as Prd;
    this.day = exports.day as Day;
    this.input = new Float64Array(this.buffer, IN, RANK_DOT_MAX);
    this.result = new Float64Array(this.buffer, RES, 4);
  }

  /** `length` doubles of this instance's memory (for w and y), zeroed. */
  f64(length: number): Float64Array {
    return new Float64Array(this.buffer, this.take(padded(length)), length);
  }

  private take(bytes: number): number {
    if (this.next + bytes > this.end) throw new RangeError("RankDotWasm: asked for more room than it was made with");
    const at = this.next;
    this.next += bytes;
    return at;
  }

  /** The byte address of element `index` of a view from `f64`, for prd and day. */
  static addressOf(view: Float64Array, index: number): number {
    return view.byteOffset + view.BYTES_PER_ELEMENT * index;
  }
}
