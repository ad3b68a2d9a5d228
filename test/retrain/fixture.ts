/**
 * A small synthetic market with planted signals (one of which, low_volatility, fades to zero at
 * 55–75% of the sample), and a library holding the planted expressions with metrics measured on
 * an early window, as if mined then. "Extending the data" = the same market's later days.
 */
import { join } from "node:path";
import { generateSyntheticMarket, type SyntheticMarket } from "../../src/data/synthetic/market.ts";
import { restrictPanel } from "../../src/data/restrict.ts";
import { writeLongCsv } from "../../src/data/long-export.ts";
import type { Panel } from "../../factors/panel.ts";
import { FactorLibrary } from "../../src/library/index.ts";
import { prepareImport } from "../../src/review/import.ts";
import { evaluateStoredFactors } from "../../src/review/values.ts";
import { windowMetrics } from "../../src/review/metrics.ts";

export const MARKET = { seed: 1, instruments: 120, days: 800 } as const;
/** Last date index of the "early" data the library was built on (45% of the sample). */
export const EARLY_END = 360;
export const DECAYING = "low_volatility";

let cached: SyntheticMarket | undefined;
export function market(): SyntheticMarket {
  cached ??= generateSyntheticMarket(MARKET);
  return cached;
}

export function earlyPanel(): Panel {
  const m = market();
  return restrictPanel(m.panel, { end: m.panel.dates[EARLY_END]! }, "synthetic");
}

/** Import the planted expressions into a library with `valid` metrics from dates 60..EARLY_END. */
export async function buildPlantedLibrary(path: string): Promise<number[]> {
  const m = market();
  const early = earlyPanel();
  const inputs = prepareImport(
    m.planted.map((p) => ({ name: p.name, expression: p.expression, dialect: "quanta" as const, description: p.description, where: "planted" })),
  );
  const ev = await evaluateStoredFactors(
    early,
    inputs.map((f, k) => ({ id: k + 1, name: f.name, expression: f.expression, dialect: "quanta" as const })),
  );
  const metrics = windowMetrics(
    early,
    ev.evaluated.map((e) => e.values),
    { from: 60, to: early.nDates - 1 },
  );
  const lib = FactorLibrary.open(path);
  try {
    return lib.importFactors(inputs.map((f, k) => ({ ...f, metrics: { valid: metrics[k]! } }))).ids;
  } finally {
    lib.close();
  }
}

/** Write the early and the full (extended) data as long CSV files in `dir`. */
export async function writeMarketCsvs(dir: string): Promise<{ early: string; full: string }> {
  const early = join(dir, "early.csv");
  const full = join(dir, "full.csv");
  await writeLongCsv(early, earlyPanel());
  await writeLongCsv(full, market().panel);
  return { early, full };
}
