/**
 * Opens a rendered report in headless Chromium (Debian `chromium`, driven over the DevTools pipe) and
 * checks what a reader sees: every chart drawn, text shown literally, no errors, no network.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderReport } from "../../src/report/index.ts";
import { Browser, CHROMIUM } from "./cdp.ts";
import type { Page } from "./cdp.ts";
import { HOSTILE, makeReportData } from "./fixture.ts";

type ChartInfo = { name: string; svgs: number; width: number; height: number; drawnPaths: number; texts: number };

describe.skipIf(!existsSync(CHROMIUM))("report in headless Chromium", () => {
  let browser: Browser;
  let page: Page;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "quanta-report-"));
    const file = join(dir, "report.html");
    writeFileSync(file, renderReport(makeReportData()));
    browser = Browser.launch();
    page = await browser.open(`file://${file}`, 1200, 900);
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("draws an SVG with visible paths in every chart container", async () => {
    const charts = await page.evaluate<ChartInfo[]>(`[...document.querySelectorAll("figure.chart")].map((f) => {
      const svg = f.querySelector("svg");
      const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
      const drawn = svg ? [...svg.querySelectorAll("path")].filter((p) => {
        const b = p.getBBox();
        return (b.width > 1 || b.height > 1) && getComputedStyle(p).display !== "none";
      }).length : 0;
      return { name: f.dataset.chart, svgs: f.querySelectorAll("svg").length, width: box.width, height: box.height,
               drawnPaths: drawn, texts: svg ? svg.querySelectorAll("text").length : 0 };
    })`);
    expect(charts.map((c) => c.name)).toEqual(["cumulative", "drawdown", "ic", "correlation", "lineage"]);
    for (const c of charts) {
      expect(c.svgs, c.name).toBe(1);
      expect(c.width, c.name).toBeGreaterThan(300);
      expect(c.height, c.name).toBeGreaterThan(150);
      expect(c.drawnPaths, c.name).toBeGreaterThan(5);
      expect(c.texts, c.name).toBeGreaterThan(3); // axis labels / legend
    }
  });

  it("shows hostile text literally and runs nothing", async () => {
    const r = await page.evaluate<{ title: string; scripts: number; imgs: number; hyp: string }>(`({
      title: document.title,
      scripts: document.querySelectorAll("script").length,
      imgs: document.querySelectorAll("img").length,
      hyp: document.querySelector("#factors td.text").firstChild.textContent,
    })`);
    expect(r.title).toBe(`quanta report ${HOSTILE} — camp-${HOSTILE}`);
    expect(r.hyp).toBe(HOSTILE);
    expect(r.scripts).toBe(0);
    expect(r.imgs).toBe(0);
  });

  it("logs no errors and requests nothing but the file itself", async () => {
    expect(page.errors).toEqual([]);
    expect(page.requests.filter((u) => !u.startsWith("file://"))).toEqual([]);
  });

  it("would notice an error: a script blocked by the same CSP is reported", async () => {
    const file = join(dir, "probe.html");
    const csp = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`;
    writeFileSync(file, `<!doctype html><html><head>${csp}</head><body><script>console.log(1)</script></body></html>`);
    const probe = await browser.open(`file://${file}`);
    expect(probe.errors.join("\n")).toMatch(/Content Security Policy/);
  });

  it("takes a screenshot of the whole report", async () => {
    const height = await page.evaluate<number>("document.documentElement.scrollHeight");
    expect(height).toBeGreaterThan(2000);
    const png = await page.screenshot({ x: 0, y: 0, width: 1200, height: Math.min(height, 2600) });
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect(png.length).toBeGreaterThan(50_000); // a blank page compresses to a few KB
    writeFileSync(join(tmpdir(), "quanta-report.png"), png);
  });
});
