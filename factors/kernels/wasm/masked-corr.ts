/**
 * qlib's Corr of two series valid on the same days, in WebAssembly (masked-corr.wat): the block
 * co-moment pass of ../regression.ts (its CORR_MASKED mode) with the same operations in the same
 * order — the same bits — x's and y's halves of each step in the two lanes of a vector. The
 * JavaScript pass stays the definition; QUANTA_NO_WASM=1 in the environment runs it instead.
 */
import { wasmApi } from "./webassembly.ts";
import { WASM_BASE64 } from "./masked-corr-wasm.ts";

const PAGE = 65536;

let enabled = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.QUANTA_NO_WASM !== "1";

/** Turns the kernel on or off for this thread (tests compare the two paths; off = the JavaScript pass). */
export function useWasmMaskedCorr(on: boolean): void {
  enabled = on;
}

type Run = (len: number, w: number, c8: number, near1: number, near0: number, replay: number) => number;

let compiled: object | undefined;

/** One instance and its memory, for series of up to `cap` days (see the .wat's layout). */
export class MaskedCorrWasm {
  /** The two series (write x[0..len), y[0..len) before run). */
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** The correlations after run. */
  readonly out: Float64Array;
  /** The days run listed (see run). */
  readonly ties: Int32Array;
  private readonly exec: Run;

  constructor(readonly cap: number) {
    const api = wasmApi();
    compiled ??= new api.Module(Buffer.from(WASM_BASE64, "base64"));
    const c8 = 8 * cap;
    // Made at its final size, never grown (a grown memory detaches its old buffer: see ../../../backtest/wasm/rank-dot.ts).
    const memory = new api.Memory({ initial: Math.ceil((11 * c8 + 4 * cap) / PAGE) });
    this.exec = new api.Instance(compiled, { env: { memory } }).exports.run as Run;
    this.x = new Float64Array(memory.buffer, 0, cap);
    this.y = new Float64Array(memory.buffer, c8, cap);
    this.out = new Float64Array(memory.buffer, 2 * c8, cap);
    this.ties = new Int32Array(memory.buffer, 11 * c8, cap);
  }

  /**
   * out[t], t < len, over windows of w days (1 ≤ w ≤ len ≤ cap). Returns −1 when x and y are not
   * valid on the same days (out is then not the masked correlation), else the count of days listed
   * in ties[0..count): with `replay`, those whose |correlation| is ≥ near1 or ≤ near0.
   */
  run(len: number, w: number, near1: number, near0: number, replay: boolean): number {
    return this.exec(len, w, 8 * this.cap, near1, near0, replay ? 1 : 0);
  }
}

let kernel: MaskedCorrWasm | undefined;

/** This thread's kernel for series of len days, or undefined when WebAssembly is off. A longer series than any before gets a new instance. */
export function maskedCorrKernel(len: number): MaskedCorrWasm | undefined {
  if (!enabled) return undefined;
  if (kernel === undefined || kernel.cap < len) kernel = new MaskedCorrWasm(Math.max(len, 2048));
  return kernel;
}
