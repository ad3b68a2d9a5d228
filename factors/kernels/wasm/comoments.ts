/**
 * The block co-moment pass of ../regression.ts in WebAssembly (comoments.wat), in two modes:
 * qlib's Corr of two series valid on the same days (CORR_MASKED) and the regression on time (REG
 * on the day's index). The same operations in the same order — the same bits — x's and y's halves
 * of each step in the two lanes of a vector. The JavaScript pass stays the definition;
 * QUANTA_NO_WASM=1 in the environment runs it instead.
 */
import { KernelSlot, WasmModule } from "./webassembly.ts";
import { WASM_BASE64 } from "./comoments-wasm.ts";

type Run = (len: number, w: number, c8: number, near1: number, near0: number, flag: number, time: number) => number;

const wasmModule = new WasmModule(WASM_BASE64);

/** One instance and its memory, for series of up to `cap` days (see the .wat's layout). */
export class ComomentsWasm {
  /** The two series (write x[0..len), y[0..len) before run). */
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** The correlations after run. */
  readonly out: Float64Array;
  /** The days run listed (see run). */
  readonly ties: Int32Array;
  /** After runTime: R² and today's residual (the slopes are in `out`). */
  readonly r2: Float64Array;
  readonly resi: Float64Array;
  private readonly exec: Run;

  constructor(readonly cap: number) {
    const c8 = 8 * cap;
    const { buffer, exports } = wasmModule.instantiate(14 * c8);
    this.exec = exports.run as Run;
    this.x = new Float64Array(buffer, 0, cap);
    this.y = new Float64Array(buffer, c8, cap);
    this.out = new Float64Array(buffer, 2 * c8, cap);
    this.ties = new Int32Array(buffer, 11 * c8, cap);
    this.r2 = new Float64Array(buffer, 12 * c8, cap);
    this.resi = new Float64Array(buffer, 13 * c8, cap);
  }

  /**
   * out[t], t < len, over windows of w days (1 ≤ w ≤ len ≤ cap). Returns −1 when x and y are not
   * valid on the same days (out is then not the masked correlation), else the count of days listed
   * in ties[0..count): with `replay`, those whose |correlation| is ≥ near1 or ≤ near0.
   */
  run(len: number, w: number, near1: number, near0: number, replay: boolean): number {
    return this.exec(len, w, 8 * this.cap, near1, near0, replay ? 1 : 0, 0);
  }

  /**
   * The regression of y[0..len) on the day's index over windows of w days (1 ≤ w ≤ len ≤ cap):
   * slopes into `out`, R² into `r2` (NaN where y's std is ≤ 2e-5 when `mask`), today's residual
   * into `resi`. (x is not read.)
   */
  runTime(len: number, w: number, mask: boolean): void {
    this.exec(len, w, 8 * this.cap, 0, 0, mask ? 1 : 0, 1);
  }
}

const slot = new KernelSlot((cap) => new ComomentsWasm(cap));

/** Turns the kernel on or off for this thread (tests compare the two paths; off = the JavaScript pass). */
export function useWasmComoments(on: boolean): void {
  slot.use(on);
}

/** This thread's kernel for series of len days, or undefined when it is off. */
export function comomentsKernel(len: number): ComomentsWasm | undefined {
  return slot.get(len);
}
