/**
 * qlib's Slope / Rsquare / Resi over the windows whose points are all valid, in WebAssembly
 * (time-regression.wat): replayTimeRegression's main path (../comoments-replay.ts) with the same
 * operations in the same order per window — the same bits — two adjacent windows to a vector. The
 * JavaScript replay stays the definition; QUANTA_NO_WASM=1 in the environment runs it instead.
 */
import { KernelSlot, WasmModule } from "./webassembly.ts";
import { WASM_BASE64 } from "./time-regression-wasm.ts";

/** Longest window the module's DX area holds (REPLAY_MAX_WINDOW is 32). */
const MAX_WINDOW = 64;

type Run = (len: number, n: number, c8: number, sxx: number, half: number, mask: number) => void;

const wasmModule = new WasmModule(WASM_BASE64);

/** One instance and its memory, for series of up to `cap − 1` days (see the .wat's layout). */
export class TimeRegressionWasm {
  /** The series (write y[0..len) before run). */
  readonly y: Float64Array;
  /** Each all-valid window's minimum, after run. */
  readonly lo: Float64Array;
  /** After run: NaN where the window ending there has an invalid point (Σ(y − min) where not). */
  readonly st: Float64Array;
  /** Slope, R², residual of each all-valid window after run (other entries unspecified). */
  readonly beta: Float64Array;
  readonly r2: Float64Array;
  readonly resi: Float64Array;
  /** k − (n − 1)/2 for k < n (write before run). */
  readonly dx: Float64Array;
  private readonly exec: Run;

  constructor(readonly cap: number) {
    const c8 = 8 * cap;
    const { buffer, exports } = wasmModule.instantiate(6 * c8 + 8 * MAX_WINDOW);
    this.exec = exports.run as Run;
    const at = (k: number, length = cap) => new Float64Array(buffer, k * c8, length);
    this.y = at(0);
    this.lo = at(1);
    this.st = at(2);
    this.beta = at(3);
    this.r2 = at(4);
    this.resi = at(5);
    this.dx = at(6, MAX_WINDOW);
  }

  /** Fills beta, r2 and resi for the all-valid windows of y[0..len) (window n ≤ MAX_WINDOW, len < cap); sxx = Σ dx², pairwise. */
  run(len: number, n: number, sxx: number, mask: boolean): void {
    this.exec(len, n, 8 * this.cap, sxx, (n - 1) / 2, mask ? 1 : 0);
  }
}

const slot = new KernelSlot((cap) => new TimeRegressionWasm(cap));

/** Turns the kernel on or off for this thread (tests compare the two paths; off = the JavaScript replay). */
export function useWasmTimeRegression(on: boolean): void {
  slot.use(on);
}

/** This thread's kernel for a series of len days and a window of n, or undefined when it is off or the window is too long for it. */
export function timeRegressionKernel(len: number, n: number): TimeRegressionWasm | undefined {
  // cap > len: a window alone in its vector reads one day past the series
  return n > MAX_WINDOW ? undefined : slot.get(len + 1);
}
