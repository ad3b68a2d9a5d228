/**
 * A structured call: send the prompt, extract JSON, validate it with the
 * role's zod schema; on failure add one repair turn carrying the validation
 * error, a bounded number of times; then give up with LlmReplyError.
 */
import type { z } from "zod";
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
}

export interface StructuredResult<T> {
  readonly value: T;
  /** 1 when the first reply was valid. */
  readonly turns: number;
  readonly raw: string;
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
    if (checked.ok) return { value: checked.value, turns: turn, raw: res.text };
    lastError = checked.error;
    lastText = res.text;
    convo.push({ role: "assistant", content: res.text.slice(0, 4000) }, repairTurn(checked.error));
  }
  throw new LlmReplyError(role, lastError, lastText.slice(0, 500), maxRepairTurns + 1);
}
