/**
 * The LLM-backed agent: every role is a rendered prompt, a structured call
 * and a zod-validated reply. Works with any ChatProvider (openai, langchain,
 * replay) through an LlmClient, optionally behind a reply cache.
 */
import type { z } from "zod";
import type { UsageLedger } from "./accounting.ts";
import type { ReplyCache } from "./cache.ts";
import type { LlmClient } from "./client.ts";
import { renderPrompt } from "./prompts/index.ts";
import type { CallOptions, RoleInputs } from "./roles.ts";
import { RoleAgent } from "./role-agent.ts";
import { ROLE_SCHEMAS, roleJsonSchema, type RoleOutputs } from "./schemas.ts";
import { structuredCall } from "./structured.ts";
import type { Role } from "./types.ts";

export interface LlmAgentOptions {
  readonly client: LlmClient;
  readonly temperature?: number;
  /** Repair turns after an invalid reply (default 2). */
  readonly maxRepairTurns?: number;
  /** Seed used when a call gives none (the campaign seed). */
  readonly seed?: number;
  /** Serve repeated calls from this cache (see ReplyCache for what the key holds). */
  readonly cache?: ReplyCache;
}

export class LlmAgent extends RoleAgent {
  readonly provider: string;
  readonly model: string;
  readonly ledger: UsageLedger;

  constructor(private readonly opts: LlmAgentOptions) {
    super();
    this.provider = opts.client.provider.name;
    this.model = opts.client.provider.model;
    this.ledger = opts.client.ledger;
  }

  /** Runs one role: prompt → structured call → validated reply. */
  async run<R extends Role>(role: R, input: RoleInputs[R], call: CallOptions = {}): Promise<RoleOutputs[R]> {
    const seed = call.seed ?? this.opts.seed;
    const schema = ROLE_SCHEMAS[role] as unknown as z.ZodType<RoleOutputs[R]>;
    const outputSchema = { name: role, jsonSchema: roleJsonSchema(role) };
    const messages = renderPrompt(role, input);
    const cache = this.opts.cache;
    const res = await structuredCall(this.opts.client, role, schema, outputSchema, messages, {
      ...(seed !== undefined ? { seed } : {}),
      ...(cache
        ? {
            cache: {
              store: cache.store,
              key: cache.nextKey({ role, messages, schema: outputSchema, campaignSeed: this.opts.seed ?? null, seed: seed ?? null }),
            },
          }
        : {}),
      ...(call.signal ? { signal: call.signal } : {}),
      ...(this.opts.temperature !== undefined ? { temperature: this.opts.temperature } : {}),
      ...(this.opts.maxRepairTurns !== undefined ? { maxRepairTurns: this.opts.maxRepairTurns } : {}),
    });
    return res.value;
  }
}
