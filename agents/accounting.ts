/**
 * Token, call and cost accounting per role and per campaign, and the budget
 * that stops a campaign. One ledger per campaign; every provider call (failed
 * attempts included) goes through `record`, and so does every reply served
 * from the reply cache (counted in `calls` and `cached`, with no tokens or cost).
 */
import { z } from "zod";
import { BudgetExceededError } from "./errors.ts";
import type { CallRole, LlmCallRecord } from "./types.ts";

export const ModelPriceSchema = z.object({
  /** USD per million prompt tokens. */
  inputPerMTok: z.number().nonnegative(),
  /** USD per million completion tokens. */
  outputPerMTok: z.number().nonnegative(),
});
export type ModelPrice = z.infer<typeof ModelPriceSchema>;
export const PriceTableSchema = z.record(z.string(), ModelPriceSchema);
export type PriceTable = z.infer<typeof PriceTableSchema>;

/**
 * List prices (USD / 1M tokens) of a few common models, as a starting point;
 * override them in the campaign config. A model not in the table costs 0 and
 * is reported as unpriced.
 */
export const DEFAULT_PRICES: PriceTable = {
  "gpt-4o-mini": { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  "gpt-4o": { inputPerMTok: 2.5, outputPerMTok: 10 },
  "gpt-4.1-nano": { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  "gpt-4.1-mini": { inputPerMTok: 0.4, outputPerMTok: 1.6 },
  "gpt-4.1": { inputPerMTok: 2, outputPerMTok: 8 },
  "deepseek-chat": { inputPerMTok: 0.27, outputPerMTok: 1.1 },
  "deepseek-reasoner": { inputPerMTok: 0.55, outputPerMTok: 2.19 },
  "qwen-plus": { inputPerMTok: 0.4, outputPerMTok: 1.2 },
  offline: { inputPerMTok: 0, outputPerMTok: 0 },
};

/** Exact model name first, then the longest table key the model name starts with (`gpt-4o-2024-08-06` → `gpt-4o`). */
export function priceFor(table: PriceTable, model: string): ModelPrice | undefined {
  const exact = table[model];
  if (exact) return exact;
  let best: string | undefined;
  for (const key of Object.keys(table)) {
    if (model.startsWith(key) && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : table[best];
}

export function costOf(price: ModelPrice | undefined, tokensIn: number, tokensOut: number): number {
  if (!price) return 0;
  return (tokensIn * price.inputPerMTok + tokensOut * price.outputPerMTok) / 1e6;
}

export const BudgetSchema = z.object({
  maxTokens: z.number().int().positive().optional(),
  maxUsd: z.number().positive().optional(),
});
export type Budget = z.infer<typeof BudgetSchema>;

export interface UsageTotals {
  calls: number;
  failures: number;
  /** Calls answered from the reply cache (included in `calls`). */
  cached: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  latencyMs: number;
}

function zero(): UsageTotals {
  return { calls: 0, failures: 0, cached: 0, tokensIn: 0, tokensOut: 0, costUsd: 0, latencyMs: 0 };
}

export interface LedgerSnapshot {
  readonly campaign: string | null;
  readonly total: UsageTotals;
  readonly byRole: Partial<Record<CallRole, UsageTotals>>;
  readonly unpricedModels: readonly string[];
  readonly budget: Budget;
}

export class UsageLedger {
  private readonly roles = new Map<CallRole, UsageTotals>();
  private readonly totals = zero();
  private readonly unpriced = new Set<string>();

  constructor(
    readonly prices: PriceTable = DEFAULT_PRICES,
    readonly budget: Budget = {},
    readonly campaign: string | null = null,
  ) {}

  /** Cost of one call under this ledger's price table. */
  costFor(model: string, tokensIn: number, tokensOut: number): number {
    const price = priceFor(this.prices, model);
    if (!price && tokensIn + tokensOut > 0) this.unpriced.add(model);
    return costOf(price, tokensIn, tokensOut);
  }

  /** Adds one call (successful or not, or a cache hit: free whatever its tokens say). Returns its cost in USD. */
  record(rec: Pick<LlmCallRecord, "role" | "model" | "tokensIn" | "tokensOut" | "latencyMs" | "error" | "cached">): number {
    const cost = rec.cached ? 0 : this.costFor(rec.model, rec.tokensIn, rec.tokensOut);
    let r = this.roles.get(rec.role);
    if (!r) this.roles.set(rec.role, (r = zero()));
    for (const t of [r, this.totals]) {
      t.calls++;
      if (rec.error !== undefined) t.failures++;
      if (rec.cached) t.cached++;
      t.tokensIn += rec.tokensIn;
      t.tokensOut += rec.tokensOut;
      t.costUsd += cost;
      t.latencyMs += rec.latencyMs;
    }
    return cost;
  }

  /** Throws BudgetExceededError once the budget is spent; called before every call. */
  checkBudget(): void {
    const { maxTokens, maxUsd } = this.budget;
    const tokens = this.totals.tokensIn + this.totals.tokensOut;
    if (maxTokens !== undefined && tokens >= maxTokens) throw new BudgetExceededError("tokens", tokens, maxTokens);
    if (maxUsd !== undefined && this.totals.costUsd >= maxUsd) throw new BudgetExceededError("usd", this.totals.costUsd, maxUsd);
  }

  get exhausted(): boolean {
    try {
      this.checkBudget();
      return false;
    } catch {
      return true;
    }
  }

  total(): UsageTotals {
    return { ...this.totals };
  }

  role(role: CallRole): UsageTotals {
    return { ...(this.roles.get(role) ?? zero()) };
  }

  snapshot(): LedgerSnapshot {
    const byRole: Partial<Record<CallRole, UsageTotals>> = {};
    for (const [k, v] of this.roles) byRole[k] = { ...v };
    return { campaign: this.campaign, total: this.total(), byRole, unpricedModels: [...this.unpriced].sort(), budget: { ...this.budget } };
  }
}
