/**
 * quanta's library API: everything the CLI does is available to scripts and notebooks.
 * The factor language and engine (`factors/`), metrics, models and the portfolio simulation
 * (`backtest/`), the LLM agents (`agents/`), data loading, the evaluation pool, the factor library
 * and its review/retrain helpers (this folder).
 */
export * as factors from "../factors/index.ts";
export * as backtest from "../backtest/index.ts";
export * as agents from "../agents/index.ts";
export * as data from "./data/index.ts";
export * as report from "./report/index.ts";
export { EvalPool, type EvalPoolOptions } from "./pool/index.ts";
export { readExpressionsTsv, parseExpressionsTsv, type NamedExpression } from "./io/exprs-file.ts";
export { prepareFactorSet, type PreparedFactor, type PreparedFactorSet } from "./workflow/factor-set.ts";
export { screenFactors, evaluateFactorSet, windowOf } from "./workflow/screen.ts";
export * from "./api.ts";
