/**
 * A minimal Chrome DevTools Protocol client over `--remote-debugging-pipe` (fd 3 = commands to the
 * browser, fd 4 = replies and events, each message NUL-terminated JSON). Enough to open a file, run
 * `Runtime.evaluate`, collect console errors and take screenshots, without playwright.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";

export const CHROMIUM = "/usr/bin/chromium";

type Message = { id?: number; method?: string; params?: Record<string, unknown>; result?: unknown; error?: { message: string }; sessionId?: string };

export class Browser {
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private listeners: ((m: Message) => void)[] = [];
  private buffer = "";

  private constructor(
    private readonly proc: ChildProcess,
    private readonly profile: string,
  ) {
    const out = proc.stdio[4] as Readable;
    out.setEncoding("utf8");
    out.on("data", (chunk: string) => {
      this.buffer += chunk;
      let end: number;
      while ((end = this.buffer.indexOf("\0")) >= 0) {
        const msg = JSON.parse(this.buffer.slice(0, end)) as Message;
        this.buffer = this.buffer.slice(end + 1);
        if (msg.id !== undefined) {
          const p = this.pending.get(msg.id);
          this.pending.delete(msg.id);
          if (msg.error) p?.reject(new Error(msg.error.message));
          else p?.resolve(msg.result);
        } else for (const l of this.listeners) l(msg);
      }
    });
    proc.on("exit", () => {
      for (const p of this.pending.values()) p.reject(new Error("chromium exited"));
      this.pending.clear();
    });
  }

  static launch(): Browser {
    const profile = mkdtempSync(join(tmpdir(), "quanta-chromium-"));
    const proc = spawn(
      CHROMIUM,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-extensions",
        "--no-first-run",
        "--hide-scrollbars",
        "--remote-debugging-pipe",
        `--user-data-dir=${profile}`,
        "about:blank",
      ],
      { stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"] },
    );
    return new Browser(proc, profile);
  }

  send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<T> {
    const id = this.nextId++;
    const msg = JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) });
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      (this.proc.stdio[3] as Writable).write(`${msg}\0`);
    });
  }

  on(listener: (m: Message) => void): void {
    this.listeners.push(listener);
  }

  /** Wait for the next event named `method` (optionally in one session). */
  waitFor(method: string, sessionId?: string): Promise<Message> {
    return new Promise((resolve) => {
      const l = (m: Message) => {
        if (m.method === method && (!sessionId || m.sessionId === sessionId)) {
          this.listeners = this.listeners.filter((x) => x !== l);
          resolve(m);
        }
      };
      this.listeners.push(l);
    });
  }

  /** Open `url` in a new page; resolves after the load event with the page and the errors it logged. */
  async open(url: string, width = 1200, height = 900): Promise<Page> {
    const { targetId } = await this.send<{ targetId: string }>("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await this.send<{ sessionId: string }>("Target.attachToTarget", { targetId, flatten: true });
    const page = new Page(this, sessionId);
    this.on((m) => {
      if (m.sessionId !== sessionId) return;
      const p = m.params ?? {};
      if (m.method === "Runtime.consoleAPICalled" && (p.type === "error" || p.type === "assert"))
        page.errors.push(`console.${String(p.type)}: ${JSON.stringify(p.args)}`);
      if (m.method === "Runtime.exceptionThrown") page.errors.push(`exception: ${JSON.stringify(p.exceptionDetails)}`);
      if (m.method === "Log.entryAdded") {
        const entry = p.entry as { level: string; text: string; source: string };
        if (entry.level === "error") page.errors.push(`log(${entry.source}): ${entry.text}`);
      }
      if (m.method === "Network.requestWillBeSent") page.requests.push(String((p.request as { url: string }).url));
    });
    await this.send("Page.enable", {}, sessionId);
    await this.send("Runtime.enable", {}, sessionId);
    await this.send("Log.enable", {}, sessionId);
    await this.send("Network.enable", {}, sessionId);
    await this.send("Emulation.setDeviceMetricsOverride", { width, height, deviceScaleFactor: 1, mobile: false }, sessionId);
    const loaded = this.waitFor("Page.loadEventFired", sessionId);
    await this.send("Page.navigate", { url }, sessionId);
    await loaded;
    return page;
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) resolve();
      else this.proc.once("exit", () => resolve());
    });
    await this.send("Browser.close").catch(() => undefined);
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
    rmSync(this.profile, { recursive: true, force: true });
  }
}

export class Page {
  readonly errors: string[] = [];
  readonly requests: string[] = [];
  constructor(
    private readonly browser: Browser,
    private readonly sessionId: string,
  ) {}

  /** Evaluate an expression in the page and return its JSON value. */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.browser.send<{ result: { value: T }; exceptionDetails?: unknown }>(
      "Runtime.evaluate",
      { expression, returnByValue: true },
      this.sessionId,
    );
    if (r.exceptionDetails) throw new Error(`evaluate failed: ${JSON.stringify(r.exceptionDetails)}`);
    return r.result.value;
  }

  /** PNG of a region of the page (CSS pixels), beyond the viewport if need be. */
  async screenshot(clip: { x: number; y: number; width: number; height: number }): Promise<Buffer> {
    const r = await this.browser.send<{ data: string }>(
      "Page.captureScreenshot",
      { format: "png", clip: { ...clip, scale: 1 }, captureBeyondViewport: true },
      this.sessionId,
    );
    return Buffer.from(r.data, "base64");
  }
}
