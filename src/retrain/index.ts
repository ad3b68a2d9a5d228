/** Retraining: re-evaluate the library on the newest data, flag decay, refit, report. */
export { runRetrain, retrainKey, RECENT_SPLIT, BASELINE_SPLIT, RETRAIN_LOCK, type RetrainOptions, type RetrainOutcome } from "./run.ts";
export { decide, referenceOf, rankDaysOf, DEFAULT_THRESHOLDS, REFERENCE_SPLITS, type DecayThresholds, type DecayInput, type DecayVerdict, type DecayRule } from "./decay.ts";
export { retrainWindow, DEFAULT_WINDOW_DAYS, type RetrainWindow } from "./window.ts";
export { refitCombination, DEFAULT_REFIT, type RefitOptions, type RefitResult } from "./model.ts";
export { campaignReplacementMiner, type ReplacementMiner, type ReplacementRequest, type ReplacementResult } from "./replace.ts";
export type { RetrainSummary, FactorOutcome } from "./summary.ts";
