import { describe, expect, it } from "vitest";
import { escapeHtml, parseReportData, renderReport } from "../../src/report/index.ts";
import { HOSTILE, makeReportData } from "./fixture.ts";

const html = renderReport(makeReportData());

/** Every element the report may contain: its own markup plus what ECharts' SVG renderer emits. */
const ALLOWED_TAGS = new Set(
  (
    "html head meta title style body main header h1 h2 p dl dt dd nav a section ul li div table thead tbody tr th td " +
    "code figure figcaption footer svg rect path text tspan g defs clipPath image circle polyline polygon line " +
    "linearGradient radialGradient stop"
  ).split(" "),
);

describe("renderReport: structure", () => {
  it("is one self-contained document: CSP, no scripts, no external URLs", () => {
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain(`http-equiv="Content-Security-Policy" content="default-src 'none'`);
    expect(html).not.toMatch(/<script/i);
    // The only URLs allowed are SVG namespaces (attributes, never fetched).
    const urls = [...html.matchAll(/(?:https?:)?\/\/[^\s"'<>)]+/g)].map((m) => m[0]);
    expect(urls.filter((u) => !u.startsWith("http://www.w3.org/"))).toEqual([]);
    expect(html).not.toMatch(/\b(?:src|href)="(?!#)/);
  });

  it("has every section and a drawn SVG in every chart", () => {
    for (const id of ["notes", "summary", "returns", "ic", "annual", "correlation", "factors", "lineage", "oracle"])
      expect(html, id).toContain(`<section id="${id}">`);
    const figures = [...html.matchAll(/<figure class="chart" data-chart="(\w+)">([\s\S]*?)<\/figure>/g)];
    expect(figures.map((f) => f[1])).toEqual(["cumulative", "drawdown", "ic", "correlation", "lineage"]);
    for (const f of figures) {
      expect(f[2], f[1]).toMatch(/<svg [^>]*viewBox=/);
      // A drawn path moves and then draws (line, arc, curve or close), not just "M x y".
      const drawn = [...f[2]!.matchAll(/<path d="M[^"]*[LlHhVvCcAaZz][^"]*"/g)];
      expect(drawn.length, f[1]).toBeGreaterThan(3);
    }
  });

  it("shows the summary metrics per range with and without cost", () => {
    const testRow = html.match(/<tr><td class="l">test<\/td>.*?<\/tr>/)?.[0] ?? "";
    expect(testRow).toContain(">0.0440<"); // IC
    expect(testRow).toContain(">0.0600<"); // RankIC
    expect(testRow).toContain(">10.00%<"); // ARR with cost
    expect(testRow).toContain(">15.00%<"); // ARR without cost
    expect(testRow).toContain('class="neg">-8.00%<'); // MDD with cost
    expect(testRow).toContain(">54.00%<"); // win rate
    const trainRow = html.match(/<tr><td class="l">train<\/td>.*?<\/tr>/)?.[0] ?? "";
    expect(trainRow).toContain(">0.0610<");
    expect(trainRow).toContain('class="na">—<'); // no backtest on train
  });

  it("computes the per-year table from the daily series when none is given", () => {
    const data = parseReportData(makeReportData());
    const b = data.backtest!;
    let expected = 0;
    b.dates.forEach((d, i) => {
      if (d.startsWith("2017") && b.return[i] !== null) expected += b.return[i]! - b.bench[i]! - b.cost[i]!;
    });
    const row = html.match(/<tr><td class="l">2017<\/td><td class="l">test<\/td>.*?<\/tr>/)?.[0] ?? "";
    expect(row).toContain(`${(expected * 100).toFixed(2)}%`);
  });

  it("omits the sections it has no data for", () => {
    const minimal = renderReport({ data: { source: "x.csv" } });
    expect(minimal).not.toContain("<figure");
    expect(minimal).not.toContain("<section");
    expect(minimal).toContain("<h1>quanta report</h1>");
    const summaryOnly = renderReport({ data: { source: "x.csv" }, metrics: [{ range: "test", ic: 0.05 }] });
    expect(summaryOnly).toContain('<section id="summary">');
    expect(summaryOnly).not.toContain('<section id="returns">');
  });
});

describe("renderReport: escaping", () => {
  const escaped = escapeHtml(HOSTILE);

  it("escapes the five special characters", () => {
    expect(escapeHtml(`<a href="x">&'`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    expect(escaped).not.toMatch(/[<>"']/);
  });

  it("never lets data text become markup", () => {
    const tags = new Set([...html.matchAll(/<\/?([A-Za-z][\w:-]*)/g)].map((m) => m[1]!));
    expect([...tags].filter((t) => !ALLOWED_TAGS.has(t))).toEqual([]);
    expect(html).not.toMatch(/<[^>]*\son\w+\s*=/i); // no event-handler attributes anywhere
    expect(html).not.toMatch(/<img/i);
  });

  it("shows hostile names, hypotheses, notes and settings as text", () => {
    for (const where of [
      `<title>quanta report ${escaped} — camp-${escaped}</title>`,
      `<li>Analyst: ${escaped}</li>`,
      `<td class="l">${escaped}</td>`, // factor name
      `<td class="text">${escaped}<div class="desc">desc ${escaped}</div></td>`, // hypothesis + description
      `hostile = ${escaped}`,
      escapeHtml(`TS_MEAN($close, 5) < 3 && "a" & <b>`),
    ])
      expect(html).toContain(where);
    // Inside the SVGs (heat-map axis labels, lineage node labels) ECharts escapes text itself.
    const svgs = [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]).join("");
    expect(svgs).toContain("&lt;script&gt;");
    expect(svgs).not.toMatch(/<script/i);
  });
});

describe("report data validation", () => {
  it("turns NaN/Infinity into null and accepts typed arrays", () => {
    const d = parseReportData({
      data: { source: "s" },
      metrics: [{ range: "test", ic: Number.NaN, rankIc: Infinity, icir: 0.5 }],
      icDaily: { dates: ["2020-01-01", "2020-01-02"], ic: new Float64Array([0.1, Number.NaN]), rankIc: [null, 0.2] },
    });
    expect(d.metrics[0]).toMatchObject({ ic: null, rankIc: null, icir: 0.5 });
    expect(d.icDaily?.ic).toEqual([0.1, null]);
    expect(d.icDaily?.window).toBe(20);
  });

  it("rejects inconsistent shapes with the offending path", () => {
    const base = { data: { source: "s" } };
    expect(() =>
      parseReportData({ ...base, backtest: { dates: ["2020-01-01"], return: [0.1, 0.2], bench: [0], cost: [0] } }),
    ).toThrow(/2 values for 1 dates[\s\S]*backtest\.return/);
    expect(() => parseReportData({ ...base, correlation: { names: ["a", "b"], matrix: [[1, 0]] } })).toThrow(
      /must be 2×2/,
    );
    expect(() =>
      parseReportData({
        ...base,
        lineage: { nodes: [{ id: "a", phase: "original", round: 0 }], edges: [{ parent: "a", child: "zz" }] },
      }),
    ).toThrow(/unknown node/);
    expect(() => parseReportData({ ...base, ranges: [{ name: "x", start: "2020/01/01", end: "2020-02-01" }] })).toThrow(
      /YYYY-MM-DD/,
    );
    expect(() => parseReportData({ ...base, metrics: [{ range: "t", ic: "0.1" }] })).toThrow(/number or null/);
  });
});

describe("file size", () => {
  it("downsamples long series and caps the heat-map", () => {
    const big = renderReport(makeReportData({ days: 5000, icDays: 6000, factors: 200 }));
    expect(big.length).toBeLessThan(1_500_000);
    expect(big).toContain("(first 60 of 200)");
    const ic = big.match(/data-chart="ic">[\s\S]*?<\/figure>/)?.[0] ?? "";
    for (const m of ic.matchAll(/<path d="(M[^"]*)"/g)) expect((m[1]!.match(/L/g) ?? []).length).toBeLessThanOrEqual(2000);
  });
});
