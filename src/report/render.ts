/**
 * Assembles the self-contained HTML report: inline CSS, inline SVG charts, no scripts and no external
 * URLs (a Content-Security-Policy forbids both, so the file opens offline and any text that slipped
 * through escaping still cannot run). Every string from data, the library or an LLM goes through
 * escapeHtml; SVGs come from ECharts, which escapes the text it draws.
 */
import { correlationChart, cumulativeReturnChart, drawdownChart, icChart, lineageChart, MAX_HEATMAP_FACTORS } from "./charts.ts";
import { escapeHtml as e } from "./escape.ts";
import { fmtFixed, fmtPct, signClass } from "./format.ts";
import { parseReportData } from "./schema.ts";
import type { AnnualRow, FactorRow, Oracle, RangeMetrics, ReportData, ReportDataInput } from "./schema.ts";
import { computeAnnual } from "./series.ts";

const CSS = `
:root { color-scheme: light; --fg:#1d2330; --muted:#5d6472; --line:#e3e6eb; --bg:#fff; --band:#f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.sub { color: var(--muted); margin: 0 0 16px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; }
nav { margin: 18px 0 0; font-size: 13px; }
nav a { margin-right: 14px; color: #3563c9; text-decoration: none; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 13px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: right; vertical-align: top; }
th { background: var(--band); font-weight: 600; }
th.l, td.l { text-align: left; }
thead tr.group th { border-bottom: 0; text-align: center; }
td.neg { color: #b3261e; }
td.na { color: #9aa0a8; }
td code, .expr { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: pre-wrap; word-break: break-word; }
td.text { text-align: left; min-width: 220px; max-width: 340px; }
td.expr { text-align: left; min-width: 260px; max-width: 380px; }
.desc { color: var(--muted); font-size: 12px; margin-top: 2px; }
figure.chart { margin: 8px 0 20px; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: 12.5px; margin-bottom: 4px; }
.notes li { margin-bottom: 4px; white-space: pre-wrap; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
`;

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** Render validated (or raw, validated here) report data into one self-contained HTML document. */
export function renderReport(input: ReportData | ReportDataInput): string {
  const data = parseReportData(input);
  const sections: { id: string; title: string; html: string }[] = [];
  const add = (id: string, title: string, html: string) => sections.push({ id, title, html });

  if (data.notes.length) add("notes", "Notes", `<ul class="notes">${data.notes.map((n) => `<li>${e(n)}</li>`).join("")}</ul>`);
  if (data.metrics.length) add("summary", "Summary by range", summaryTable(data.metrics, data.settings));
  if (data.backtest && data.backtest.dates.length) {
    const span = `${e(data.backtest.dates[0])} → ${e(data.backtest.dates[data.backtest.dates.length - 1])}`;
    add(
      "returns",
      "Cumulative return",
      figure(
        "cumulative",
        `TopK-Dropout portfolio against the benchmark${data.data.benchmark ? ` (${e(data.data.benchmark)})` : ""}, ${span}. Daily returns summed, not compounded; excess = portfolio − benchmark (− cost).`,
        cumulativeReturnChart(data.backtest),
      ) +
        figure(
          "drawdown",
          "Drawdown of the cumulative excess return from its running peak (MDD is the lowest point).",
          drawdownChart(data.backtest),
        ),
    );
  }
  if (data.icDaily && data.icDaily.dates.length)
    add(
      "ic",
      "Daily IC and RankIC",
      figure(
        "ic",
        `Cross-sectional Pearson (IC) and Spearman (RankIC) correlation of the combined score with the label, per day; bold lines are ${data.icDaily.window}-day rolling means.`,
        icChart(data.icDaily, data.ranges),
      ),
    );
  const annual = data.annual ?? computeAnnual(data.backtest, data.icDaily, data.ranges);
  if (annual.length) add("annual", "By year", annualTable(annual));
  if (data.correlation && data.correlation.names.length >= 2) {
    const total = data.correlation.names.length;
    const shown = Math.min(total, MAX_HEATMAP_FACTORS);
    add(
      "correlation",
      "Factor correlation",
      figure(
        "correlation",
        `Correlation between factors${shown < total ? ` (first ${shown} of ${total})` : ""}; numbers on the axes are rows of the factor table.`,
        correlationChart(data.correlation),
      ),
    );
  }
  if (data.factors.length) add("factors", `Factors (${data.factors.length})`, factorTable(data.factors, data.ranges.map((r) => r.name)));
  if (data.lineage && data.lineage.nodes.length)
    add(
      "lineage",
      "Lineage",
      figure(
        "lineage",
        "Trajectories by round: arrows run from parents to children; colour is the phase, size the reward.",
        lineageChart(data.lineage),
      ),
    );
  if (data.oracle && data.oracle.signals.length) add("oracle", "Planted signals (oracle)", oracleSection(data.oracle));

  const title = data.campaign ? `${data.title} — ${data.campaign}` : data.title;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>${e(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${header(data)}
<nav>${sections.map((s) => `<a href="#${s.id}">${e(s.title)}</a>`).join("")}</nav>
${sections.map((s) => `<section id="${s.id}">\n<h2>${e(s.title)}</h2>\n${s.html}\n</section>`).join("\n")}
<footer>Generated by quanta. Self-contained: no scripts, no network.</footer>
</main>
</body>
</html>
`;
}

function figure(name: string, caption: string, svg: string): string {
  // caption is built here from escaped parts; svg is ECharts output.
  return `<figure class="chart" data-chart="${name}"><figcaption>${caption}</figcaption>${svg}</figure>`;
}

function header(d: ReportData): string {
  const rows: [string, string][] = [];
  if (d.campaign) rows.push(["Campaign", e(d.campaign)]);
  rows.push(["Generated", e(d.generatedAt ?? new Date().toISOString())]);
  const di = d.data;
  const dataParts = [e(di.source)];
  if (di.instruments !== undefined) dataParts.push(`${di.instruments} instruments`);
  if (di.firstDate || di.lastDate) dataParts.push(`${e(di.firstDate ?? "?")} → ${e(di.lastDate ?? "?")}`);
  rows.push(["Data", dataParts.join(", ")]);
  if (di.universe) rows.push(["Universe", e(di.universe)]);
  if (di.benchmark) rows.push(["Benchmark", e(di.benchmark)]);
  if (di.fingerprint) rows.push(["Fingerprint", `<code>${e(di.fingerprint)}</code>`]);
  if (d.ranges.length)
    rows.push(["Ranges", d.ranges.map((r) => `${e(r.name)} ${e(r.start)} → ${e(r.end)}`).join("; ")]);
  const settings = Object.entries(d.settings);
  if (settings.length) rows.push(["Settings", settings.map(([k, v]) => `${e(k)} = ${e(v)}`).join(", ")]);
  return `<header>
<h1>${e(d.title)}</h1>
<p class="sub">${d.campaign ? `Campaign ${e(d.campaign)} · ` : ""}factor mining and backtest report</p>
<dl class="meta">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("")}</dl>
</header>`;
}

/** A numeric cell; `kind` picks the format. */
function cell(v: number | null | undefined, kind: "ic" | "ir" | "pct" | "ratio"): string {
  const text = kind === "ic" ? fmtFixed(v, 4) : kind === "pct" ? fmtPct(v) : fmtFixed(v, kind === "ir" ? 3 : 2);
  return `<td class="${signClass(v)}">${text}</td>`;
}

function summaryTable(metrics: RangeMetrics[], settings: ReportData["settings"]): string {
  const n = settings["N"] ?? settings["annualization"] ?? settings["n"];
  const risk = (m: RangeMetrics["withCost"]) =>
    cell(m?.arr, "pct") + cell(m?.ir, "ratio") + cell(m?.mdd, "pct") + cell(m?.calmar, "ratio");
  return `<div class="scroll"><table>
<thead>
<tr class="group"><th></th><th colspan="4">Signal</th><th colspan="4">Excess with cost</th><th colspan="4">Excess without cost</th><th colspan="2">Trading</th></tr>
<tr><th class="l">Range</th><th>IC</th><th>ICIR</th><th>RankIC</th><th>RankICIR</th>
<th>ARR</th><th>IR</th><th>MDD</th><th>Calmar</th><th>ARR</th><th>IR</th><th>MDD</th><th>Calmar</th><th>Turnover</th><th>Win rate</th></tr>
</thead>
<tbody>
${metrics
  .map(
    (m) =>
      `<tr><td class="l">${e(m.range)}</td>${cell(m.ic, "ic")}${cell(m.icir, "ir")}${cell(m.rankIc, "ic")}${cell(m.rankIcir, "ir")}${risk(m.withCost)}${risk(m.withoutCost)}${cell(m.turnover, "pct")}${cell(m.winRate, "pct")}</tr>`,
  )
  .join("\n")}
</tbody>
</table></div>
<p class="sub">ICIR = mean / std of the daily series (not annualised). ARR = mean daily excess × N${n !== undefined ? ` (N = ${e(n)})` : ""}; IR annualised by √N; MDD on the cumulative sum; Calmar = ARR / |MDD|. Turnover is the mean daily fraction of portfolio value traded.</p>`;
}

function annualTable(rows: AnnualRow[]): string {
  const hasRange = rows.some((r) => r.range);
  return `<div class="scroll"><table>
<thead><tr><th class="l">Year</th>${hasRange ? `<th class="l">Range</th>` : ""}<th>IC</th><th>RankIC</th><th>Excess with cost</th><th>Excess without cost</th><th>Benchmark</th><th>MDD (with cost)</th></tr></thead>
<tbody>
${rows
  .map(
    (r) =>
      `<tr><td class="l">${r.year}</td>${hasRange ? `<td class="l">${e(r.range ?? "")}</td>` : ""}${cell(r.ic, "ic")}${cell(r.rankIc, "ic")}${cell(r.excessWithCost, "pct")}${cell(r.excessWithoutCost, "pct")}${cell(r.bench, "pct")}${cell(r.mdd, "pct")}</tr>`,
  )
  .join("\n")}
</tbody>
</table></div>
<p class="sub">Returns are sums of daily returns within the year and range.</p>`;
}

function factorTable(factors: FactorRow[], rangeOrder: string[]): string {
  const seen = new Set<string>();
  for (const f of factors) for (const k of Object.keys(f.metrics)) seen.add(k);
  const ranges = [...rangeOrder.filter((r) => seen.has(r)), ...[...seen].filter((r) => !rangeOrder.includes(r))];
  const hasStatus = factors.some((f) => f.status);
  const groupRow = ranges.map((r) => `<th colspan="4">${e(r)}</th>`).join("");
  const metricHeads = ranges.map(() => "<th>IC</th><th>ICIR</th><th>RankIC</th><th>RankICIR</th>").join("");
  const body = factors
    .map((f, i) => {
      const hyp = f.hypothesis || f.description
        ? `${e(f.hypothesis ?? "")}${f.description ? `<div class="desc">${e(f.description)}</div>` : ""}`
        : "";
      const metrics = ranges
        .map((r) => {
          const m = f.metrics[r];
          return cell(m?.ic, "ic") + cell(m?.icir, "ir") + cell(m?.rankIc, "ic") + cell(m?.rankIcir, "ir");
        })
        .join("");
      const dialect = f.dialect ? `<div class="desc">${e(f.dialect)}</div>` : "";
      return `<tr><td>${i + 1}</td><td class="l">${e(f.name)}</td><td class="expr"><code>${e(f.expression)}</code>${dialect}</td><td class="text">${hyp}</td>${hasStatus ? `<td class="l">${e(f.status ?? "")}</td>` : ""}${metrics}</tr>`;
    })
    .join("\n");
  return `<div class="scroll"><table class="factors">
<thead>
<tr class="group"><th colspan="${hasStatus ? 5 : 4}"></th>${groupRow}</tr>
<tr><th>#</th><th class="l">Name</th><th class="l">Expression</th><th class="l">Hypothesis</th>${hasStatus ? `<th class="l">Status</th>` : ""}${metricHeads}</tr>
</thead>
<tbody>
${body}
</tbody>
</table></div>`;
}

function oracleSection(o: Oracle): string {
  const note = o.note ? `<p>${e(o.note)}</p>` : "";
  const rows = o.signals
    .map(
      (s) =>
        `<tr><td class="l">${e(s.name)}</td><td class="text">${e(s.description ?? "")}</td><td class="expr"><code>${e(s.expression ?? "")}</code></td>${cell(s.trueIc, "ic")}<td class="l">${e(s.matchedFactor ?? "—")}</td>${cell(s.matchCorr, "ratio")}</tr>`,
    )
    .join("\n");
  return `${note}<div class="scroll"><table>
<thead><tr><th class="l">Signal</th><th class="l">Description</th><th class="l">Expression</th><th>True IC</th><th class="l">Best mined match</th><th>Corr</th></tr></thead>
<tbody>
${rows}
</tbody>
</table></div>
<p class="sub">Synthetic data only: signals the generator planted, and the mined factor most correlated with each.</p>`;
}
