/**
 * A structured call: send the prompt, extract JSON, validate it with the
 * role's zod schema; on failure add one repair turn carrying the validation
 * error, a bounded number of times; then give up with LlmReplyError.
 *
 * With a reply cache, the whole exchange (repair turns included) is one entry
 * keyed by the initial prompt: a hit returns the stored validated value with no
 * request; only a value that validated is stored, so a failure never is.
 */
import type { z } from "zod";
import type { ReplyCacheStore } from "./cache.ts";
import type { LlmClient } from "./client.ts";
import { LlmReplyError } from "./errors.ts";
import { extractJson } from "./json.ts";
import { repairTurn } from "./prompts/common.ts";
import { formatZodError } from "./schemas.ts";
import type { CallRole, ChatMessage, OutputSchema } from "./types.ts";

export interface StructuredOptions {
  readonly seed?: number;
  readonly signal?: AbortSignal;
  readonly temperature?: number;
  /** Extra turns after an invalid reply (default 2). */
  readonly maxRepairTurns?: number;
  /** Look the call up in (and store its validated reply to) this cache under `key`. */
  readonly cache?: { readonly store: ReplyCacheStore; readonly key: string };
}

export interface StructuredResult<T> {
  readonly value: T;
  /** 1 when the first reply was valid; 0 when it came from the cache. */
  readonly turns: number;
  readonly raw: string;
  /** Served from the reply cache. */
  readonly cached?: boolean;
}

/** Why `text` is not a valid reply for `schema`, or the parsed value. */
export function validateReply<T>(
  text: string,
  schema: z.ZodType<T>,
  finishReason?: string,
): { ok: true; value: T } | { ok: false; error: string } {
  const json = extractJson(text);
  if (!json.ok) {
    const cut = finishReason === "length" ? "the reply was cut off by the token limit (answer more concisely); " : "";
    return { ok: false, error: `${cut}${json.error}` };
  }
  const parsed = schema.safeParse(json.value);
  if (!parsed.success) return { ok: false, error: `the JSON does not match the schema: ${formatZodError(parsed.error)}` };
  return { ok: true, value: parsed.data };
}

export async function structuredCall<T>(
  client: LlmClient,
  role: CallRole,
  schema: z.ZodType<T>,
  outputSchema: OutputSchema,
  initial: readonly ChatMessage[],
  opts: StructuredOptions = {},
): Promise<StructuredResult<T>> {
  const maxRepairTurns = opts.maxRepairTurns ?? 2;
  const cache = opts.cache;
  if (cache) {
    const hit = await cache.store.get(cache.key);
    // A stored value the schema no longer accepts is a miss (the key holds the schema's hash, so
    // this only guards against a hand-edited or corrupt store).
    const parsed = hit === undefined ? undefined : schema.safeParse(hit.reply);
    if (hit && parsed?.success) {
      const raw = JSON.stringify(hit.reply);
      client.recordCacheHit(initial, { role, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) }, raw);
      return { value: parsed.data, turns: 0, raw, cached: true };
    }
  }
  const convo: ChatMessage[] = [...initial];
  let lastError = "";
  let lastText = "";
  for (let turn = 1; turn <= maxRepairTurns + 1; turn++) {
    const res = await client.complete(convo, {
      role,
      schema: outputSchema,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      ...(opts.temperature !== undefined ? { temperature: opts.temperature } : {}),
    });
    const checked = validateReply(res.text, schema, res.finishReason);
    if (checked.ok) {
      if (cache) await cache.store.put({ key: cache.key, role, model: res.model || client.provider.model, reply: checked.value });
      return { value: checked.value, turns: turn, raw: res.text };
    }
    lastError = checked.error;
    lastText = res.text;
    convo.push({ role: "assistant", content: res.text.slice(0, 4000) }, repairTurn(checked.error));
  }
  throw new LlmReplyError(role, lastError, lastText.slice(0, 500), maxRepairTurns + 1);
}
