/**
 * Everything a campaign writes to the library goes through one recorder: LLM calls (from the
 * agents' call sink), slot checkpoints and round commits. It
 *  - gives each LLM call a deterministic key (`r2/s5/judge#3/1` = round 2, slot 5, third judge
 *    call, first attempt) taken from the async context the call runs in, so a resumed campaign
 *    that redoes a call in flight writes nothing twice (the library ignores a repeated key);
 *  - counts writes, so a test can kill the process right after the n-th one (no sleeps).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { CallSink, LlmCallRecord } from "../../agents/types.ts";
import type { FactorLibrary } from "../library/index.ts";

interface CallScope {
  readonly key: string;
  readonly round: number | null;
  readonly trajectoryId: string | null;
  /** Sink records (attempts, repair turns) seen in this scope so far. */
  records: number;
}

const scopes = new AsyncLocalStorage<CallScope>();

/** Runs `fn` with LLM calls keyed under `key`. */
export function withCallScope<T>(
  scope: { key: string; round: number | null; trajectoryId: string | null },
  fn: () => Promise<T>,
): Promise<T> {
  return scopes.run({ ...scope, records: 0 }, fn);
}

export class CampaignRecorder {
  private count = 0;

  constructor(
    readonly library: FactorLibrary,
    readonly campaignId: string,
    /** Called after every write with the running count (test hook: kill after the n-th). */
    private readonly onWrite?: (n: number) => void,
  ) {}

  get writes(): number {
    return this.count;
  }

  /** Runs one library write (or transaction) and counts it. */
  write<T>(fn: (library: FactorLibrary) => T): T {
    const out = fn(this.library);
    this.count++;
    this.onWrite?.(this.count);
    return out;
  }

  /** The agents' call sink: records every provider call (failed attempts included) under its scope's key. */
  readonly sink: CallSink = (rec: LlmCallRecord) => {
    const scope = scopes.getStore();
    let key: string | null = null;
    if (scope) {
      scope.records++;
      key = `${scope.key}/${scope.records}`;
    }
    this.write((lib) =>
      lib.recordLlmCall({
        campaignId: this.campaignId,
        key,
        trajectoryId: scope?.trajectoryId ?? null,
        round: scope?.round ?? null,
        role: rec.role,
        provider: rec.provider,
        model: rec.model,
        tokensIn: rec.tokensIn,
        tokensOut: rec.tokensOut,
        costUsd: rec.costUsd ?? 0,
        latencyMs: Math.max(0, rec.latencyMs),
        promptHash: rec.promptHash,
        seed: rec.seed,
        attempt: rec.attempt ?? 1,
        reply: rec.reply,
        error: rec.error ?? null,
        cached: rec.cached ?? false,
      }),
    );
  };
}
