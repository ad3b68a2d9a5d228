/**
 * A real HTTP server on 127.0.0.1 (random port) that speaks the OpenAI
 * chat-completions protocol, JSON and SSE streaming, with scriptable
 * misbehaviour: error statuses with headers, hung responses, non-JSON
 * bodies, streams cut mid-reply. Tests enqueue directives or install a
 * responder; every request is recorded.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface Usage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
}

export type Directive =
  /** A normal completion with this content (streamed when the request asks for it). */
  | { readonly kind: "reply"; readonly content: string; readonly usage?: Usage; readonly finishReason?: string; readonly model?: string; readonly delayMs?: number }
  /** An HTTP error status with an OpenAI-style error body. */
  | { readonly kind: "status"; readonly status: number; readonly message?: string; readonly headers?: Record<string, string> }
  /** Accept the request and never answer. */
  | { readonly kind: "hang" }
  /** Any body with any status and content type (e.g. an HTML error page). */
  | { readonly kind: "raw"; readonly status?: number; readonly body: string; readonly contentType?: string }
  /** Start answering, then drop the connection mid-reply. */
  | { readonly kind: "cut" };

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage["headers"];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

export type Responder = (req: RecordedRequest, index: number) => Directive;

export interface FakeLlmServer {
  /** Base URL including `/v1`. */
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Directives served first, in order, before the responder is asked. */
  enqueue(...d: Directive[]): void;
  setResponder(r: Responder): void;
  /** Highest number of requests that were in flight at once. */
  readonly maxConcurrent: number;
  close(): Promise<void>;
}

export const reply = (content: string | object, extra: Partial<Omit<Extract<Directive, { kind: "reply" }>, "kind" | "content">> = {}): Directive => ({
  kind: "reply",
  content: typeof content === "string" ? content : JSON.stringify(content),
  ...extra,
});

/** The role marker the agent prompts carry on their first line (`ROLE: planner`). */
export function roleOf(req: RecordedRequest): string | undefined {
  const sys = req.body?.messages?.find((m: { role: string }) => m.role === "system")?.content;
  return typeof sys === "string" ? /^ROLE: (\w+)/.exec(sys)?.[1] : undefined;
}

export async function startFakeLlmServer(responder?: Responder): Promise<FakeLlmServer> {
  const queue: Directive[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let current: Responder = responder ?? (() => reply({ ok: true, answer: 5 }));
  let inFlight = 0;
  let maxConcurrent = 0;
  let counter = 0;

  const server = createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (raw += c));
    req.on("end", () => {
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      const rec: RecordedRequest = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body };
      const index = requests.length;
      requests.push(rec);
      inFlight++;
      maxConcurrent = Math.max(maxConcurrent, inFlight);
      let finished = false;
      const done = (): void => {
        if (!finished) {
          finished = true;
          inFlight--;
        }
      };
      res.on("close", done);
      const d = queue.shift() ?? current(rec, index);
      serve(d, rec, res, ++counter);
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    enqueue: (...d) => queue.push(...d),
    setResponder: (r) => (current = r),
    get maxConcurrent() {
      return maxConcurrent;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function serve(d: Directive, req: RecordedRequest, res: ServerResponse, n: number): void {
  const stream = req.body?.stream === true;
  const model = (d.kind === "reply" && d.model) || req.body?.model || "fake-model";
  switch (d.kind) {
    case "hang":
      return; // never answer; the socket is destroyed on close()
    case "status":
      res.writeHead(d.status, { "content-type": "application/json", ...d.headers });
      res.end(JSON.stringify({ error: { message: d.message ?? `status ${d.status}`, type: "fake_error", code: null } }));
      return;
    case "raw":
      res.writeHead(d.status ?? 200, { "content-type": d.contentType ?? "text/plain" });
      res.end(d.body);
      return;
    case "cut":
      if (stream) {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write(`data: ${JSON.stringify(chunk(n, model, { role: "assistant", content: '{"ok": tr' }, null))}\n\n`);
      } else {
        res.writeHead(200, { "content-type": "application/json", "content-length": "500" });
        res.write('{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"{\\"ok');
      }
      setImmediate(() => res.socket?.destroy());
      return;
    case "reply": {
      const usage = d.usage ?? { prompt_tokens: 11, completion_tokens: 7 };
      const finish = d.finishReason ?? "stop";
      const send = (): void => {
        if (!stream) {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(
            JSON.stringify({
              id: `chatcmpl-${n}`,
              object: "chat.completion",
              created: 1_700_000_000,
              model,
              choices: [{ index: 0, message: { role: "assistant", content: d.content }, finish_reason: finish, logprobs: null }],
              usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
            }),
          );
          return;
        }
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        const parts = splitInto(d.content, 3);
        res.write(`data: ${JSON.stringify(chunk(n, model, { role: "assistant", content: "" }, null))}\n\n`);
        for (const p of parts) res.write(`data: ${JSON.stringify(chunk(n, model, { content: p }, null))}\n\n`);
        res.write(`data: ${JSON.stringify(chunk(n, model, {}, finish))}\n\n`);
        if (req.body?.stream_options?.include_usage) {
          res.write(`data: ${JSON.stringify({ ...chunk(n, model, {}, null), choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } })}\n\n`);
        }
        res.end("data: [DONE]\n\n");
      };
      if (d.delayMs) setTimeout(send, d.delayMs);
      else send();
      return;
    }
  }
}

function chunk(n: number, model: string, delta: Record<string, unknown>, finish: string | null) {
  return { id: `chatcmpl-${n}`, object: "chat.completion.chunk", created: 1_700_000_000, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] };
}

function splitInto(s: string, k: number): string[] {
  const size = Math.max(1, Math.ceil(s.length / k));
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out.length ? out : [""];
}
