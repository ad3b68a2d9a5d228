import { createHash } from "node:crypto";
import type { Panel } from "../../factors/panel.ts";

export interface PanelSummary {
  readonly instruments: number;
  readonly dates: { readonly first: string | undefined; readonly last: string | undefined; readonly count: number };
  readonly fields: string[];
  /** Share of NaN cells inside the instruments' spans, per field. */
  readonly missingShare: Record<string, number>;
  /** Cells inside spans (instrument-days alive). */
  readonly spanCells: number;
  /** Mean number of members per date when a member mask is present. */
  readonly meanMembers?: number;
}

/** What a panel holds, for `quanta data inspect` and logs. */
export function inspectPanel(panel: Panel): PanelSummary {
  let spanCells = 0;
  for (let i = 0; i < panel.nInst; i++) spanCells += Math.max(0, panel.last[i]! - panel.first[i]! + 1);
  const missingShare: Record<string, number> = {};
  for (const [name, a] of panel.fields) {
    let missing = 0;
    for (let i = 0; i < panel.nInst; i++) {
      const base = i * panel.nDates;
      for (let t = panel.first[i]!; t <= panel.last[i]!; t++) if (Number.isNaN(a[base + t]!)) missing++;
    }
    missingShare[name] = spanCells === 0 ? 0 : missing / spanCells;
  }
  let meanMembers: number | undefined;
  if (panel.member && panel.nDates > 0) {
    let n = 0;
    for (let c = 0; c < panel.member.length; c++) n += panel.member[c]!;
    meanMembers = n / panel.nDates;
  }
  return {
    instruments: panel.nInst,
    dates: { first: panel.dates[0], last: panel.dates[panel.nDates - 1], count: panel.nDates },
    fields: [...panel.fields.keys()],
    missingShare,
    spanCells,
    ...(meanMembers !== undefined ? { meanMembers } : {}),
  };
}

/**
 * A content hash of the panel (calendar, instruments, spans, every field's
 * bytes, member mask): the key evaluation caches use to know the data changed.
 */
export function panelFingerprint(panel: Panel): string {
  const h = createHash("sha256");
  h.update(panel.dates.join(","));
  h.update("\n");
  h.update(panel.instruments.join(","));
  h.update("\n");
  h.update(new Uint8Array(panel.first.buffer, panel.first.byteOffset, panel.first.byteLength));
  h.update(new Uint8Array(panel.last.buffer, panel.last.byteOffset, panel.last.byteLength));
  for (const name of [...panel.fields.keys()].sort()) {
    const a = panel.fields.get(name)!;
    h.update(`\n${name}\n`);
    h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  if (panel.member) h.update(new Uint8Array(panel.member.buffer, panel.member.byteOffset, panel.member.byteLength));
  return h.digest("hex").slice(0, 16);
}
