/**
 * Retries with exponential backoff and jitter, per-call timeouts, a
 * concurrency limit and cancellation — provider-independent. Time is injected
 * (Clock) so tests exercise backoff without waiting.
 */
import {
  LlmAbortError,
  LlmConnectionError,
  LlmError,
  LlmHttpError,
  LlmTimeoutError,
  redactSecrets,
} from "./errors.ts";

export interface Clock {
  now(): number;
  /** Resolves after `ms`, rejects with LlmAbortError if `signal` fires first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(new LlmAbortError());
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(new LlmAbortError());
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

export interface RetryPolicy {
  /** Retries after the first attempt (0 = try once). */
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Fraction of the delay that is randomised (0 = none, 1 = full jitter). */
  readonly jitter: number;
  /** Upper bound on a server's Retry-After we are willing to honour. */
  readonly maxRetryAfterMs: number;
  /** Give up when the next wait would end later than this many ms after the first try. */
  readonly deadlineMs?: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxRetries: 4,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  jitter: 0.5,
  maxRetryAfterMs: 120_000,
};

/** Delay before retry number `retry` (1-based): Retry-After when given, else base·2^(retry−1) with jitter. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
    return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  }
  const raw = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  const j = Math.max(0, Math.min(1, policy.jitter));
  return Math.round(raw * (1 - j + j * random()));
}

/** Parses Retry-After (delta-seconds or HTTP date) or retry-after-ms from any header container. */
export function parseRetryAfter(headers: unknown, now: number = Date.now()): number | undefined {
  const get = (name: string): string | undefined => {
    if (!headers || typeof headers !== "object") return undefined;
    const h = headers as { get?: unknown } & Record<string, unknown>;
    if (typeof h.get === "function") {
      const v = (h.get as (n: string) => unknown).call(headers, name);
      return typeof v === "string" ? v : undefined;
    }
    const v = h[name] ?? h[name.toLowerCase()];
    return typeof v === "string" ? v : Array.isArray(v) && typeof v[0] === "string" ? v[0] : undefined;
  };
  const ms = get("retry-after-ms");
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Number(ms);
  const ra = get("retry-after");
  if (ra === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(ra.trim())) return Number(ra) * 1000;
  const at = Date.parse(ra);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

function errorCodes(e: unknown): string[] {
  const codes: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; depth < 6 && cur && typeof cur === "object"; depth++) {
    const c = (cur as { code?: unknown }).code;
    if (typeof c === "string") codes.push(c);
    const errors = (cur as { errors?: unknown }).errors; // AggregateError from happy-eyeballs connects
    if (Array.isArray(errors)) for (const sub of errors) codes.push(...errorCodes(sub));
    cur = (cur as { cause?: unknown }).cause;
  }
  return codes;
}

function messageChain(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; depth < 6 && cur; depth++) {
    if (cur instanceof Error) {
      const m = cur.message.replace(/\.$/, "");
      if (m && !parts.includes(m)) parts.push(m);
      cur = cur.cause;
    } else {
      if (typeof cur === "string") parts.push(cur);
      break;
    }
  }
  return parts.join(": ");
}

/**
 * Maps whatever a provider threw (OpenAI SDK errors, LangChain-wrapped ones,
 * fetch/undici errors) onto the typed LlmErrors. `secrets` are scrubbed from
 * the message.
 */
export function classifyError(e: unknown, context: { endpoint?: string; secrets?: readonly (string | undefined)[] } = {}): LlmError {
  if (e instanceof LlmError) return e;
  const where = context.endpoint ? ` (${context.endpoint})` : "";
  const msg = redactSecrets(messageChain(e) || String(e), context.secrets);
  const status = e && typeof e === "object" ? (e as { status?: unknown }).status : undefined;
  if (typeof status === "number" && status >= 400) {
    const retryAfter = parseRetryAfter((e as { headers?: unknown }).headers);
    return new LlmHttpError(`LLM endpoint returned HTTP ${status}${where}: ${msg}`, status, retryAfter);
  }
  const codes = errorCodes(e);
  const code = codes.find((c) => CONNECTION_CODES.has(c));
  const name = e instanceof Error ? e.name : "";
  if (code || /connection|socket|terminated|network|fetch failed|premature close/i.test(msg) || name === "APIConnectionError") {
    const why = code === "ECONNREFUSED" ? "connection refused — is the server running and the base URL right?" : msg;
    return new LlmConnectionError(`cannot reach LLM endpoint${where}: ${why}${code && code !== "ECONNREFUSED" ? ` [${code}]` : ""}`);
  }
  if (name === "AbortError" || name === "APIUserAbortError") return new LlmAbortError();
  return new LlmError(`LLM call failed${where}: ${msg}`);
}

export interface AttemptInfo {
  readonly attempt: number;
  readonly error: LlmError;
  readonly delayMs: number | null;
}

export interface ResilienceOptions {
  readonly policy: RetryPolicy;
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly random: () => number;
  readonly signal?: AbortSignal;
  readonly classify: (e: unknown) => LlmError;
  /** Called after every failed attempt (logging); `delayMs` null = not retried. */
  readonly onFailure?: (info: AttemptInfo) => void;
  /** Called before every attempt (budget checks); throwing stops the loop. */
  readonly beforeAttempt?: (attempt: number) => void;
}

/**
 * Runs `fn` with a per-attempt timeout, retrying retryable failures. `fn`
 * receives a signal that fires on timeout or caller cancellation; the timeout
 * also wins a race against `fn`, so a provider that ignores the signal cannot
 * hang the campaign.
 */
export async function withRetries<T>(fn: (signal: AbortSignal, attempt: number) => Promise<T>, opts: ResilienceOptions): Promise<T> {
  const started = opts.clock.now();
  for (let attempt = 1; ; attempt++) {
    if (opts.signal?.aborted) throw new LlmAbortError();
    opts.beforeAttempt?.(attempt);
    let error: LlmError;
    try {
      return await withTimeout(fn, attempt, opts.timeoutMs, opts.signal);
    } catch (e) {
      error = opts.signal?.aborted ? new LlmAbortError() : opts.classify(e);
    }
    let delay: number | null = null;
    if (error.retryable && attempt <= opts.policy.maxRetries) {
      const retryAfter = error instanceof LlmHttpError ? error.retryAfterMs : undefined;
      delay = backoffDelay(attempt, opts.policy, opts.random, retryAfter);
      const deadline = opts.policy.deadlineMs;
      if (deadline !== undefined && opts.clock.now() + delay - started > deadline) delay = null;
    }
    opts.onFailure?.({ attempt, error, delayMs: delay });
    if (delay === null) throw error;
    await opts.clock.sleep(delay, opts.signal);
  }
}

async function withTimeout<T>(
  fn: (signal: AbortSignal, attempt: number) => Promise<T>,
  attempt: number,
  timeoutMs: number,
  outer: AbortSignal | undefined,
): Promise<T> {
  const ctl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onOuter = (): void => ctl.abort(new LlmAbortError());
  outer?.addEventListener("abort", onOuter, { once: true });
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new LlmTimeoutError(timeoutMs);
      ctl.abort(err);
      reject(err);
    }, timeoutMs);
  });
  const cancelled = new Promise<never>((_, reject) => {
    ctl.signal.addEventListener("abort", () => reject(ctl.signal.reason instanceof LlmError ? ctl.signal.reason : new LlmAbortError()), { once: true });
  });
  // Losing racers must not surface as unhandled rejections.
  timeout.catch(() => undefined);
  cancelled.catch(() => undefined);
  const work = fn(ctl.signal, attempt);
  work.catch(() => undefined);
  try {
    return await Promise.race([work, timeout, cancelled]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", onOuter);
  }
}

/** A counting semaphore with abort-aware waiting. */
export class Semaphore {
  private active = 0;
  private readonly waiters: Array<() => void> = [];
  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError(`concurrency limit must be ≥ 1, got ${limit}`);
  }

  get inFlight(): number {
    return this.active;
  }

  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw new LlmAbortError();
    if (this.active < this.limit) {
      this.active++;
      return this.releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const wake = (): void => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = (): void => {
        const i = this.waiters.indexOf(wake);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new LlmAbortError());
      };
      this.waiters.push(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    // the releasing holder handed its slot over, so `active` is unchanged
    return this.releaser();
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiters.shift();
      if (next) next();
      else this.active--;
    };
  }
}
