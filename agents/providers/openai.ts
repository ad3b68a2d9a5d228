/**
 * The `openai` provider: the official SDK against any OpenAI-compatible
 * chat-completions endpoint (OpenAI, DeepSeek, DashScope, OpenRouter, vLLM,
 * Ollama, llama.cpp). Structured output degrades json_schema → json_object →
 * plain text (JSON extracted from the reply) when the endpoint rejects the
 * stronger mode. The SDK's own retries are off: LlmClient retries.
 */
import type OpenAI from "openai";
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from "openai/resources/chat/completions";
import { QuantaError } from "../../factors/errors.ts";
import { LlmConnectionError, LlmError, LlmHttpError } from "../errors.ts";
import { classifyError } from "../resilience.ts";
import type { ChatMessage, ChatProvider, ChatResult, CompleteOptions } from "../types.ts";

export type StructuredMode = "json_schema" | "json_object" | "none";

export interface OpenAIProviderOptions {
  readonly model: string;
  /** Defaults to OPENAI_API_KEY. Local servers that need no key get a placeholder. */
  readonly apiKey?: string;
  /** Defaults to OPENAI_BASE_URL, then the SDK default (api.openai.com). */
  readonly baseURL?: string;
  /** Stream the reply (SSE) instead of one JSON response. */
  readonly stream?: boolean;
  /** Strongest structured-output mode to try first (default json_object). */
  readonly structured?: StructuredMode;
  readonly maxTokens?: number;
  readonly env?: NodeJS.ProcessEnv;
}

/** Resolves key and base URL from options, then the environment; a missing key for the public API is a user error. */
export function resolveOpenAIConfig(opts: Pick<OpenAIProviderOptions, "apiKey" | "baseURL" | "env">): { apiKey: string; baseURL: string | undefined } {
  const env = opts.env ?? process.env;
  const baseURL = opts.baseURL ?? (env.OPENAI_BASE_URL || undefined);
  const apiKey = opts.apiKey ?? (env.OPENAI_API_KEY || undefined);
  if (!apiKey && !baseURL) {
    throw new QuantaError("the openai provider needs OPENAI_API_KEY (or --base-url for a local OpenAI-compatible server)");
  }
  return { apiKey: apiKey ?? "not-needed", baseURL };
}

export class OpenAIProvider implements ChatProvider {
  readonly name = "openai";
  readonly model: string;
  readonly baseURL: string;
  /** Loaded on first use: the SDK costs ~1 s to import, and offline campaigns never need it. */
  private client: Promise<OpenAI> | undefined;
  private readonly stream: boolean;
  private readonly maxTokens: number | undefined;
  private readonly apiKey: string;
  /** Current structured mode; lowered for good once the endpoint rejects one. */
  private mode: StructuredMode;
  private streamUsage = true;

  constructor(opts: OpenAIProviderOptions) {
    const { apiKey, baseURL } = resolveOpenAIConfig(opts);
    this.model = opts.model;
    this.apiKey = apiKey;
    this.stream = opts.stream ?? false;
    this.mode = opts.structured ?? "json_object";
    this.maxTokens = opts.maxTokens;
    this.baseURL = baseURL ?? "https://api.openai.com/v1";
  }

  private sdk(): Promise<OpenAI> {
    this.client ??= import("openai").then(
      // timeout is LlmClient's job; the SDK's is set far out so it never fires first
      ({ default: OpenAISdk }) => new OpenAISdk({ apiKey: this.apiKey, baseURL: this.baseURL, maxRetries: 0, timeout: 24 * 3600_000 }),
    );
    return this.client;
  }

  /** The structured-output mode in use (after any downgrade). */
  get structuredMode(): StructuredMode {
    return this.mode;
  }

  get secrets(): readonly string[] {
    return [this.apiKey];
  }

  async complete(messages: readonly ChatMessage[], options: CompleteOptions): Promise<ChatResult> {
    for (;;) {
      try {
        return this.stream ? await this.completeStreaming(messages, options) : await this.completeOnce(messages, options);
      } catch (e) {
        const err = classifyError(e, { endpoint: this.baseURL, secrets: [this.apiKey] });
        if (err instanceof LlmHttpError && this.downgrade(err)) continue;
        throw err;
      }
    }
  }

  /** On a 400/422 that blames a request feature, drop that feature and say whether to resend. */
  private downgrade(err: LlmHttpError): boolean {
    if (err.status !== 400 && err.status !== 422) return false;
    const m = err.message.toLowerCase();
    if (this.stream && this.streamUsage && m.includes("stream_options")) {
      this.streamUsage = false;
      return true;
    }
    if (this.mode !== "none" && /response_format|json_schema|json_object|json mode|structured/.test(m)) {
      this.mode = this.mode === "json_schema" ? "json_object" : "none";
      return true;
    }
    return false;
  }

  private baseParams(messages: readonly ChatMessage[], options: CompleteOptions): ChatCompletionCreateParamsNonStreaming {
    const params: ChatCompletionCreateParamsNonStreaming = {
      model: this.model,
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
    };
    if (options.temperature !== undefined) params.temperature = options.temperature;
    if (options.seed !== undefined) params.seed = options.seed;
    if (this.maxTokens !== undefined) params.max_tokens = this.maxTokens;
    if (options.schema && this.mode === "json_schema") {
      params.response_format = {
        type: "json_schema",
        json_schema: { name: options.schema.name, schema: options.schema.jsonSchema, strict: false },
      };
    } else if (options.schema && this.mode === "json_object") {
      params.response_format = { type: "json_object" };
    }
    return params;
  }

  private async completeOnce(messages: readonly ChatMessage[], options: CompleteOptions): Promise<ChatResult> {
    const client = await this.sdk();
    const resp = await client.chat.completions.create(this.baseParams(messages, options), { signal: options.signal });
    if (!resp || typeof resp !== "object" || !Array.isArray(resp.choices)) {
      throw new LlmError(`the endpoint ${this.baseURL} did not answer with a chat completion (is the base URL right? OpenAI-compatible servers usually end in /v1)`);
    }
    const choice = resp.choices[0];
    return {
      text: choice?.message?.content ?? "",
      usage: { tokensIn: resp.usage?.prompt_tokens ?? 0, tokensOut: resp.usage?.completion_tokens ?? 0 },
      model: resp.model || this.model,
      finishReason: choice?.finish_reason ?? undefined,
    };
  }

  private async completeStreaming(messages: readonly ChatMessage[], options: CompleteOptions): Promise<ChatResult> {
    const params: ChatCompletionCreateParamsStreaming = { ...this.baseParams(messages, options), stream: true };
    if (this.streamUsage) params.stream_options = { include_usage: true };
    const client = await this.sdk();
    const stream = await client.chat.completions.create(params, { signal: options.signal });
    let text = "";
    let finishReason: string | undefined;
    let model = "";
    let tokensIn = 0;
    let tokensOut = 0;
    for await (const chunk of stream) {
      if (chunk.model) model = chunk.model;
      if (chunk.usage) {
        tokensIn = chunk.usage.prompt_tokens ?? tokensIn;
        tokensOut = chunk.usage.completion_tokens ?? tokensOut;
      }
      const choice = chunk.choices?.[0];
      if (choice?.delta?.content) text += choice.delta.content;
      if (choice?.finish_reason) finishReason = choice.finish_reason;
    }
    // An SSE stream that ends without a finish reason was cut off in transit: retry it.
    if (finishReason === undefined) {
      throw new LlmConnectionError(`the reply stream from ${this.baseURL} ended before the reply was complete`);
    }
    return { text, usage: { tokensIn, tokensOut }, model: model || this.model, finishReason };
  }
}
