/** The JSON summary of a retrain run (stored with the run, written next to the report, printed with --json). */
import type { FactorMetrics } from "../evolution/types.ts";
import type { FactorStatus } from "../library/index.ts";
import type { DecayRule, DecayThresholds } from "./decay.ts";
import type { RefitOptions } from "./model.ts";
import type { ReplacementResult } from "./replace.ts";

export interface FactorOutcome {
  readonly id: number;
  readonly name: string;
  readonly expression: string;
  readonly dialect: string;
  readonly before: FactorStatus;
  readonly after: FactorStatus;
  readonly rule: DecayRule;
  readonly reason: string;
  readonly reference: { split: string; rankIc: number; ic: number } | null;
  readonly recent: FactorMetrics;
  readonly retention: number;
  readonly t: number;
  /** The most correlated stronger surviving factor on the window. */
  readonly correlatedWith: { id: number; name: string; corr: number } | null;
}

export interface RetrainSummary {
  readonly run: number;
  readonly asOf: string;
  readonly key: string;
  readonly startedAt: string;
  readonly data: { source: string; fingerprint: string; instruments: number; firstDate: string; lastDate: string };
  readonly window: { start: string; end: string; days: number };
  readonly thresholds: DecayThresholds;
  readonly counts: { evaluated: number; skipped: number; active: number; watch: number; retired: number; changed: number };
  readonly factors: FactorOutcome[];
  readonly skipped: { id: number; name: string; status: FactorStatus; reason: string }[];
  readonly model: {
    readonly options: RefitOptions;
    readonly features: string[];
    readonly fit: { start: string; end: string } | null;
    readonly weights: number[] | null;
    readonly intercept: number | null;
    readonly outOfSample: {
      fit: { start: string; end: string };
      ic: number;
      icir: number;
      rankIc: number;
      rankIcir: number;
      days: number;
      excessWithCost: { arr: number; ir: number; mdd: number } | null;
    } | null;
    readonly note: string | null;
  };
  readonly replacements: ReplacementResult;
  readonly report: string | null;
  readonly summaryFile: string | null;
}
