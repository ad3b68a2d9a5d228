/**
 * The report's charts, drawn by ECharts' server-side SVG renderer (no browser, no DOM). Each function
 * turns validated report data into one SVG string; echarts escapes the text it writes into the SVG.
 * Long daily series are downsampled to ≤ 2000 points per series to keep the file small.
 */
import * as echarts from "echarts/core";
import { GraphChart, HeatmapChart, LineChart } from "echarts/charts";
import type { GraphSeriesOption, HeatmapSeriesOption, LineSeriesOption } from "echarts/charts";
import {
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  VisualMapComponent,
} from "echarts/components";
import type {
  GridComponentOption,
  LegendComponentOption,
  MarkAreaComponentOption,
  VisualMapComponentOption,
} from "echarts/components";
import { SVGRenderer } from "echarts/renderers";
import type { Correlation, DailyBacktest, DailyIc, Lineage, RangeSpec } from "./schema.ts";
import { cumsum, downsample, drawdown, excessSeries, rollingMean } from "./series.ts";

echarts.use([
  LineChart,
  HeatmapChart,
  GraphChart,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  VisualMapComponent,
  SVGRenderer,
]);

type Option = echarts.ComposeOption<
  | LineSeriesOption
  | HeatmapSeriesOption
  | GraphSeriesOption
  | GridComponentOption
  | LegendComponentOption
  | VisualMapComponentOption
>;

/** Points kept per drawn series. */
export const MAX_POINTS = 2000;
/** Factors shown in the correlation heat-map; beyond this the SVG grows quadratically for little insight. */
export const MAX_HEATMAP_FACTORS = 60;

const WIDTH = 960;
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
const COLORS = { bench: "#8a8f98", portfolio: "#3563c9", noCost: "#2e9e5b", withCost: "#d2452f", rankIc: "#8b5cc4" };
const PHASE_COLORS: Record<Lineage["nodes"][number]["phase"], string> = {
  original: "#3563c9",
  mutation: "#e08a1e",
  crossover: "#2e9e5b",
};

/** Render one option to an SVG string with ECharts SSR; the instance is always disposed. */
export function renderSvg(option: Option, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width, height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: FONT }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** Axis label for a fraction: 0.05 → "5%", 0.0125 → "1.25%" (trailing zeros trimmed). */
function pctLabel(v: number): string {
  return `${Number((v * 100).toFixed(2))}%`;
}

function line(name: string, data: [string, number | null][], color: string, extra: LineSeriesOption = {}): LineSeriesOption {
  return {
    type: "line",
    name,
    data,
    showSymbol: false,
    connectNulls: false,
    color,
    lineStyle: { width: 1.6, color },
    ...extra,
  };
}

/** Legend with short line marks (series draw no symbols) and room between entries. */
const LEGEND: LegendComponentOption = { top: 4, icon: "roundRect", itemWidth: 16, itemHeight: 4, itemGap: 28 };

const timeGrid = (top = 40): GridComponentOption => ({ left: 64, right: 28, top, bottom: 36 });

/** Shaded bands for the named ranges that overlap [first, last]; none when only one range is visible. */
function rangeBands(ranges: readonly RangeSpec[], first: string, last: string): MarkAreaComponentOption | undefined {
  const visible = ranges.filter((r) => r.end >= first && r.start <= last);
  if (visible.length < 2) return undefined;
  const fills = ["rgba(53,99,201,0.06)", "rgba(224,138,30,0.08)", "rgba(46,158,91,0.07)", "rgba(139,92,196,0.07)"];
  return {
    silent: true,
    label: { position: "insideTop", color: "#555", fontSize: 11 },
    data: visible.map((r, i) => [
      {
        name: r.name,
        xAxis: r.start < first ? first : r.start,
        itemStyle: { color: fills[i % fills.length] },
      },
      { xAxis: r.end > last ? last : r.end },
    ]),
  };
}

/** Cumulative (summed) benchmark, portfolio and excess returns with and without cost. */
export function cumulativeReturnChart(b: DailyBacktest): string {
  const { exCost, exNoCost } = excessSeries(b);
  const netPortfolio = b.return.map((r, i) => (r === null ? null : r - (b.cost[i] ?? 0)));
  const ds = (xs: (number | null)[]) => downsample(b.dates, cumsum(xs), MAX_POINTS);
  return renderSvg(
    {
      legend: LEGEND,
      grid: timeGrid(),
      xAxis: { type: "time" },
      yAxis: { type: "value", axisLabel: { formatter: pctLabel } },
      series: [
        line("Benchmark", ds(b.bench), COLORS.bench),
        line("Portfolio (with cost)", ds(netPortfolio), COLORS.portfolio),
        line("Excess without cost", ds(exNoCost), COLORS.noCost),
        line("Excess with cost", ds(exCost), COLORS.withCost, { lineStyle: { width: 2.2, color: COLORS.withCost } }),
      ],
    },
    WIDTH,
    360,
  );
}

/** Drawdown of the cumulative excess return, with and without cost. */
export function drawdownChart(b: DailyBacktest): string {
  const { exCost, exNoCost } = excessSeries(b);
  const ds = (xs: (number | null)[]) => downsample(b.dates, drawdown(cumsum(xs)), MAX_POINTS);
  return renderSvg(
    {
      legend: LEGEND,
      grid: timeGrid(),
      xAxis: { type: "time" },
      yAxis: { type: "value", max: 0, axisLabel: { formatter: pctLabel } },
      series: [
        line("Drawdown with cost", ds(exCost), COLORS.withCost, { areaStyle: { opacity: 0.15 } }),
        line("Drawdown without cost", ds(exNoCost), COLORS.noCost, { lineStyle: { width: 1.2, color: COLORS.noCost } }),
      ],
    },
    WIDTH,
    260,
  );
}

/** Daily IC and RankIC (faint) with their rolling means (bold), a zero line, and the ranges shaded. */
export function icChart(s: DailyIc, ranges: readonly RangeSpec[]): string {
  const ds = (xs: (number | null)[]) => downsample(s.dates, xs, MAX_POINTS);
  const faint = (color: string): LineSeriesOption => ({ lineStyle: { width: 0.8, color, opacity: 0.35 } });
  const first = s.dates[0] ?? "";
  const last = s.dates[s.dates.length - 1] ?? "";
  const bands = rangeBands(ranges, first, last);
  const rollIc = line(`IC ${s.window}d mean`, ds(rollingMean(s.ic, s.window)), COLORS.portfolio, {
    lineStyle: { width: 2.2, color: COLORS.portfolio },
    markLine: { silent: true, symbol: "none", lineStyle: { color: "#333", type: "solid", width: 1 }, label: { show: false }, data: [{ yAxis: 0 }] },
    ...(bands ? { markArea: bands } : {}),
  });
  return renderSvg(
    {
      legend: LEGEND,
      grid: timeGrid(),
      xAxis: { type: "time" },
      yAxis: { type: "value" },
      series: [
        line("Daily IC", ds(s.ic), COLORS.portfolio, faint(COLORS.portfolio)),
        line("Daily RankIC", ds(s.rankIc), COLORS.rankIc, faint(COLORS.rankIc)),
        rollIc,
        line(`RankIC ${s.window}d mean`, ds(rollingMean(s.rankIc, s.window)), COLORS.rankIc, {
          lineStyle: { width: 2.2, color: COLORS.rankIc },
        }),
      ],
    },
    WIDTH,
    340,
  );
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Factor correlation heat-map (first MAX_HEATMAP_FACTORS factors), diverging colours on [−1, 1]. */
export function correlationChart(c: Correlation): string {
  const n = Math.min(c.names.length, MAX_HEATMAP_FACTORS);
  // Category values must be unique: prefix the index so duplicate names stay separate cells.
  const labels = c.names.slice(0, n).map((name, i) => `${i + 1}. ${truncate(name, 22)}`);
  const data: [number, number, number][] = [];
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const v = c.matrix[i]?.[j];
      if (v !== null && v !== undefined) data.push([j, i, Number(v.toFixed(3))]);
    }
  const cell = n <= 12 ? 44 : n <= 30 ? 22 : 12;
  const labelSpace = n > 30 ? 130 : 170;
  const side = Math.max(cell * n, 200);
  const height = side + Math.round(labelSpace * 0.8) + 20;
  const width = Math.min(Math.max(side + labelSpace + 120, 480), 1400);
  const axisLabel = { fontSize: n > 30 ? 8 : 11, interval: 0 };
  return renderSvg(
    {
      grid: { left: labelSpace, top: 20, width: side, height: side },
      xAxis: { type: "category", data: labels, axisLabel: { ...axisLabel, rotate: 50 }, splitArea: { show: false } },
      yAxis: { type: "category", data: labels, inverse: true, axisLabel },
      visualMap: {
        type: "continuous",
        min: -1,
        max: 1,
        calculable: false,
        orient: "vertical",
        left: labelSpace + side + 24,
        top: 20,
        itemHeight: Math.min(side, 240),
        inRange: { color: ["#2c6db5", "#f6f6f6", "#c0392b"] },
        text: ["+1", "−1"],
      },
      series: [
        {
          type: "heatmap",
          data,
          progressive: 0, // render every cell in one pass: twice as fast server-side

          label: { show: n <= 12, fontSize: 10, formatter: (p) => (p.value as number[])[2]!.toFixed(2) },
          itemStyle: { borderColor: "#fff", borderWidth: n > 30 ? 0 : 1 },
        },
      ],
    },
    width,
    height,
  );
}

/**
 * The evolution as a graph on a grid: x = round, y = position within the round; edges run from
 * parents to children (a crossover child has several parents, so this is a DAG drawn as a tree).
 */
export function lineageChart(l: Lineage): string {
  const byRound = new Map<number, Lineage["nodes"]>();
  for (const node of l.nodes) {
    const list = byRound.get(node.round) ?? [];
    list.push(node);
    byRound.set(node.round, list);
  }
  let maxPerRound = 1;
  let maxRound = 0;
  const pos = new Map<string, [number, number]>();
  for (const [round, nodes] of byRound) {
    nodes.sort((a, b) => (a.direction ?? "").localeCompare(b.direction ?? "") || a.id.localeCompare(b.id));
    nodes.forEach((node, i) => pos.set(node.id, [round, i]));
    maxPerRound = Math.max(maxPerRound, nodes.length);
    maxRound = Math.max(maxRound, round);
  }
  const rewards = l.nodes.map((n) => n.reward).filter((r): r is number => r !== null && r !== undefined);
  const lo = rewards.length ? Math.min(...rewards) : 0;
  const hi = rewards.length ? Math.max(...rewards) : 0;
  const size = (r: number | null | undefined): number =>
    r === null || r === undefined || hi === lo ? 12 : 8 + (14 * (r - lo)) / (hi - lo);
  const phases = ["original", "mutation", "crossover"] as const;
  const height = Math.max(240, maxPerRound * 34 + 90);
  return renderSvg(
    {
      color: phases.map((p) => PHASE_COLORS[p]),
      legend: { ...LEGEND, icon: "circle", itemWidth: 10, itemHeight: 10, data: [...phases] },
      grid: { left: 40, right: 110, top: 44, bottom: 40 },
      xAxis: {
        type: "category",
        data: Array.from({ length: maxRound + 1 }, (_, r) => `round ${r}`),
        axisLine: { onZero: false },
        axisTick: { show: false },
        splitLine: { show: false },
      },
      yAxis: { type: "value", inverse: true, min: -0.5, max: maxPerRound - 0.5, show: false },
      series: [
        {
          type: "graph",
          coordinateSystem: "cartesian2d",
          categories: phases.map((name) => ({ name, itemStyle: { color: PHASE_COLORS[name] } })),
          data: l.nodes.map((node) => ({
            name: node.id,
            value: pos.get(node.id)!,
            category: phases.indexOf(node.phase),
            symbolSize: size(node.reward),
            label: {
              show: true,
              position: "right",
              fontSize: 9,
              color: "#333",
              formatter: truncate(node.label ?? node.id, 16).replace(/[{}|]/g, " "),
            },
          })),
          links: l.edges.map((e) => ({ source: e.parent, target: e.child })),
          edgeSymbol: ["none", "arrow"],
          edgeSymbolSize: 5,
          lineStyle: { color: "#9aa0a8", opacity: 0.7, width: 1, curveness: 0.08 },
        },
      ],
    },
    WIDTH,
    height,
  );
}
