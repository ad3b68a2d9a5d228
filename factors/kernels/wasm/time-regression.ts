/**
 * qlib's Slope / Rsquare / Resi over the windows whose points are all valid, in WebAssembly
 * (time-regression.wat): replayTimeRegression's main path (../comoments-replay.ts) with the same
 * operations in the same order per window — the same bits — two adjacent windows to a vector. The
 * JavaScript replay stays the definition; QUANTA_NO_WASM=1 in the environment runs it instead.
 */
import { wasmApi } from "./webassembly.ts";
import { WASM_BASE64 } from "./time-regression-wasm.ts";

const PAGE = 65536;
/** Longest window the module's DX area holds (REPLAY_MAX_WINDOW is 32). */
const MAX_WINDOW = 64;

let enabled = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.QUANTA_NO_WASM !== "1";

/** Turns the kernel on or off for this thread (tests compare the two paths; off = the JavaScript replay). */
export function useWasmTimeRegression(on: boolean): void {
  enabled = on;
}

type Run = (len: number, n: number, c8: number, sxx: number, half: number, mask: number) => void;

let compiled: object | undefined;

/** One instance and its memory, for series of up to `cap − 1` days (see the .wat's layout). */
export class TimeRegressionWasm {
  /** The series (write y[0..len) before run). */
  readonly y: Float64Array;
  /** Each window's minimum (write lo[0..len)). */
  readonly lo: Float64Array;
  /** 0 where the window ending there has all its points valid, NaN where not (write st[0..len)); run leaves Σ(y − min) in the first. */
  readonly st: Float64Array;
  /** Slope, R², residual of each all-valid window after run (other entries unspecified). */
  readonly beta: Float64Array;
  readonly r2: Float64Array;
  readonly resi: Float64Array;
  /** k − (n − 1)/2 for k < n (write before run). */
  readonly dx: Float64Array;
  private readonly exec: Run;

  constructor(readonly cap: number) {
    const api = wasmApi();
    compiled ??= new api.Module(Buffer.from(WASM_BASE64, "base64"));
    const c8 = 8 * cap;
    // Made at its final size, never grown (a grown memory detaches its old buffer: see ../../../backtest/wasm/rank-dot.ts).
    const memory = new api.Memory({ initial: Math.ceil((6 * c8 + 8 * MAX_WINDOW) / PAGE) });
    const exports = new api.Instance(compiled, { env: { memory } }).exports;
    this.exec = exports.run as Run;
    const at = (k: number, length = cap) => new Float64Array(memory.buffer, k * c8, length);
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

let kernel: TimeRegressionWasm | undefined;

/**
 * This thread's kernel for a series of len days and a window of n, or undefined when WebAssembly
 * is off or the window is too long for it. A longer series than any before gets a new instance.
 */
export function timeRegressionKernel(len: number, n: number): TimeRegressionWasm | undefined {
  if (!enabled || n > MAX_WINDOW) return undefined;
  if (kernel === undefined || kernel.cap <= len) kernel = new TimeRegressionWasm(Math.max(len + 1, 2048));
  return kernel;
}
