/**
 * Typed failures of the agent layer. All are QuantaErrors (exit 2 with a
 * one-line message when they reach the CLI); the controller tells them apart
 * by class: BudgetExceededError ends a campaign cleanly, LlmReplyError drops
 * the candidate, transport errors have already been retried when they surface.
 */
import { QuantaError } from "../factors/errors.ts";
import type { CallRole } from "./types.ts";

export class LlmError extends QuantaError {
  /** Whether trying the same request again could succeed. */
  readonly retryable: boolean = false;
}

/** The endpoint answered with an HTTP error status. */
export class LlmHttpError extends LlmError {
  override readonly retryable: boolean;
  constructor(
    message: string,
    readonly status: number,
    /** Parsed Retry-After (or retry-after-ms) header, if the server sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.retryable = status === 408 || status === 409 || status === 429 || status >= 500;
  }
}

/** Refused, reset or dropped connection (including a stream cut off mid-reply). */
export class LlmConnectionError extends LlmError {
  override readonly retryable = true;
}

/** The per-call timeout fired before the reply was complete. */
export class LlmTimeoutError extends LlmError {
  override readonly retryable = true;
  constructor(readonly timeoutMs: number, detail = "") {
    super(`LLM call timed out after ${timeoutMs} ms${detail ? `: ${detail}` : ""}`);
  }
}

/** The caller cancelled (Ctrl-C, campaign stop). Never retried. */
export class LlmAbortError extends LlmError {
  constructor(message = "LLM call cancelled") {
    super(message);
  }
}

/** The reply stayed unparseable or off-schema after the bounded repair turns. */
export class LlmReplyError extends LlmError {
  constructor(
    readonly role: CallRole,
    readonly reason: string,
    /** The last raw reply, truncated for display. */
    readonly reply: string,
    readonly turns: number,
  ) {
    super(`${role}: invalid reply after ${turns} turn(s): ${reason}`);
  }
}

/** The token or dollar budget is spent; the campaign should stop and keep what it has. */
export class BudgetExceededError extends LlmError {
  constructor(
    readonly unit: "tokens" | "usd",
    readonly spent: number,
    readonly limit: number,
  ) {
    super(
      unit === "usd"
        ? `LLM budget exhausted: $${spent.toFixed(4)} spent of $${limit.toFixed(4)}`
        : `LLM budget exhausted: ${spent} tokens used of ${limit}`,
    );
  }
}

/** Replay has no recorded answer for this request. */
export class ReplayMissError extends LlmError {
  constructor(
    readonly role: CallRole,
    readonly promptHash: string,
    readonly seed: number | null,
  ) {
    super(
      `replay: no recorded answer for role ${role}, prompt ${promptHash.slice(0, 12)}, seed ${seed ?? "none"} ` +
        "(the prompts differ from the recorded run, or the log is incomplete)",
    );
  }
}

const KEY_LIKE = /\bsk-[A-Za-z0-9_*-]{6,}/g; // OpenAI-style keys, also partially masked ones
const BEARER = /\bBearer\s+[A-Za-z0-9._~+/=-]{6,}/gi;
const KEY_FIELD = /\b(api[_-]?key["'\s:=]+)[^\s"',}]{6,}/gi;

/**
 * Removes API keys from text bound for logs and error messages: the known
 * keys verbatim, plus anything that looks like a key or bearer token.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join("[redacted]");
  }
  return out
    .replace(KEY_LIKE, "[redacted]")
    .replace(BEARER, "Bearer [redacted]")
    .replace(KEY_FIELD, "$1[redacted]");
}
