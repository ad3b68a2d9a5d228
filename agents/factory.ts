/**
 * Builds the campaign's Agent from configuration: provider, model, endpoint,
 * policies (timeout, retries, concurrency, repair turns), prices, budget and
 * the reply cache. API keys come from the environment or `deps`, never from
 * the (stored) configuration.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { z } from "zod";
import { BudgetSchema, DEFAULT_PRICES, PriceTableSchema, UsageLedger } from "./accounting.ts";
import { endpointHost, ReplyCache, type ReplyCacheStore } from "./cache.ts";
import { LlmClient } from "./client.ts";
import { LlmAgent } from "./llm-agent.ts";
import { OfflineAgent } from "./offline/agent.ts";
import { LangChainProvider } from "./providers/langchain.ts";
import { OpenAIProvider } from "./providers/openai.ts";
import { ReplayProvider } from "./providers/replay.ts";
import type { Clock } from "./resilience.ts";
import type { Agent } from "./roles.ts";
import type { CallSink, ChatProvider, LlmCallRecord } from "./types.ts";
import { QuantaError } from "../factors/errors.ts";

export const PROVIDERS = ["openai", "langchain", "offline", "replay"] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export const AgentConfigSchema = z.object({
  provider: z.enum(PROVIDERS).default("offline"),
  /** Model name; defaults to OPENAI_MODEL or gpt-4o-mini for openai/langchain. */
  model: z.string().min(1).optional(),
  /** OpenAI-compatible base URL (e.g. http://localhost:11434/v1); defaults to OPENAI_BASE_URL. */
  baseUrl: z.string().url().optional(),
  stream: z.boolean().default(false),
  structured: z.enum(["json_schema", "json_object", "none"]).default("json_object"),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().positive().optional(),
  timeoutMs: z.number().int().positive().default(120_000),
  maxRetries: z.number().int().min(0).max(20).default(4),
  concurrency: z.number().int().min(1).max(256).default(4),
  maxRepairTurns: z.number().int().min(0).max(10).default(2),
  /** Campaign seed (offline proposer randomness; default seed for LLM calls). */
  seed: z.number().int().optional(),
  prices: PriceTableSchema.optional(),
  budget: BudgetSchema.default({}),
  /** Serve repeated calls from `deps.replyCache` (openai and langchain only; offline and replay need no cache). */
  cache: z.boolean().default(true),
});
export type AgentConfig = z.output<typeof AgentConfigSchema>;
export type AgentConfigInput = z.input<typeof AgentConfigSchema>;

export interface AgentDeps {
  readonly sink?: CallSink;
  /** The recorded calls `replay` answers from. */
  readonly replayLog?: Iterable<LlmCallRecord>;
  /** A ready LangChain chat model for `langchain` (any LangChain provider). */
  readonly chatModel?: BaseChatModel;
  readonly apiKey?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly campaign?: string;
  readonly ledger?: UsageLedger;
  /** Where validated replies are cached (the factor library in a campaign); no cache without one. */
  readonly replyCache?: ReplyCacheStore;
}

export function defaultModel(provider: ProviderName, env: NodeJS.ProcessEnv = process.env): string {
  if (provider === "offline") return "offline-gp";
  return env.OPENAI_MODEL || "gpt-4o-mini";
}

/** The chat provider for an LLM-backed configuration (not `offline`). */
export function createProvider(config: AgentConfig, deps: AgentDeps = {}): ChatProvider & { secrets?: readonly string[] } {
  const env = deps.env ?? process.env;
  const model = config.model ?? defaultModel(config.provider, env);
  switch (config.provider) {
    case "openai":
      return new OpenAIProvider({
        model,
        env,
        stream: config.stream,
        structured: config.structured,
        ...(deps.apiKey ? { apiKey: deps.apiKey } : {}),
        ...(config.baseUrl ? { baseURL: config.baseUrl } : {}),
        ...(config.maxTokens ? { maxTokens: config.maxTokens } : {}),
      });
    case "langchain":
      return new LangChainProvider({
        model,
        env,
        streaming: config.stream,
        jsonMode: config.structured !== "none",
        ...(deps.chatModel ? { chatModel: deps.chatModel } : {}),
        ...(deps.apiKey ? { apiKey: deps.apiKey } : {}),
        ...(config.baseUrl ? { baseURL: config.baseUrl } : {}),
        ...(config.temperature !== undefined ? { temperature: config.temperature } : {}),
        ...(config.maxTokens ? { maxTokens: config.maxTokens } : {}),
      });
    case "replay":
      if (!deps.replayLog) throw new QuantaError("the replay provider needs the recorded LLM-call log of an earlier campaign");
      return new ReplayProvider(deps.replayLog, config.model ? { model: config.model } : {});
    case "offline":
      throw new QuantaError("the offline provider is not a chat provider; use createAgent");
  }
}

export function createAgent(input: AgentConfigInput = {}, deps: AgentDeps = {}): Agent {
  const parsed = AgentConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new QuantaError(`invalid LLM configuration: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  const config = parsed.data;
  const ledger = deps.ledger ?? new UsageLedger({ ...DEFAULT_PRICES, ...config.prices }, config.budget, deps.campaign ?? null);
  if (config.provider === "offline") {
    return new OfflineAgent({ ledger, ...(config.seed !== undefined ? { seed: config.seed } : {}), ...(deps.sink ? { sink: deps.sink } : {}) });
  }
  const provider = createProvider(config, deps);
  const client = new LlmClient({
    provider,
    ledger,
    timeoutMs: config.timeoutMs,
    concurrency: config.concurrency,
    retry: { maxRetries: config.maxRetries },
    secrets: [...(provider.secrets ?? []), deps.apiKey],
    ...(provider instanceof OpenAIProvider ? { endpoint: provider.baseURL } : config.baseUrl ? { endpoint: config.baseUrl } : {}),
    ...(deps.sink ? { sink: deps.sink } : {}),
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.random ? { random: deps.random } : {}),
  });
  const cache = replyCacheFor(config, provider, deps);
  return new LlmAgent({
    client,
    ...(cache ? { cache } : {}),
    maxRepairTurns: config.maxRepairTurns,
    ...(config.temperature !== undefined ? { temperature: config.temperature } : {}),
    ...(config.seed !== undefined ? { seed: config.seed } : {}),
  });
}

/** The reply cache for an openai/langchain agent with caching on and a store to keep it in. */
function replyCacheFor(config: AgentConfig, provider: ChatProvider, deps: AgentDeps): ReplyCache | undefined {
  if (!deps.replyCache || !config.cache) return undefined;
  if (config.provider !== "openai" && config.provider !== "langchain") return undefined;
  const env = deps.env ?? process.env;
  // A user-supplied LangChain model's endpoint is unknown to us: its model name stands for it.
  const endpoint =
    provider instanceof OpenAIProvider
      ? endpointHost(provider.baseURL)
      : deps.chatModel
        ? null
        : endpointHost(config.baseUrl ?? (env.OPENAI_BASE_URL || undefined));
  return new ReplyCache(deps.replyCache, {
    provider: config.provider,
    model: provider.model,
    endpoint,
    temperature: config.temperature ?? null,
    maxTokens: config.maxTokens ?? null,
    structured: config.structured,
  });
}
