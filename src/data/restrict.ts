import type { Panel } from "../../factors/panel.ts";
import { sharedFloat64, sharedUint8 } from "./shared.ts";
import { assemblePanel } from "./panel-builder.ts";
import { optionSlot, selectInstruments, checkStartCovered, type SelectOptions } from "./select.ts";
import { slotToIso, upperBound } from "./dates.ts";
import { DataError } from "./errors.ts";

/**
 * Apply the loaders' `end` / `instruments` / `start` options to a panel that
 * was built whole (the synthetic market): keep dates <= end and the selected
 * instruments, drop instruments left without data, trim spans. Returns the
 * panel itself when nothing changes, otherwise a copy on new shared buffers.
 */
export function restrictPanel(panel: Panel, opts: SelectOptions, source = "panel"): Panel {
  const endSlot = optionSlot(source, "end", opts.end);
  const startSlot = optionSlot(source, "start", opts.start);
  const nDates = endSlot === undefined ? panel.nDates : upperBound(panel.dates, slotToIso(endSlot));
  if (nDates === 0) throw new DataError({ file: source }, `no data on or before --end ${opts.end}`);
  const dates = panel.dates.slice(0, nDates);
  checkStartCovered(source, dates, startSlot);
  if (nDates === panel.nDates && opts.instruments === undefined) return panel;

  const arrays = [...panel.fields.values()];
  const hasValue = (c: number) => arrays.some((a) => !Number.isNaN(a[c]!));
  const spans = new Map<string, { i: number; first: number; last: number }>();
  panel.instruments.forEach((name, i) => {
    const first = panel.first[i]!;
    let last = Math.min(panel.last[i]!, nDates - 1);
    if (last < panel.last[i]!) while (last >= first && !hasValue(i * panel.nDates + last)) last--;
    if (first < nDates && last >= first) spans.set(name, { i, first, last });
  });
  const instruments = selectInstruments(source, [...spans.keys()].sort(), opts.instruments);
  const nInst = instruments.length;
  const fields = new Map<string, Float64Array>();
  for (const [name, src] of panel.fields) {
    const dst = sharedFloat64(nInst * nDates);
    instruments.forEach((inst, j) => {
      const from = spans.get(inst)!.i * panel.nDates;
      dst.set(src.subarray(from, from + nDates), j * nDates);
    });
    fields.set(name, dst);
  }
  let member: Uint8Array | undefined;
  if (panel.member) {
    member = sharedUint8(nInst * nDates);
    instruments.forEach((inst, j) => {
      const from = spans.get(inst)!.i * panel.nDates;
      member!.set(panel.member!.subarray(from, from + nDates), j * nDates);
    });
  }
  const first = Int32Array.from(instruments, (n) => spans.get(n)!.first);
  const last = Int32Array.from(instruments, (n) => spans.get(n)!.last);
  // Values after the trimmed span end are outside the instrument's life: blank them.
  instruments.forEach((_, j) => {
    for (const a of fields.values()) a.fill(NaN, j * nDates + last[j]! + 1, (j + 1) * nDates);
  });
  return assemblePanel({ dates, instruments, fields, first, last, member });
}
