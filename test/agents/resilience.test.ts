import { describe, expect, it } from "vitest";
import {
  backoffDelay,
  classifyError,
  DEFAULT_RETRY,
  LlmAbortError,
  LlmConnectionError,
  LlmHttpError,
  LlmTimeoutError,
  parseRetryAfter,
  redactSecrets,
  Semaphore,
  withRetries,
  type Clock,
  type ResilienceOptions,
} from "../../agents/index.ts";

function opts(extra: Partial<ResilienceOptions> = {}): { o: ResilienceOptions; sleeps: number[] } {
  const sleeps: number[] = [];
  let now = 0;
  const clock: Clock = { now: () => now, sleep: async (ms) => void (sleeps.push(ms), (now += ms)) };
  return { sleeps, o: { policy: DEFAULT_RETRY, timeoutMs: 1000, clock, random: () => 0, classify: (e) => classifyError(e), ...extra } };
}

describe("backoff", () => {
  it("doubles from the base delay with jitter and caps", () => {
    const p = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000, jitter: 0.5 };
    expect([1, 2, 3, 4, 5, 6].map((r) => backoffDelay(r, p, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(3, p, () => 0)).toBe(200); // half of 400 with full downward jitter
  });
  it("honours Retry-After over the computed delay, up to a cap", () => {
    expect(backoffDelay(1, DEFAULT_RETRY, () => 0.5, 7000)).toBe(7000);
    expect(backoffDelay(1, { ...DEFAULT_RETRY, maxRetryAfterMs: 5000 }, () => 0.5, 60_000)).toBe(5000);
  });
  it("parses Retry-After seconds, HTTP dates and retry-after-ms", () => {
    expect(parseRetryAfter(new Headers({ "retry-after": "3" }))).toBe(3000);
    expect(parseRetryAfter({ "retry-after-ms": "250" })).toBe(250);
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(parseRetryAfter({ "retry-after": "Wed, 01 Jan 2025 00:00:10 GMT" }, now)).toBe(10_000);
    expect(parseRetryAfter({ "retry-after": "soon" })).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe("withRetries", () => {
  it("retries retryable failures and returns the first success", async () => {
    const { o, sleeps } = opts();
    let n = 0;
    const out = await withRetries(async () => {
      n++;
      if (n === 1) throw Object.assign(new Error("rate limited"), { status: 429, headers: { "retry-after": "4" } });
      if (n === 2) throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
      return "ok";
    }, o);
    expect(out).toBe("ok");
    expect(sleeps).toEqual([4000, 1000]); // Retry-After, then base·2 = 2000 with random() = 0 → half
  });

  it("does not retry a 400 or an abort", async () => {
    const { o } = opts();
    let n = 0;
    await expect(withRetries(async () => {
      n++;
      throw Object.assign(new Error("bad request"), { status: 400 });
    }, o)).rejects.toBeInstanceOf(LlmHttpError);
    expect(n).toBe(1);
    const ctl = new AbortController();
    ctl.abort();
    await expect(withRetries(async () => "x", { ...o, signal: ctl.signal })).rejects.toBeInstanceOf(LlmAbortError);
  });

  it("gives up after maxRetries with the last error", async () => {
    const { o, sleeps } = opts({ policy: { ...DEFAULT_RETRY, maxRetries: 2 } });
    await expect(withRetries(async () => {
      throw Object.assign(new Error("down"), { status: 503 });
    }, o)).rejects.toThrow(/HTTP 503/);
    expect(sleeps).toHaveLength(2);
  });

  it("stops retrying when the next wait would pass the deadline", async () => {
    const { o, sleeps } = opts({ policy: { ...DEFAULT_RETRY, maxRetries: 10, baseDelayMs: 100, jitter: 0, deadlineMs: 1000 } });
    await expect(withRetries(async () => {
      throw Object.assign(new Error("refused"), { code: "ECONNREFUSED" });
    }, o)).rejects.toBeInstanceOf(LlmConnectionError);
    expect(sleeps).toEqual([100, 200, 400]); // the next one (800) would end at 1500 > 1000
  });

  it("times out an attempt that never settles, even if it ignores the signal", async () => {
    const { o } = opts({ timeoutMs: 30, policy: { ...DEFAULT_RETRY, maxRetries: 0 } });
    await expect(withRetries(() => new Promise<never>(() => undefined), o)).rejects.toBeInstanceOf(LlmTimeoutError);
  });

  it("calls onFailure for every failed attempt and beforeAttempt before each", async () => {
    const seen: string[] = [];
    const { o } = opts({ onFailure: (i) => seen.push(`fail${i.attempt}:${i.delayMs}`), beforeAttempt: (a) => seen.push(`try${a}`) });
    let n = 0;
    await withRetries(async () => {
      if (++n < 2) throw Object.assign(new Error("x"), { status: 502 });
      return 1;
    }, o);
    expect(seen).toEqual(["try1", "fail1:500", "try2"]);
  });
});

describe("classifyError", () => {
  it("maps statuses, connection codes and aborts", () => {
    const e429 = classifyError(Object.assign(new Error("slow"), { status: 429, headers: new Headers({ "retry-after": "1" }) }));
    expect(e429).toBeInstanceOf(LlmHttpError);
    expect((e429 as LlmHttpError).retryAfterMs).toBe(1000);
    expect(e429.retryable).toBe(true);
    expect(classifyError(Object.assign(new Error("nope"), { status: 401 })).retryable).toBe(false);
    const refused = classifyError(new TypeError("fetch failed", { cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }) }), { endpoint: "http://127.0.0.1:9/v1" });
    expect(refused).toBeInstanceOf(LlmConnectionError);
    expect(refused.message).toMatch(/127\.0\.0\.1:9.*connection refused/);
    expect(classifyError(Object.assign(new Error("aborted"), { name: "AbortError" }))).toBeInstanceOf(LlmAbortError);
  });
  it("scrubs keys from messages", () => {
    const e = classifyError(Object.assign(new Error("bad key sk-abcdef1234567890 for Bearer xyz1234567"), { status: 401 }), { secrets: ["xyz1234567"] });
    expect(e.message).not.toMatch(/abcdef|xyz123/);
    expect(redactSecrets('{"api_key": "hunter2hunter2"}')).toBe('{"api_key": "[redacted]"}');
  });
});

describe("Semaphore", () => {
  it("limits concurrent holders and hands slots over in order", async () => {
    const s = new Semaphore(2);
    const r1 = await s.acquire();
    const r2 = await s.acquire();
    const order: number[] = [];
    const p3 = s.acquire().then((r) => (order.push(3), r));
    const p4 = s.acquire().then((r) => (order.push(4), r));
    await Promise.resolve();
    expect(order).toEqual([]);
    expect(s.inFlight).toBe(2);
    r1();
    r1(); // double release is harmless
    const r3 = await p3;
    expect(order).toEqual([3]);
    r2();
    const r4 = await p4;
    r3();
    r4();
    expect(s.inFlight).toBe(0);
  });
  it("abandons a wait on abort", async () => {
    const s = new Semaphore(1);
    const r = await s.acquire();
    const ctl = new AbortController();
    const waiting = s.acquire(ctl.signal);
    ctl.abort();
    await expect(waiting).rejects.toBeInstanceOf(LlmAbortError);
    r();
    expect(s.inFlight).toBe(0);
  });
});
