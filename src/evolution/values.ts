/**
 * Factor values and metrics on the mining panel, computed once: values sit in a byte-bounded LRU
 * keyed by canonical expression (concurrent requests for the same key share one evaluation), and
 * per-factor metrics go to the library's evaluation cache keyed by canonical expression + data
 * fingerprint, so a candidate seen before — in this campaign or an earlier one on the same data —
 * costs no IC computation.
 */
import { z } from "zod";
import type { FactorLibrary } from "../library/index.ts";
import type { FactorEvaluator } from "./evaluator.ts";
import type { MiningData } from "./mining-data.ts";
import { factorMetrics } from "./scoring.ts";
import { SplitMetricsSchema, type SplitMetrics } from "./types.ts";

export class ValueCache {
  private readonly entries = new Map<string, Float64Array>();
  private readonly inflight = new Map<string, Promise<Float64Array>>();
  private bytes = 0;

  constructor(
    private readonly evaluator: FactorEvaluator,
    private readonly data: MiningData,
    private readonly maxBytes = 256 * 2 ** 20,
  ) {}

  /** Values of a canonical quanta expression on the mining panel. */
  async get(canonical: string): Promise<Float64Array> {
    const hit = this.entries.get(canonical);
    if (hit) {
      // refresh recency
      this.entries.delete(canonical);
      this.entries.set(canonical, hit);
      return hit;
    }
    let p = this.inflight.get(canonical);
    if (!p) {
      p = this.evaluator.evaluate(this.data.panel, [canonical], "quanta").then((v) => v[0]!);
      this.inflight.set(canonical, p);
    }
    try {
      const values = await p;
      if (!this.entries.has(canonical)) this.put(canonical, values);
      return values;
    } finally {
      this.inflight.delete(canonical);
    }
  }

  /** Values of many expressions in one batch (shared sub-expressions computed once). */
  async getMany(canonicals: readonly string[]): Promise<Float64Array[]> {
    const missing = [...new Set(canonicals.filter((c) => !this.entries.has(c)))];
    if (missing.length > 0) {
      const values = await this.evaluator.evaluate(this.data.panel, missing, "quanta");
      missing.forEach((c, i) => this.put(c, values[i]!));
    }
    return Promise.all(canonicals.map((c) => this.get(c)));
  }

  private put(key: string, values: Float64Array): void {
    this.entries.set(key, values);
    this.bytes += values.byteLength;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes || this.entries.size <= 1) break;
      this.entries.delete(k);
      this.bytes -= v.byteLength;
    }
  }
}

const CachedMetricsSchema = SplitMetricsSchema;

/** Per-factor metrics, from the library's evaluation cache or computed (and stored) now. */
export function metricsOf(
  library: FactorLibrary,
  data: MiningData,
  canonical: string,
  values: Float64Array,
  store: (m: SplitMetrics) => void,
): SplitMetrics {
  const cached = library.cacheGet(canonical, data.fingerprint, CachedMetricsSchema as z.ZodType<SplitMetrics>);
  if (cached && cached["train"] && cached["valid"]) return cached;
  const m = factorMetrics(data, values);
  store(m);
  return m;
}
