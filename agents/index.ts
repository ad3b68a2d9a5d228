/**
 * The agent layer's public surface: providers behind one chat interface,
 * structured roles with zod schemas and prompt templates, resilience,
 * accounting and budgets, and the offline proposer.
 */
export * from "./types.ts";
export * from "./errors.ts";
export * from "./schemas.ts";
export * from "./roles.ts";
export * from "./accounting.ts";
export { promptHash, canonicalJson } from "./hash.ts";
export {
  endpointHost,
  MemoryReplyCacheStore,
  ReplyCache,
  replyCacheKey,
  outputSchemaVersion,
  REPLY_CACHE_KEY_FORMAT,
  type CachedReply,
  type ReplyCacheCall,
  type ReplyCacheEntry,
  type ReplyCacheIdentity,
  type ReplyCacheKeyInput,
  type ReplyCacheStore,
} from "./cache.ts";
export { extractJson, type JsonExtraction } from "./json.ts";
export {
  backoffDelay,
  classifyError,
  DEFAULT_RETRY,
  parseRetryAfter,
  realClock,
  Semaphore,
  withRetries,
  type AttemptInfo,
  type Clock,
  type ResilienceOptions,
  type RetryPolicy,
} from "./resilience.ts";
export { LlmClient, estimateTokens, type ClientResult, type LlmClientOptions } from "./client.ts";
export { structuredCall, validateReply, type StructuredOptions, type StructuredResult } from "./structured.ts";
export { LlmAgent, type LlmAgentOptions } from "./llm-agent.ts";
export { OpenAIProvider, resolveOpenAIConfig, type OpenAIProviderOptions, type StructuredMode } from "./providers/openai.ts";
export { LangChainProvider, type LangChainProviderOptions } from "./providers/langchain.ts";
export { ReplayProvider } from "./providers/replay.ts";
export { OfflineAgent, OFFLINE_MODEL, type OfflineAgentOptions } from "./offline/agent.ts";
export { MECHANISMS, WINDOW_LADDER, type Mechanism, type MechanismId } from "./offline/catalogue.ts";
export {
  AgentConfigSchema,
  createAgent,
  createProvider,
  defaultModel,
  PROVIDERS,
  type AgentConfig,
  type AgentConfigInput,
  type AgentDeps,
  type ProviderName,
} from "./factory.ts";
export { renderPrompt } from "./prompts/index.ts";
export { formatCheckReport, runLlmCheck, type LlmCheckOptions, type LlmCheckReport } from "./check.ts";
