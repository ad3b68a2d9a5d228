/**
 * The `replay` provider: answers from a recorded call log (the library's LLM
 * calls table), keyed by role + prompt hash + seed and served in recorded
 * order, so a campaign re-run with the same inputs gets exactly the same
 * replies without a model. Failed attempts in the log are skipped. A request
 * the log does not hold is a ReplayMissError — never a guess.
 */
import { ReplayMissError } from "../errors.ts";
import { promptHash } from "../hash.ts";
import type { CallRole, ChatMessage, ChatProvider, ChatResult, CompleteOptions, LlmCallRecord } from "../types.ts";

type ReplayEntry = Pick<LlmCallRecord, "role" | "promptHash" | "seed" | "reply" | "tokensIn" | "tokensOut" | "model" | "error">;

function keyOf(role: CallRole, hash: string, seed: number | null | undefined): string {
  return `${role}\u0000${hash}\u0000${seed ?? ""}`;
}

export class ReplayProvider implements ChatProvider {
  readonly name = "replay";
  readonly model: string;
  private readonly queues = new Map<string, ReplayEntry[]>();

  constructor(records: Iterable<ReplayEntry>, opts: { model?: string } = {}) {
    let model: string | undefined;
    for (const r of records) {
      if (r.error !== undefined && r.error !== null) continue;
      model ??= r.model;
      const k = keyOf(r.role, r.promptHash, r.seed);
      const q = this.queues.get(k);
      if (q) q.push(r);
      else this.queues.set(k, [r]);
    }
    this.model = opts.model ?? model ?? "replay";
  }

  /** Recorded answers not yet served (a complete reproduction leaves 0). */
  get remaining(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  async complete(messages: readonly ChatMessage[], options: CompleteOptions): Promise<ChatResult> {
    const hash = promptHash(messages);
    const rec = this.queues.get(keyOf(options.role, hash, options.seed))?.shift();
    if (!rec) throw new ReplayMissError(options.role, hash, options.seed ?? null);
    return { text: rec.reply, usage: { tokensIn: rec.tokensIn, tokensOut: rec.tokensOut }, model: rec.model, finishReason: "stop" };
  }
}
