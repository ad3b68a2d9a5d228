/**
 * `quanta llm check`: one tiny structured request through the configured
 * provider, reporting latency, token use and whether structured output works.
 * Unreachable endpoints and HTTP errors become a QuantaError (exit 2) with a
 * clear message, within the timeout.
 */
import { z } from "zod";
import { QuantaError } from "../factors/errors.ts";
import { LlmClient } from "./client.ts";
import { LlmError, LlmReplyError } from "./errors.ts";
import { AgentConfigSchema, createProvider, defaultModel, type ProviderName } from "./factory.ts";
import { OpenAIProvider } from "./providers/openai.ts";
import type { Clock } from "./resilience.ts";
import { structuredCall } from "./structured.ts";
import type { ChatMessage, LlmCallRecord } from "./types.ts";

export interface LlmCheckOptions {
  readonly provider: ProviderName;
  readonly model?: string;
  readonly baseUrl?: string;
  /** Whole-check timeout in ms (default 30 s). */
  readonly timeoutMs?: number;
  readonly stream?: boolean;
  readonly apiKey?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  /** Recorded calls, for `--provider replay`. */
  readonly replayLog?: Iterable<LlmCallRecord>;
}

export interface LlmCheckReport {
  readonly provider: string;
  readonly model: string;
  readonly endpoint: string | null;
  readonly latencyMs: number;
  readonly tokensIn: number;
  readonly tokensOut: number;
  /** The reply was valid JSON matching the schema (possibly after a repair turn). */
  readonly structuredOk: boolean;
  /** Turns needed (1 = first reply valid). */
  readonly turns: number;
  /** Structured-output mode the endpoint accepted (openai only). */
  readonly mode: string | null;
  readonly problem: string | null;
}

const CheckSchema = z.object({ ok: z.boolean(), answer: z.number() });
const CHECK_JSON_SCHEMA = z.toJSONSchema(CheckSchema) as Record<string, unknown>;
const CHECK_MESSAGES: readonly ChatMessage[] = [
  { role: "system", content: 'You are a connectivity check. Reply with ONLY a JSON object of the form {"ok": true, "answer": <number>}.' },
  { role: "user", content: "What is 2 + 3? Answer in JSON." },
];

export async function runLlmCheck(opts: LlmCheckOptions): Promise<LlmCheckReport> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  if (opts.provider === "offline") {
    return { provider: "offline", model: defaultModel("offline"), endpoint: null, latencyMs: 0, tokensIn: 0, tokensOut: 0, structuredOk: true, turns: 1, mode: null, problem: null };
  }
  const config = AgentConfigSchema.parse({
    provider: opts.provider,
    stream: opts.stream ?? false,
    ...(opts.model ? { model: opts.model } : {}),
    ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
  });
  const provider = createProvider(config, {
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
    ...(opts.replayLog ? { replayLog: opts.replayLog } : {}),
  });
  const endpoint = provider instanceof OpenAIProvider ? provider.baseURL : (config.baseUrl ?? null);
  const started = Date.now();
  const client = new LlmClient({
    provider,
    timeoutMs,
    concurrency: 1,
    // one quick retry for a transient failure, but never past the overall timeout
    retry: { maxRetries: 1, baseDelayMs: 200, maxDelayMs: 1000, deadlineMs: timeoutMs },
    secrets: [...(provider.secrets ?? []), opts.apiKey],
    ...(endpoint ? { endpoint } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  try {
    const res = await structuredCall(client, "check", CheckSchema, { name: "check", jsonSchema: CHECK_JSON_SCHEMA }, CHECK_MESSAGES, { maxRepairTurns: 1, seed: 0 });
    const t = client.ledger.total();
    return {
      provider: provider.name,
      model: provider.model,
      endpoint,
      latencyMs: Date.now() - started,
      tokensIn: t.tokensIn,
      tokensOut: t.tokensOut,
      structuredOk: true,
      turns: res.turns,
      mode: provider instanceof OpenAIProvider ? provider.structuredMode : null,
      problem: res.value.answer === 5 ? null : `the model answered ${res.value.answer} to 2 + 3`,
    };
  } catch (e) {
    if (e instanceof LlmReplyError) {
      const t = client.ledger.total();
      return {
        provider: provider.name,
        model: provider.model,
        endpoint,
        latencyMs: Date.now() - started,
        tokensIn: t.tokensIn,
        tokensOut: t.tokensOut,
        structuredOk: false,
        turns: e.turns,
        mode: provider instanceof OpenAIProvider ? provider.structuredMode : null,
        problem: e.reason,
      };
    }
    const msg = e instanceof LlmError || e instanceof QuantaError ? e.message : String(e);
    throw new QuantaError(`LLM check failed (${provider.name}, model ${provider.model}): ${msg}`);
  }
}

export function formatCheckReport(r: LlmCheckReport): string {
  const lines = [
    `provider    ${r.provider}`,
    `model       ${r.model}`,
    ...(r.endpoint ? [`endpoint    ${r.endpoint}`] : []),
    `latency     ${r.latencyMs} ms`,
    `tokens      ${r.tokensIn} in / ${r.tokensOut} out`,
    `structured  ${r.structuredOk ? "ok" : "FAILED"}${r.turns > 1 ? ` (after ${r.turns - 1} repair turn)` : ""}${r.mode ? ` [${r.mode}]` : ""}`,
  ];
  if (r.problem) lines.push(`problem     ${r.problem}`);
  return lines.join("\n");
}
