/**
 * What the WebAssembly kernels share: the few members of the WebAssembly JS API they use (typed
 * here: the project's lib settings carry no DOM types), instantiation into a memory of its final
 * size, and each kernel's per-thread instance with its on/off switch.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

export interface WasmApi {
  readonly Memory: new (descriptor: { initial: number }) => WasmMemory;
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}

export function wasmApi(): WasmApi {
  return (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
}

/** QUANTA_NO_WASM=1 in the environment: every kernel runs its JavaScript definition instead. */
export const wasmKernelsEnabled = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.QUANTA_NO_WASM !== "1";

const PAGE = 65536;

/** A module's bytes (base64, from a *-wasm.ts file), compiled once per thread on first use. */
export class WasmModule {
  private compiled: object | undefined;

  constructor(private readonly base64: string) {}

  /**
   * An instance over a new memory of at least `bytes` bytes, imported as env.memory: its buffer and
   * exports. Made at its final size and never grown: growing a memory detaches its old buffer,
   * and after one detached ArrayBuffer V8 checks every typed array access of the thread for
   * detachment (the factor kernels ran ~30 % slower).
   */
  instantiate(bytes: number): { readonly buffer: ArrayBuffer; readonly exports: Record<string, unknown> } {
    const api = wasmApi();
    this.compiled ??= new api.Module(Buffer.from(this.base64, "base64"));
    const memory = new api.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
    return { buffer: memory.buffer, exports: new api.Instance(this.compiled, { env: { memory } }).exports };
  }
}

/**
 * A kernel's instance on this thread, made for the longest series asked for so far (a longer one
 * gets a new instance, room for at least MIN_DAYS), and its switch (tests compare it with the
 * JavaScript definition).
 */
export class KernelSlot<K extends { readonly cap: number }> {
  private static readonly MIN_DAYS = 2048;
  private enabled = wasmKernelsEnabled;
  private kernel: K | undefined;

  constructor(private readonly make: (cap: number) => K) {}

  /** Turns the kernel on or off for this thread. */
  use(on: boolean): void {
    this.enabled = on;
  }

  /** The kernel with room for `cap` days, or undefined when it is off. */
  get(cap: number): K | undefined {
    if (!this.enabled) return undefined;
    if (this.kernel === undefined || this.kernel.cap < cap) this.kernel = this.make(Math.max(cap, KernelSlot.MIN_DAYS));
    return this.kernel;
  }
}

/**
 * The views of a kernel that reads one series and writes up to `outputs` series: x at byte 0 and
 * output e at (1 + e)·8·cap, `cap` doubles each (the layout of the order-statistic kernels).
 */
export function seriesViews(buffer: ArrayBuffer, cap: number, outputs: number): { readonly x: Float64Array; readonly outs: Float64Array[] } {
  const outs: Float64Array[] = [];
  for (let e = 0; e < outputs; e++) outs.push(new Float64Array(buffer, (1 + e) * 8 * cap, cap));
  return { x: new Float64Array(buffer, 0, cap), outs };
}
