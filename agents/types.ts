/**
 * The one chat interface every provider implements. Providers only move text:
 * structured output, retries, timeouts, budgets and logging live in the layers
 * above (structured.ts, resilience.ts, accounting.ts), so they behave the same
 * whatever the backend.
 */

/** The agent roles of DESIGN §5; also the key for accounting and replay. */
export const ROLES = [
  "planner",
  "hypothesis",
  "constructor",
  "judge",
  "repairer",
  "analyst",
  "mutator",
  "crossover",
] as const;
export type Role = (typeof ROLES)[number];

/** `check` is the `quanta llm check` probe; it is accounted like a role. */
export type CallRole = Role | "check";

export interface ChatMessage {
  readonly role: "system" | "user" | "assistant";
  readonly content: string;
}

/** A JSON-Schema request for structured output; providers use it when the endpoint supports it. */
export interface OutputSchema {
  readonly name: string;
  readonly jsonSchema: Record<string, unknown>;
}

export interface CompleteOptions {
  readonly role: CallRole;
  readonly schema?: OutputSchema;
  readonly signal?: AbortSignal;
  readonly temperature?: number;
  readonly seed?: number;
}

export interface TokenUsage {
  readonly tokensIn: number;
  readonly tokensOut: number;
}

export interface ChatResult {
  readonly text: string;
  readonly usage: TokenUsage;
  /** The model that answered (endpoints may resolve aliases). */
  readonly model: string;
  /** `length` means the reply was cut by the token limit. */
  readonly finishReason?: string;
}

export interface ChatProvider {
  /** `openai | langchain | offline | replay` (free text for custom providers). */
  readonly name: string;
  readonly model: string;
  complete(messages: readonly ChatMessage[], options: CompleteOptions): Promise<ChatResult>;
}

/**
 * One provider call as the library stores it and replay reads it back.
 * `promptHash` hashes the messages sent; `reply` is the raw text returned
 * (empty when the call failed). Never holds an API key.
 */
export interface LlmCallRecord {
  readonly role: CallRole;
  readonly model: string;
  readonly provider: string;
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly latencyMs: number;
  readonly promptHash: string;
  readonly seed: number | null;
  readonly reply: string;
  readonly costUsd?: number;
  /** 1 for the first try; retries and repair turns count up. */
  readonly attempt?: number;
  readonly error?: string;
  /** Served from the reply cache: no request was sent (0 tokens, 0 cost). */
  readonly cached?: boolean;
}

export type CallSink = (record: LlmCallRecord) => void;
