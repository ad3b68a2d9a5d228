/**
 * The `langchain` provider: any LangChain chat model, for users who already
 * configure their models through LangChain. By default it builds a ChatOpenAI
 * (any OpenAI-compatible endpoint) with LangChain's own retries off
 * (maxRetries: 0) because LlmClient retries with Retry-After support.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseMessage, BaseMessageChunk } from "@langchain/core/messages";
import type { ChatOpenAIFields } from "@langchain/openai";
import { LlmConnectionError, LlmHttpError } from "../errors.ts";
import { classifyError } from "../resilience.ts";
import type { ChatMessage, ChatProvider, ChatResult, CompleteOptions } from "../types.ts";
import { resolveOpenAIConfig } from "./openai.ts";

export interface LangChainProviderOptions {
  /** A ready chat model (any LangChain provider). When given, the fields below are ignored. */
  readonly chatModel?: BaseChatModel;
  readonly model?: string;
  readonly apiKey?: string;
  readonly baseURL?: string;
  readonly streaming?: boolean;
  readonly temperature?: number;
  readonly maxTokens?: number;
  /** Ask ChatOpenAI-like models for JSON mode (response_format json_object). Default true. */
  readonly jsonMode?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

export class LangChainProvider implements ChatProvider {
  readonly name = "langchain";
  readonly model: string;
  /** Built on first use: LangChain takes seconds to import, so it loads only when this provider runs. */
  private chat: Promise<BaseChatModel>;
  /** Our own ChatOpenAI (it always reports a finish reason), not a user-supplied model. */
  private readonly builtIn: boolean;
  /** Lowered for good once the endpoint rejects response_format. */
  private jsonMode: boolean;
  private readonly streaming: boolean;
  private readonly apiKey: string | undefined;
  private readonly endpoint: string | undefined;

  constructor(opts: LangChainProviderOptions) {
    if (opts.chatModel) {
      this.chat = Promise.resolve(opts.chatModel);
      this.builtIn = false;
      this.model = opts.model ?? readModelName(opts.chatModel);
    } else {
      const { apiKey, baseURL } = resolveOpenAIConfig(opts);
      this.apiKey = apiKey;
      this.endpoint = baseURL;
      this.model = opts.model ?? "gpt-4o-mini";
      this.builtIn = true;
      const fields: ChatOpenAIFields = {
        model: this.model,
        apiKey,
        configuration: baseURL ? { baseURL } : {},
        maxRetries: 0,
        // `streaming` is left unset on purpose: ChatOpenAI.invoke with streaming on estimates
        // tokens with tiktoken, which downloads its encoding over the network (and hangs offline);
        // we stream with .stream() instead, which reports usage from the endpoint.
        ...(opts.temperature !== undefined ? { temperature: opts.temperature } : {}),
        ...(opts.maxTokens !== undefined ? { maxTokens: opts.maxTokens } : {}),
      };
      this.chat = import("@langchain/openai").then(({ ChatOpenAI }) => new ChatOpenAI(fields));
      this.chat.catch(() => undefined); // surfaced on first use
    }
    this.jsonMode = opts.jsonMode ?? true;
    this.streaming = opts.streaming ?? false;
  }

  get secrets(): readonly string[] {
    return this.apiKey ? [this.apiKey] : [];
  }

  async complete(messages: readonly ChatMessage[], options: CompleteOptions): Promise<ChatResult> {
    const [chat, { AIMessage, HumanMessage, SystemMessage }] = await Promise.all([this.chat, import("@langchain/core/messages")]);
    const lcMessages: BaseMessage[] = messages.map((m) =>
      m.role === "system" ? new SystemMessage(m.content) : m.role === "assistant" ? new AIMessage(m.content) : new HumanMessage(m.content),
    );
    // Only pass OpenAI-specific call options to models that declare them.
    const keys = new Set<string>((chat as unknown as { callKeys?: string[] }).callKeys ?? []);
    const callOptions: Record<string, unknown> = { signal: options.signal };
    if (options.schema && this.jsonMode && keys.has("response_format")) callOptions.response_format = { type: "json_object" };
    if (options.seed !== undefined && keys.has("seed")) callOptions.seed = options.seed;
    let reply: BaseMessageChunk | undefined;
    try {
      const co = callOptions as Parameters<BaseChatModel["invoke"]>[1];
      if (this.streaming) {
        for await (const chunk of await chat.stream(lcMessages, co)) reply = reply ? reply.concat(chunk) : chunk;
        if (!reply) throw new LlmConnectionError("the reply stream ended before any content arrived");
      } else {
        reply = await chat.invoke(lcMessages, co);
      }
    } catch (e) {
      const err = classifyError(e, { endpoint: this.endpoint, secrets: this.secrets });
      if (err instanceof LlmHttpError && (err.status === 400 || err.status === 422) && "response_format" in callOptions && /response_format|json/i.test(err.message)) {
        this.jsonMode = false; // the endpoint has no JSON mode: ask again for plain text and extract the JSON
        return this.complete(messages, options);
      }
      throw err;
    }
    const meta = (reply.response_metadata ?? {}) as Record<string, unknown>;
    const finish = meta.finish_reason;
    // ChatOpenAI always reports a finish reason; a stream without one was cut off in transit.
    if (this.streaming && this.builtIn && typeof finish !== "string") {
      throw new LlmConnectionError(`the reply stream${this.endpoint ? ` from ${this.endpoint}` : ""} ended before the reply was complete`);
    }
    const usage = (reply as { usage_metadata?: { input_tokens?: number; output_tokens?: number } }).usage_metadata;
    return {
      text: contentText(reply.content),
      usage: { tokensIn: usage?.input_tokens ?? 0, tokensOut: usage?.output_tokens ?? 0 },
      model: typeof meta.model_name === "string" ? meta.model_name : this.model,
      finishReason: typeof finish === "string" ? finish : undefined,
    };
  }
}

function readModelName(chat: BaseChatModel): string {
  const m = chat as unknown as { model?: unknown; modelName?: unknown };
  if (typeof m.model === "string") return m.model;
  if (typeof m.modelName === "string") return m.modelName;
  return chat._llmType();
}

/** Message content is a string or a list of parts; keep the text parts. */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((p: unknown) => (typeof p === "string" ? p : p && typeof p === "object" && "text" in p && typeof p.text === "string" ? p.text : ""))
      .join("");
  }
  return "";
}
