/**
 * "Alter everything after date t" for the no-look-ahead property: a new Panel whose first t+1 dates,
 * instruments and spans up to t are exactly the original's, and whose later data is changed every way a
 * data update can change it — values perturbed or made extreme, cells and whole rows deleted, calendar
 * dates dropped or appended, instruments ending at t, new instruments starting after t, membership
 * reshuffled after t. Values at dates ≤ t of any factor must not move.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Panel } from "../../factors/panel.ts";
import { mulberry32, type Rng } from "../factors/language/gen.ts";

export interface Alteration {
  readonly panel: Panel;
  /** Row of each original instrument in the altered panel. */
  readonly rowOf: Int32Array;
  /** What was done, for failure messages. */
  readonly summary: string;
}

function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

function isoPlusDays(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** A membership mask over the panel's spans (~85% members, in runs) — to test cross-sections with a universe. */
export function withRandomMembership(panel: Panel, seed: number): Panel {
  const rng = mulberry32(seed);
  const member = new Uint8Array(panel.nInst * panel.nDates);
  for (let i = 0; i < panel.nInst; i++) {
    let on = rng() < 0.85;
    for (let t = 0; t < panel.nDates; t++) {
      if (rng() < 0.05) on = !on;
      member[i * panel.nDates + t] = on && t >= panel.first[i]! && t <= panel.last[i]! ? 1 : 0;
    }
  }
  return { ...panel, member };
}

export function alterAfter(panel: Panel, t: number, seed: number): Alteration {
  const rng = mulberry32(seed);
  const T = panel.nDates;
  // calendar: keep [0..t], drop some later dates, append a few new ones
  const keptTail: number[] = [];
  for (let d = t + 1; d < T; d++) if (rng() >= 0.15) keptTail.push(d);
  const appended = Math.floor(rng() * 8);
  const dates = [...panel.dates.slice(0, t + 1), ...keptTail.map((d) => panel.dates[d]!)];
  let lastDate = panel.dates[T - 1]!;
  for (let k = 0; k < appended; k++) dates.push((lastDate = isoPlusDays(lastDate, 1 + Math.floor(rng() * 3))));
  const T2 = dates.length;
  const srcDate = (d2: number): number => (d2 <= t ? d2 : d2 - t - 1 < keptTail.length ? keptTail[d2 - t - 1]! : -1);

  // instruments: the originals plus a few that only start after t (names interleave with the originals)
  const extra = t + 1 < T2 ? Math.floor(rng() * 3) : 0;
  const extraNames = Array.from({ length: extra }, () => `${panel.instruments[Math.floor(rng() * panel.nInst)]!}_new${Math.floor(rng() * 100)}`);
  const instruments = [...new Set([...panel.instruments, ...extraNames])].sort();
  const N2 = instruments.length;
  const index = new Map(instruments.map((n, j) => [n, j]));
  const rowOf = Int32Array.from(panel.instruments, (n) => index.get(n)!);

  // spans: unchanged up to t; after t an instrument may end at t (if alive at t) or live on
  const first = new Int32Array(N2).fill(T2);
  const last = new Int32Array(N2).fill(-1);
  let endedAtT = 0;
  panel.instruments.forEach((_, i) => {
    const j = rowOf[i]!;
    first[j] = panel.first[i]!;
    if (panel.last[i]! <= t) last[j] = panel.last[i]!;
    else if (panel.first[i]! <= t && rng() < 0.1) {
      last[j] = t;
      endedAtT++;
    } else last[j] = T2 - 1;
    if (first[j]! > t) first[j] = Math.min(T2 - 1, t + 1 + Math.floor(rng() * 5));
    if (last[j]! < first[j]!) {
      first[j] = T2;
      last[j] = -1;
    }
  });
  for (const n of extraNames) {
    const j = index.get(n)!;
    first[j] = t + 1 + Math.floor(rng() * (T2 - t - 1));
    last[j] = T2 - 1;
  }

  const extreme = [0, -1, 1e12, -1e12, 1e-300, Number.NaN];
  let perturbed = 0, deletedRows = 0;
  const fields = new Map<string, Float64Array>();
  const deleted = new Uint8Array(N2 * T2);
  for (let c = 0; c < deleted.length; c++) {
    if (c % T2 > t && rng() < 0.08) {
      deleted[c] = 1;
      deletedRows++;
    }
  }
  for (const [name, src] of panel.fields) {
    const dst = new Float64Array(N2 * T2).fill(NaN);
    for (let j = 0; j < N2; j++) {
      const i = panel.instruments.indexOf(instruments[j]!);
      for (let d2 = 0; d2 < T2; d2++) {
        if (d2 < first[j]! || d2 > last[j]!) continue;
        const d = srcDate(d2);
        const orig = i >= 0 && d >= 0 ? src[i * T + d]! : 50 + 10 * normal(rng);
        if (d2 <= t) {
          dst[j * T2 + d2] = orig;
          continue;
        }
        let v = Number.isNaN(orig) ? 40 * rng() : orig * (1 + 0.3 * normal(rng));
        const u = rng();
        if (u < 0.05) v = NaN;
        else if (u < 0.07) v = extreme[Math.floor(rng() * extreme.length)]!;
        if (deleted[j * T2 + d2]) v = NaN;
        dst[j * T2 + d2] = v;
        perturbed++;
      }
    }
    fields.set(name, dst);
  }

  let member: Uint8Array | undefined;
  if (panel.member) {
    member = new Uint8Array(N2 * T2);
    for (let j = 0; j < N2; j++) {
      const i = panel.instruments.indexOf(instruments[j]!);
      for (let d2 = 0; d2 < T2; d2++) {
        const inSpan = d2 >= first[j]! && d2 <= last[j]!;
        member[j * T2 + d2] = d2 <= t && i >= 0 ? panel.member[i * T + d2]! : inSpan && rng() < 0.7 ? 1 : 0;
      }
    }
  }

  const summary =
    `t=${t} (${panel.dates[t]}), dates ${T}→${T2} (${T - t - 1 - keptTail.length} dropped, ${appended} appended), ` +
    `${extra} new instruments, ${endedAtT} ending at t, ${deletedRows} deleted rows, ${perturbed} cells altered` +
    (member ? ", membership reshuffled" : "");
  return { panel: { dates, instruments, nDates: T2, nInst: N2, fields, first, last, ...(member ? { member } : {}) }, rowOf, summary };
}

/**
 * Cells at dates ≤ t that differ (not bit-identical) between a factor on the original panel and on an
 * altered one; at most `limit` examples.
 */
export function differencesUpTo(orig: Panel, a: Float64Array, alt: Alteration, b: Float64Array, t: number, limit = 3): string[] {
  const out: string[] = [];
  const T = orig.nDates, T2 = alt.panel.nDates;
  for (let i = 0; i < orig.nInst && out.length < limit; i++) {
    const j = alt.rowOf[i]!;
    for (let d = 0; d <= t && out.length < limit; d++) {
      const x = a[i * T + d]!, y = b[j * T2 + d]!;
      if (!Object.is(x, y)) out.push(`${orig.instruments[i]} ${orig.dates[d]}: ${x} → ${y}`);
    }
  }
  return out;
}

/** The repo's Alpha158 lines (qlib dialect). */
export function alpha158(): { name: string; text: string }[] {
  const path = fileURLToPath(new URL("../../factors/zoo/alpha158.tsv", import.meta.url));
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("#"))
    .map((l) => ({ name: l.slice(0, l.indexOf("\t")), text: l.slice(l.indexOf("\t") + 1) }));
}
