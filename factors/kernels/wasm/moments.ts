/**
 * Rolling mean / variance / std / z-score / band and sum of one series in WebAssembly (moments.wat):
 * moments2MultiInto, blockMean and blockSum of ../moments.ts with the same operations in the same order —
 * the same bits — without the bounds and type checks of the JavaScript. The JavaScript kernels
 * stay the definition; QUANTA_NO_WASM=1 in the environment runs them instead.
 */
import { KernelSlot, WasmModule } from "./webassembly.ts";
import { WASM_BASE64 } from "./moments-wasm.ts";

/** The statistics of a run (bits of `want`). */
export const WANT_MEAN = 1;
export const WANT_VAR = 2;
export const WANT_STD = 4;
export const WANT_Z = 8;
export const WANT_BAND = 16;

type Run = (len: number, w: number, c8: number, want: number, k: number) => void;
type Sum = (len: number, w: number, c8: number) => void;

const wasmModule = new WasmModule(WASM_BASE64);

/** One instance and its memory, for series of up to `cap` days (see the .wat's layout). */
export class MomentsWasm {
  /** The series (write x[0..len) before run). */
  readonly x: Float64Array;
  /** The statistics after run (those asked for). */
  readonly mean: Float64Array;
  readonly variance: Float64Array;
  readonly std: Float64Array;
  readonly zscore: Float64Array;
  readonly band: Float64Array;
  private readonly exec: Run;
  private readonly execSum: Sum;

  constructor(readonly cap: number) {
    const c8 = 8 * cap;
    const { buffer, exports } = wasmModule.instantiate(12 * c8);
    this.exec = exports.run as Run;
    this.execSum = exports.sum as Sum;
    const at = (k: number) => new Float64Array(buffer, k * c8, cap);
    this.x = at(0);
    this.mean = at(1);
    this.variance = at(2);
    this.std = at(3);
    this.zscore = at(4);
    this.band = at(5);
  }

  /** The statistics in `want` (WANT_* bits) of x[0..len), windows of w days (1 ≤ w ≤ len ≤ cap); band = mean + k·std. */
  run(len: number, w: number, want: number, k: number): void {
    this.exec(len, w, 8 * this.cap, want, k);
  }

  /** The window sums of x[0..len) (blockSum), windows of w days (1 ≤ w ≤ len ≤ cap), into `mean`. */
  sum(len: number, w: number): void {
    this.execSum(len, w, 8 * this.cap);
  }
}

const slot = new KernelSlot((cap) => new MomentsWasm(cap));

/** Turns the kernel on or off for this thread (tests compare the two paths; off = the JavaScript kernels). */
export function useWasmMoments(on: boolean): void {
  slot.use(on);
}

/** This thread's kernel for series of len days, or undefined when it is off. */
export function momentsKernel(len: number): MomentsWasm | undefined {
  return slot.get(len);
}
