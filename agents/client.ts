/**
 * LlmClient: one provider behind the campaign's policies — concurrency limit,
 * per-call timeout, retries, budget, accounting and the call log. Roles call
 * `complete`; nothing else talks to a provider.
 */
import { UsageLedger } from "./accounting.ts";
import { LlmError, redactSecrets } from "./errors.ts";
import { promptHash } from "./hash.ts";
import {
  classifyError,
  DEFAULT_RETRY,
  realClock,
  Semaphore,
  withRetries,
  type Clock,
  type RetryPolicy,
} from "./resilience.ts";
import type { CallSink, ChatMessage, ChatProvider, ChatResult, CompleteOptions, LlmCallRecord } from "./types.ts";

export interface LlmClientOptions {
  readonly provider: ChatProvider;
  readonly retry?: Partial<RetryPolicy>;
  /** Per-attempt timeout (default 120 s). */
  readonly timeoutMs?: number;
  /** Calls in flight at once (default 4). */
  readonly concurrency?: number;
  readonly ledger?: UsageLedger;
  readonly sink?: CallSink;
  readonly clock?: Clock;
  /** Jitter source; inject for reproducible backoff in tests. */
  readonly random?: () => number;
  /** Strings to scrub from every logged reply and error (API keys). */
  readonly secrets?: readonly (string | undefined)[];
  /** Shown in connection errors, e.g. the base URL. */
  readonly endpoint?: string;
}

export interface ClientResult extends ChatResult {
  readonly latencyMs: number;
  readonly promptHash: string;
  readonly attempts: number;
}

/** Rough token count for endpoints that report no usage (≈ 4 characters a token). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export class LlmClient {
  readonly provider: ChatProvider;
  readonly ledger: UsageLedger;
  private readonly policy: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly semaphore: Semaphore;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly sink: CallSink | undefined;
  private readonly secrets: readonly (string | undefined)[];
  private readonly endpoint: string | undefined;

  constructor(opts: LlmClientOptions) {
    this.provider = opts.provider;
    this.ledger = opts.ledger ?? new UsageLedger();
    this.policy = { ...DEFAULT_RETRY, ...opts.retry };
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.semaphore = new Semaphore(opts.concurrency ?? 4);
    this.clock = opts.clock ?? realClock;
    this.random = opts.random ?? Math.random;
    this.sink = opts.sink;
    this.secrets = opts.secrets ?? [];
    this.endpoint = opts.endpoint;
  }

  async complete(messages: readonly ChatMessage[], options: CompleteOptions): Promise<ClientResult> {
    const hash = promptHash(messages);
    const release = await this.semaphore.acquire(options.signal);
    try {
      let attemptStart = 0;
      let attempts = 0;
      const result = await withRetries(
        (signal, attempt) => {
          attempts = attempt;
          attemptStart = this.clock.now();
          return this.provider.complete(messages, { ...options, signal });
        },
        {
          policy: this.policy,
          timeoutMs: this.timeoutMs,
          clock: this.clock,
          random: this.random,
          signal: options.signal,
          classify: (e) => classifyError(e, { endpoint: this.endpoint, secrets: this.secrets }),
          beforeAttempt: () => this.ledger.checkBudget(),
          onFailure: ({ attempt, error }) =>
            this.log({
              role: options.role,
              model: this.provider.model,
              provider: this.provider.name,
              tokensIn: 0,
              tokensOut: 0,
              latencyMs: this.clock.now() - attemptStart,
              promptHash: hash,
              seed: options.seed ?? null,
              reply: "",
              attempt,
              error: this.scrub(error.message),
            }),
        },
      );
      const latencyMs = this.clock.now() - attemptStart;
      const tokensIn = result.usage.tokensIn > 0 ? result.usage.tokensIn : estimateTokens(messages.map((m) => m.content).join("\n"));
      const tokensOut = result.usage.tokensOut > 0 ? result.usage.tokensOut : estimateTokens(result.text);
      this.log({
        role: options.role,
        model: result.model || this.provider.model,
        provider: this.provider.name,
        tokensIn,
        tokensOut,
        latencyMs,
        promptHash: hash,
        seed: options.seed ?? null,
        reply: this.scrub(result.text),
        attempt: attempts,
      });
      return { ...result, usage: { tokensIn, tokensOut }, latencyMs, promptHash: hash, attempts };
    } catch (e) {
      throw e instanceof LlmError ? e : classifyError(e, { endpoint: this.endpoint, secrets: this.secrets });
    } finally {
      release();
    }
  }

  /**
   * Logs a reply served from the reply cache as a call with `cached`, no tokens, no cost and no
   * latency, so the ledger and the library's call log show it (and `replay` can serve it again).
   */
  recordCacheHit(messages: readonly ChatMessage[], options: Pick<CompleteOptions, "role" | "seed">, reply: string): void {
    this.log({
      role: options.role,
      model: this.provider.model,
      provider: this.provider.name,
      tokensIn: 0,
      tokensOut: 0,
      latencyMs: 0,
      promptHash: promptHash(messages),
      seed: options.seed ?? null,
      reply: this.scrub(reply),
      attempt: 1,
      cached: true,
    });
  }

  private scrub(text: string): string {
    return redactSecrets(text, this.secrets);
  }

  private log(rec: LlmCallRecord): void {
    const costUsd = this.ledger.record(rec);
    this.sink?.({ ...rec, costUsd });
  }
}
