/**
 * The LLM reply cache (DESIGN §6: "LLM replies are cached by prompt hash + seed"). A structured
 * call whose key was answered before returns the stored, already validated reply without a
 * network call. Only replies that passed schema validation are stored; failures never are.
 *
 * The storage is an interface so agents/ stays free of SQLite; the factor library implements it
 * (src/library/llm-cache.ts). The key is a SHA-256 over everything that can change the reply.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "./hash.ts";
import type { CallRole, ChatMessage, OutputSchema } from "./types.ts";

/** A stored reply: the validated value, as JSON. */
export interface CachedReply {
  readonly reply: unknown;
}

export interface ReplyCacheEntry {
  readonly key: string;
  readonly role: CallRole;
  /** The model that answered. */
  readonly model: string;
  /** The validated value (a JSON value). */
  readonly reply: unknown;
}

/** Where cached replies live. Implementations may be synchronous (SQLite) or not. */
export interface ReplyCacheStore {
  get(key: string): CachedReply | undefined | Promise<CachedReply | undefined>;
  /** Stores a reply; a key that is already stored keeps its first reply. */
  put(entry: ReplyCacheEntry): void | Promise<void>;
}

/** Bump when the key's ingredients or their encoding change: old entries then simply miss. */
export const REPLY_CACHE_KEY_FORMAT = 1;

/** What answers and how it samples: the same for every call of one agent. */
export interface ReplyCacheIdentity {
  /** `openai | langchain` (the provider kind, not a class name). */
  readonly provider: string;
  /** The configured model name. */
  readonly model: string;
  /** The endpoint's host[:port], or null when none is configured (the SDK default / a user's LangChain model). */
  readonly endpoint: string | null;
  /** Sampling settings; null = the endpoint's default. */
  readonly temperature: number | null;
  readonly maxTokens: number | null;
  /** The structured-output mode asked for (json_schema | json_object | none). */
  readonly structured: string;
}

/** One call's ingredients. */
export interface ReplyCacheCall {
  readonly role: CallRole;
  /** The full initial messages (before any repair turn). */
  readonly messages: readonly ChatMessage[];
  readonly schema: OutputSchema;
  /** The campaign seed (the agent's default seed), null when none. */
  readonly campaignSeed: number | null;
  /** The seed sent with this call (per call in a campaign), null when none. */
  readonly seed: number | null;
}

export interface ReplyCacheKeyInput extends ReplyCacheIdentity, ReplyCacheCall {
  /** 1 for the first call with exactly these ingredients in this agent, 2 for the second, … */
  readonly occurrence: number;
}

/** The response schema's name and a short hash of its JSON Schema: any schema change is a new version. */
export function outputSchemaVersion(schema: OutputSchema): { name: string; version: string } {
  return { name: schema.name, version: sha256(canonicalJson(schema.jsonSchema)).slice(0, 16) };
}

/** `host[:port]` of a base URL, or null. */
export function endpointHost(baseUrl: string | undefined | null): string | null {
  if (!baseUrl) return null;
  try {
    return new URL(baseUrl).host.toLowerCase();
  } catch {
    return baseUrl;
  }
}

/** The cache key (SHA-256 hex) of one call. */
export function replyCacheKey(k: ReplyCacheKeyInput): string {
  return sha256(
    canonicalJson({
      format: REPLY_CACHE_KEY_FORMAT,
      provider: k.provider,
      model: k.model,
      endpoint: k.endpoint,
      temperature: k.temperature,
      maxTokens: k.maxTokens,
      structured: k.structured,
      role: k.role,
      messages: k.messages.map((m) => [m.role, m.content]),
      schema: outputSchemaVersion(k.schema),
      campaignSeed: k.campaignSeed,
      seed: k.seed,
      occurrence: k.occurrence,
    }),
  );
}

/**
 * One agent's view of the cache: the store plus the agent's identity, and a count of how often
 * each set of call ingredients was asked for.
 *
 * Why the key holds the per-call seed and an occurrence number, not just the prompt: in a
 * campaign every role call already carries its own seed, derived from (campaign seed, round/slot,
 * role, call number) by AgentSession — so two identical prompts in different slots (or the second
 * constructor call of one slot) are different draws with different keys, while re-running the
 * same campaign seed reproduces the same keys and hits. The campaign seed is keyed as well, for
 * callers that send no per-call seed (their seed falls back to it). A caller that repeats an
 * identical prompt with an identical seed (no AgentSession) is asking for another sample, not the
 * same one: the occurrence number (1st, 2nd, … time in this agent) gives each repeat its own entry,
 * as `replay` serves repeats in recorded order. Within a campaign the occurrence is always 1
 * (seeds are unique per call), so concurrency cannot reorder it there.
 *
 * The prompts themselves carry the campaign's state (the planned directions, parents' factors and
 * their metrics, the avoid list), so a re-run hits exactly as long as it retraces the earlier
 * run; once it diverges (other data, gates, settings) its prompts differ and it asks the model.
 * The data fingerprint is therefore not keyed: the model only ever sees the prompt.
 *
 * Not keyed, on purpose: streaming, timeouts, retries and repair turns (they change how a reply
 * arrives, not which replies are valid answers), and the API key.
 */
export class ReplyCache {
  private readonly seen = new Map<string, number>();

  constructor(
    readonly store: ReplyCacheStore,
    readonly identity: ReplyCacheIdentity,
  ) {}

  /** The key for the next call with these ingredients (counts it as asked). */
  nextKey(call: ReplyCacheCall): string {
    const base = replyCacheKey({ ...this.identity, ...call, occurrence: 0 });
    const occurrence = (this.seen.get(base) ?? 0) + 1;
    this.seen.set(base, occurrence);
    return replyCacheKey({ ...this.identity, ...call, occurrence });
  }
}

/** A cache held in memory (tests; runs without a library). */
export class MemoryReplyCacheStore implements ReplyCacheStore {
  readonly entries = new Map<string, ReplyCacheEntry>();

  get(key: string): CachedReply | undefined {
    const e = this.entries.get(key);
    return e ? { reply: e.reply } : undefined;
  }

  put(entry: ReplyCacheEntry): void {
    if (!this.entries.has(entry.key)) this.entries.set(entry.key, { ...entry, reply: JSON.parse(JSON.stringify(entry.reply)) as unknown });
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
