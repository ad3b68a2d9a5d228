/**
 * Rolling extremes (the value, the days since it, qlib's IdxMax/IdxMin position) in WebAssembly
 * (extremes.wat): what scanExtreme of ../order-deque.ts writes, the same numbers, by van Herk /
 * Gil-Werman blocks with selects instead of a deque whose pops the branch predictor keeps missing.
 * The JavaScript scan stays the definition; QUANTA_NO_WASM=1 in the environment runs it instead.
 */
import { KernelSlot, WasmModule, seriesViews } from "./webassembly.ts";
import { WASM_BASE64 } from "./extremes-wasm.ts";

/** Outputs one scan writes at most. */
export const EXTREMES_MAX_OUTPUTS = 4;

type Run = (len: number, w: number, sign: number, nOut: number, c8: number) => void;

const wasmModule = new WasmModule(WASM_BASE64);

/** One instance and its memory, for series of up to `cap` days (see the .wat's layout). */
export class ExtremesWasm {
  /** The series (write x[0..len) before run). */
  readonly x: Float64Array;
  /** Output e after run. */
  readonly outs: Float64Array[];
  /** What output e is: 0 the value, 1 the days since it + plus[e], 2 qlib's position (write before run). */
  readonly emits: Int32Array;
  readonly plus: Float64Array;
  private readonly exec: Run;

  constructor(readonly cap: number) {
    const c8 = 8 * cap;
    const { buffer, exports } = wasmModule.instantiate(11 * c8 + 16 + 8 * EXTREMES_MAX_OUTPUTS);
    this.exec = exports.run as Run;
    ({ x: this.x, outs: this.outs } = seriesViews(buffer, cap, EXTREMES_MAX_OUTPUTS));
    this.emits = new Int32Array(buffer, 11 * c8, EXTREMES_MAX_OUTPUTS);
    this.plus = new Float64Array(buffer, 11 * c8 + 16, EXTREMES_MAX_OUTPUTS);
  }

  /** outs[e][0..len) for e < nOut (≤ EXTREMES_MAX_OUTPUTS), windows of w days (1 ≤ w ≤ len ≤ cap); sign 1: maximum, −1: minimum. */
  run(len: number, w: number, sign: 1 | -1, nOut: number): void {
    this.exec(len, w, sign, nOut, 8 * this.cap);
  }
}

const slot = new KernelSlot((cap) => new ExtremesWasm(cap));

/** Turns the kernel on or off for this thread (tests compare the two paths; off = the JavaScript scan). */
export function useWasmExtremes(on: boolean): void {
  slot.use(on);
}

/** This thread's kernel for series of len days, or undefined when it is off. */
export function extremesKernel(len: number): ExtremesWasm | undefined {
  return slot.get(len);
}
