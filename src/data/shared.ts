import type { Panel } from "../../factors/panel.ts";

/**
 * Panels live on SharedArrayBuffers so a worker pool can read them without
 * copying (cloning a descriptor costs ~40 µs whatever the panel's size).
 */

/** A Float64Array of n NaNs on a fresh SharedArrayBuffer. */
export function sharedFloat64(n: number): Float64Array {
  const a = new Float64Array(new SharedArrayBuffer(n * 8));
  a.fill(NaN);
  return a;
}

/** A Float64Array of n zeros on a fresh SharedArrayBuffer, for callers that write every cell anyway. */
export function sharedFloat64Zeroed(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(n * 8));
}

/** A zeroed Uint8Array on a fresh SharedArrayBuffer. */
export function sharedUint8(n: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(n));
}

/** Structured-cloneable description of a panel whose big arrays are shared, not copied. */
export interface SharedPanelDescriptor {
  readonly dates: readonly string[];
  readonly instruments: readonly string[];
  readonly first: Int32Array;
  readonly last: Int32Array;
  readonly fields: readonly (readonly [string, SharedArrayBuffer])[];
  readonly member?: SharedArrayBuffer;
}

function ownsSharedBuffer(a: Float64Array | Uint8Array): boolean {
  return a.buffer instanceof SharedArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;
}

function toSharedBuffer(a: Float64Array | Uint8Array): SharedArrayBuffer {
  if (ownsSharedBuffer(a)) return a.buffer as SharedArrayBuffer;
  const sab = new SharedArrayBuffer(a.byteLength);
  new Uint8Array(sab).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return sab;
}

/**
 * Describe a panel for postMessage / piscina tasks. Fields already on their own
 * SharedArrayBuffer are passed by reference; any other field is copied once into one.
 */
export function panelToShared(panel: Panel): SharedPanelDescriptor {
  const fields: (readonly [string, SharedArrayBuffer])[] = [];
  for (const [name, values] of panel.fields) fields.push([name, toSharedBuffer(values)]);
  const d: SharedPanelDescriptor = {
    dates: panel.dates,
    instruments: panel.instruments,
    first: panel.first,
    last: panel.last,
    fields,
    ...(panel.member ? { member: toSharedBuffer(panel.member) } : {}),
  };
  return d;
}

/** Rebuild a Panel (views over the same memory) from a descriptor, e.g. inside a worker. */
export function panelFromShared(d: SharedPanelDescriptor): Panel {
  const nDates = d.dates.length;
  const nInst = d.instruments.length;
  const fields = new Map<string, Float64Array>();
  for (const [name, sab] of d.fields) {
    const a = new Float64Array(sab);
    if (a.length !== nDates * nInst) throw new Error(`shared field ${name}: ${a.length} cells, expected ${nDates * nInst}`);
    fields.set(name, a);
  }
  return {
    dates: d.dates,
    instruments: d.instruments,
    nDates,
    nInst,
    fields,
    first: d.first,
    last: d.last,
    ...(d.member ? { member: new Uint8Array(d.member) } : {}),
  };
}
