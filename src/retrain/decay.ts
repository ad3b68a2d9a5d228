/**
 * The decay verdict for one factor: its RankIC on the newest window against its reference (the
 * metrics it was accepted with), plus its correlation with stronger factors of the pool on that
 * window. A pure function of numbers, so every threshold is tested without data.
 *
 * Rules, in order (the first that applies decides):
 *  1. too few days with a RankIC on the window, or no reference → no verdict, status unchanged;
 *  2. sign flip: the window's RankIC has the opposite sign and is significant (|t| ≥ flipT) → retired;
 *  3. decay: it keeps less than `retireRatio` of the reference RankIC (in the reference's direction;
 *     an insignificant opposite sign lands here too) → retired;
 *  4. drop: it keeps less than `watchRatio` → watch;
 *  5. rising correlation: |rank corr| with a stronger surviving factor ≥ maxCorrelation → watch
 *     (the redundancy gate admitted it below that, so the pool has drifted together);
 *  6. otherwise active (a factor on watch that passes everything recovers).
 * Retired factors are not re-evaluated by retraining.
 */
import type { FactorMetrics } from "../evolution/types.ts";
import type { FactorStatus } from "../library/index.ts";

export interface DecayThresholds {
  /** Retire below this share of the reference RankIC. */
  readonly retireRatio: number;
  /** Watch below this share. */
  readonly watchRatio: number;
  /** |t| of the window's mean RankIC that makes an opposite sign a flip. */
  readonly flipT: number;
  /** |mean daily rank corr| with a stronger pool factor that puts a factor on watch. */
  readonly maxCorrelation: number;
  /** Days with a RankIC on the window needed for any verdict. */
  readonly minDays: number;
}

export const DEFAULT_THRESHOLDS: DecayThresholds = Object.freeze({
  retireRatio: 0.25,
  watchRatio: 0.5,
  flipT: 2,
  maxCorrelation: 0.7,
  minDays: 20,
});

export interface DecayInput {
  readonly status: FactorStatus;
  /** Reference metrics (what the factor was accepted with) and their split name. */
  readonly reference?: { readonly split: string; readonly metrics: FactorMetrics };
  readonly recent: FactorMetrics;
  /** The most correlated stronger pool factor on the window, if any. */
  readonly correlation?: { readonly name: string; readonly id: number; readonly corr: number };
}

export type DecayRule = "no-data" | "no-reference" | "sign-flip" | "decay" | "drop" | "correlation" | "ok";

export interface DecayVerdict {
  readonly status: FactorStatus;
  readonly rule: DecayRule;
  /** One line for people (stored as the status reason). */
  readonly reason: string;
  /** Window RankIC / reference RankIC, signed in the reference's direction (NaN without one). */
  readonly retention: number;
  /** t-statistic of the window's mean RankIC in the reference's direction. */
  readonly t: number;
}

function f4(x: number): string {
  return Number.isFinite(x) ? x.toFixed(4) : "n/a";
}

/** Days with a RankIC on the window (`rankDays` when recorded, else `days`). */
export function rankDaysOf(m: FactorMetrics): number {
  const d = m["rankDays"] ?? m["days"];
  return typeof d === "number" && Number.isFinite(d) ? d : 0;
}

export function decide(x: DecayInput, th: DecayThresholds = DEFAULT_THRESHOLDS): DecayVerdict {
  const days = rankDaysOf(x.recent);
  const recent = x.recent.rankIc;
  if (days < th.minDays || !Number.isFinite(recent)) {
    return { status: x.status, rule: "no-data", reason: `only ${days} days with a RankIC on the window (need ${th.minDays})`, retention: NaN, t: NaN };
  }
  const ref = x.reference?.metrics.rankIc;
  if (x.reference === undefined || ref === undefined || !Number.isFinite(ref) || ref === 0) {
    return { status: x.status, rule: "no-reference", reason: "no reference RankIC to compare with", retention: NaN, t: NaN };
  }
  const sign = Math.sign(ref);
  const retention = (recent * sign) / Math.abs(ref);
  const ir = x.recent.rankIcir;
  const t = Number.isFinite(ir) ? ir * Math.sqrt(days) * sign : NaN;
  const change = `RankIC ${f4(ref)} (${x.reference.split}) → ${f4(recent)} on the window`;
  if (retention < 0 && t <= -th.flipT) {
    return { status: "retired", rule: "sign-flip", reason: `sign flip: ${change}, t = ${t.toFixed(2)}`, retention, t };
  }
  if (retention < th.retireRatio) {
    return {
      status: "retired",
      rule: "decay",
      reason: `decayed: ${change} keeps ${(100 * retention).toFixed(0)}% (< ${(100 * th.retireRatio).toFixed(0)}%)`,
      retention,
      t,
    };
  }
  if (retention < th.watchRatio) {
    return {
      status: "watch",
      rule: "drop",
      reason: `IC drop: ${change} keeps ${(100 * retention).toFixed(0)}% (< ${(100 * th.watchRatio).toFixed(0)}%)`,
      retention,
      t,
    };
  }
  if (x.correlation && Math.abs(x.correlation.corr) >= th.maxCorrelation) {
    return {
      status: "watch",
      rule: "correlation",
      reason: `correlation ${x.correlation.corr.toFixed(3)} with stronger factor ${x.correlation.name} #${x.correlation.id} on the window (≥ ${th.maxCorrelation})`,
      retention,
      t,
    };
  }
  return {
    status: "active",
    rule: "ok",
    reason: x.status === "watch" ? `recovered: ${change} keeps ${(100 * retention).toFixed(0)}%` : `holds: ${change}`,
    retention,
    t,
  };
}

/** Which stored split a factor's reference metrics come from: mining-valid, a retrain baseline, then mining-train. */
export const REFERENCE_SPLITS = ["valid", "baseline", "train"] as const;

export function referenceOf(metrics: Readonly<Record<string, FactorMetrics>>): { split: string; metrics: FactorMetrics } | undefined {
  for (const s of REFERENCE_SPLITS) {
    const m = metrics[s];
    if (m && Number.isFinite(m.rankIc)) return { split: s, metrics: m };
  }
  return undefined;
}
