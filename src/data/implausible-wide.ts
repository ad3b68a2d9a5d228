import type { Panel } from "../../factors/panel.ts";
import { DataError, WARNING_EXAMPLES, type DataWarning, type ImplausibleKind } from "./errors.ts";

/**
 * Implausible-value scan over a built panel (sources without line numbers,
 * e.g. a qlib directory): same rules as the row check of the long loaders.
 */
export function scanImplausible(panel: Panel, file: string, strict: boolean): DataWarning[] {
  const f = (n: string) => panel.fields.get(n);
  const open = f("open"), high = f("high"), low = f("low"), close = f("close"), volume = f("volume");
  const prices: [string, Float64Array | undefined][] = [["open", open], ["high", high], ["low", low], ["close", close]];
  const tallies = new Map<ImplausibleKind, { count: number; examples: string[] }>();
  const { nDates } = panel;
  for (let i = 0; i < panel.nInst; i++) {
    for (let t = panel.first[i]!; t <= panel.last[i]!; t++) {
      const c = i * nDates + t;
      let kind: ImplausibleKind | undefined;
      let what = "";
      let field = "";
      if (high && low && high[c]! < low[c]!) { kind = "high<low"; what = `high ${high[c]} < low ${low[c]}`; field = "high"; }
      else if (volume && volume[c]! < 0) { kind = "negative volume"; what = `volume ${volume[c]} < 0`; field = "volume"; }
      else {
        for (const [name, a] of prices) {
          if (a && a[c]! <= 0) { kind = "non-positive price"; what = `${name} ${a[c]} <= 0`; field = name; break; }
        }
      }
      if (!kind) continue;
      const label = `${panel.instruments[i]} ${panel.dates[t]}`;
      if (strict) throw new DataError({ file, field }, `implausible value ${what} (${label}) [strict]`);
      let tally = tallies.get(kind);
      if (!tally) tallies.set(kind, (tally = { count: 0, examples: [] }));
      tally.count++;
      if (tally.examples.length < WARNING_EXAMPLES) tally.examples.push(`${label}: ${what}`);
    }
  }
  return [...tallies].map(([kind, t]) => ({
    kind,
    file,
    count: t.count,
    firstLines: [],
    examples: t.examples,
    message: `${file}: ${t.count} value(s) with ${kind} loaded as is (first: ${t.examples[0]}); use strict to reject`,
  }));
}
