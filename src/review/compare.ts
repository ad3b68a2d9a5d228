/**
 * Two factor sets side by side (`quanta library compare A B`). A side is a campaign of the
 * library, `ids:1,2,3`, `status:active`, or a TSV/JSON file of expressions. Without data the
 * comparison uses the stored metrics of one split; with a panel both sides are evaluated on the
 * same date window, so imported files and campaigns mined on different data compare fairly, and
 * each factor's largest |rank correlation| with the other side shows how much the sets overlap.
 */
import { existsSync } from "node:fs";
import type { Dialect } from "../../factors/ast.ts";
import { QuantaError } from "../../factors/errors.ts";
import type { IndexRange } from "../../backtest/split.ts";
import type { Panel } from "../../factors/panel.ts";
import type { FactorEvaluator } from "../evolution/evaluator.ts";
import type { FactorMetrics, SplitMetrics } from "../evolution/types.ts";
import { FactorStatusSchema, type FactorLibrary } from "../library/index.ts";
import { rankCorrelationMatrix } from "./correlation.ts";
import { prepareImport, readImportFile } from "./import.ts";
import { windowMetrics } from "./metrics.ts";
import { parseIds } from "./select.ts";
import { evaluateStoredFactors } from "./values.ts";

export interface CompareMember {
  /** Library id, or the 1-based position in a file. */
  readonly id: number;
  readonly name: string;
  readonly expression: string;
  readonly dialect: Dialect;
  readonly canonical: string;
  readonly status: string;
  readonly metrics: SplitMetrics;
}

export interface CompareSide {
  readonly label: string;
  readonly kind: "campaign" | "ids" | "status" | "file";
  readonly members: CompareMember[];
}

export interface SideSummary {
  readonly label: string;
  readonly kind: CompareSide["kind"];
  readonly count: number;
  readonly byStatus: Record<string, number>;
  /** Which metrics the numbers below are: a stored split, or `window` (evaluated on the data). */
  readonly metricSource: string;
  readonly evaluated: number;
  readonly meanRankIc: number;
  readonly medianRankIc: number;
  readonly bestRankIc: number;
  readonly best: string | null;
  /** Share of this side's factors whose |rank corr| with some factor of the other side is ≥ the threshold (with data). */
  readonly coveredByOther: number | null;
  /** Factors best first: name, RankIC, and (with data) the largest |corr| with the other side. */
  readonly factors: { id: number; name: string; rankIc: number; ic: number; maxCorrOther: number | null }[];
}

export interface Comparison {
  readonly split: string;
  readonly window: { start: string; end: string } | null;
  readonly corrThreshold: number;
  readonly sides: [SideSummary, SideSummary];
  /** Canonical expressions (per dialect) present on both sides. */
  readonly shared: string[];
  readonly skipped: { side: string; name: string; reason: string }[];
}

/** Resolve a side spec against the library (or the file system). */
export function resolveSide(lib: FactorLibrary, spec: string, dialect: Dialect): CompareSide {
  const s = spec.trim();
  const fromStored = (f: ReturnType<FactorLibrary["listFactors"]>[number]): CompareMember => ({
    id: f.id,
    name: f.name,
    expression: f.expression,
    dialect: f.dialect,
    canonical: f.canonical,
    status: f.status,
    metrics: f.metrics,
  });
  if (/^ids:/i.test(s)) {
    const ids = parseIds([s.slice(4)]);
    if (ids.length === 0) throw new QuantaError(`compare: "${spec}" names no factor id`);
    return {
      label: s,
      kind: "ids",
      members: ids.map((id) => {
        const f = lib.getFactor(id);
        if (!f) throw new QuantaError(`no factor ${id} in library ${lib.path}`);
        return fromStored(f);
      }),
    };
  }
  if (/^status:/i.test(s)) {
    const st = FactorStatusSchema.safeParse(s.slice(7));
    if (!st.success) throw new QuantaError(`compare: "${spec}": status must be active, retired, watch or rejected`);
    return { label: s, kind: "status", members: lib.listFactors({ status: st.data, sort: "rankIc" }).map(fromStored) };
  }
  if (lib.getCampaign(s)) {
    return { label: s, kind: "campaign", members: lib.listFactors({ campaign: s, sort: "rankIc" }).map(fromStored) };
  }
  if (existsSync(s)) {
    const inputs = prepareImport(readImportFile(s, dialect));
    return {
      label: s,
      kind: "file",
      members: inputs.map((f, k) => ({
        id: k + 1,
        name: f.name,
        expression: f.expression,
        dialect: f.dialect ?? dialect,
        canonical: f.canonical,
        status: f.status ?? "file",
        metrics: f.metrics ?? {},
      })),
    };
  }
  throw new QuantaError(`compare: "${spec}" is not a campaign of ${lib.path}, ids:N,M, status:S, or an existing file`);
}

function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface CompareOptions {
  /** Stored split used without data (default `valid`). */
  readonly split?: string;
  /** Evaluate both sides on this panel and window. */
  readonly panel?: Panel;
  readonly window?: IndexRange;
  readonly evaluator?: FactorEvaluator;
  /** |corr| at or above which a factor counts as covered by the other side (default 0.7). */
  readonly corrThreshold?: number;
}

export async function compareSides(a: CompareSide, b: CompareSide, opts: CompareOptions = {}): Promise<Comparison> {
  const split = opts.split ?? "valid";
  const threshold = opts.corrThreshold ?? 0.7;
  const skipped: Comparison["skipped"] = [];
  let metricsOf: Map<CompareMember, FactorMetrics> = new Map();
  let maxCorr: Map<CompareMember, number> | undefined;
  let window: Comparison["window"] = null;
  if (opts.panel) {
    const panel = opts.panel;
    const w = opts.window ?? { from: 0, to: panel.nDates - 1 };
    window = { start: panel.dates[Math.max(0, w.from)] ?? "", end: panel.dates[Math.min(panel.nDates - 1, w.to)] ?? "" };
    const all = [...a.members, ...b.members];
    const ev = await evaluateStoredFactors(panel, all, opts.evaluator);
    for (const s of ev.skipped) skipped.push({ side: a.members.includes(s.factor) ? a.label : b.label, name: s.factor.name, reason: s.reason });
    const metrics = windowMetrics(
      panel,
      ev.evaluated.map((e) => e.values),
      w,
    );
    metricsOf = new Map(ev.evaluated.map((e, k) => [e.factor, metrics[k]!]));
    const corr = rankCorrelationMatrix(
      panel,
      ev.evaluated.map((e) => e.values),
      w,
    );
    const inA = ev.evaluated.map((e) => a.members.includes(e.factor));
    maxCorr = new Map();
    ev.evaluated.forEach((e, i) => {
      let best = Number.NaN;
      ev.evaluated.forEach((_, j) => {
        if (inA[i] === inA[j]) return;
        const c = Math.abs(corr.values[i * corr.n + j]!);
        if (Number.isFinite(c) && !(c <= best)) best = c;
      });
      maxCorr!.set(e.factor, best);
    });
  } else {
    for (const m of [...a.members, ...b.members]) {
      const x = m.metrics[split];
      if (x) metricsOf.set(m, x);
    }
  }
  const summarise = (side: CompareSide): SideSummary => {
    const byStatus: Record<string, number> = {};
    for (const m of side.members) byStatus[m.status] = (byStatus[m.status] ?? 0) + 1;
    const rows = side.members
      .map((m) => {
        const x = metricsOf.get(m);
        return {
          id: m.id,
          name: m.name,
          rankIc: x?.rankIc ?? Number.NaN,
          ic: x?.ic ?? Number.NaN,
          maxCorrOther: maxCorr ? (maxCorr.get(m) ?? Number.NaN) : null,
        };
      })
      .sort((p, q) => (Number.isNaN(p.rankIc) ? 1 : 0) - (Number.isNaN(q.rankIc) ? 1 : 0) || q.rankIc - p.rankIc || p.id - q.id);
    const ics = rows.map((r) => r.rankIc).filter(Number.isFinite);
    const top = rows[0];
    const covered = maxCorr ? rows.filter((r) => (r.maxCorrOther ?? 0) >= threshold).length : 0;
    return {
      label: side.label,
      kind: side.kind,
      count: side.members.length,
      byStatus,
      metricSource: opts.panel ? "window" : split,
      evaluated: ics.length,
      meanRankIc: ics.length ? ics.reduce((s, x) => s + x, 0) / ics.length : Number.NaN,
      medianRankIc: median(ics),
      bestRankIc: ics.length ? Math.max(...ics) : Number.NaN,
      best: top && Number.isFinite(top.rankIc) ? top.name : null,
      coveredByOther: maxCorr ? (rows.length ? covered / rows.length : Number.NaN) : null,
      factors: rows,
    };
  };
  const keyOf = (m: CompareMember) => `${m.dialect}:${m.canonical}`;
  const bKeys = new Set(b.members.map(keyOf));
  const shared = [...new Set(a.members.map(keyOf).filter((k) => bKeys.has(k)))].map((k) => k.slice(k.indexOf(":") + 1));
  return { split, window, corrThreshold: threshold, sides: [summarise(a), summarise(b)], shared, skipped };
}

function f4(x: number | null): string {
  return x !== null && Number.isFinite(x) ? x.toFixed(4) : "—";
}

/** The comparison as a two-column text table plus the top factors of each side. */
export function formatComparison(c: Comparison, top = 10): string {
  const [A, B] = c.sides;
  const src = A.metricSource === "window" && c.window ? `on ${c.window.start}..${c.window.end}` : `stored ${c.split} metrics`;
  const status = (s: SideSummary) =>
    Object.entries(s.byStatus)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ") || "—";
  const rows: [string, string, string][] = [
    ["", `A: ${A.label} (${A.kind})`, `B: ${B.label} (${B.kind})`],
    ["factors", String(A.count), String(B.count)],
    ["status", status(A), status(B)],
    [`RankIC mean (${src})`, f4(A.meanRankIc), f4(B.meanRankIc)],
    ["RankIC median", f4(A.medianRankIc), f4(B.medianRankIc)],
    ["RankIC best", `${f4(A.bestRankIc)} ${A.best ?? ""}`.trim(), `${f4(B.bestRankIc)} ${B.best ?? ""}`.trim()],
  ];
  if (A.coveredByOther !== null && B.coveredByOther !== null) {
    rows.push([
      `covered by other (|corr| ≥ ${c.corrThreshold})`,
      `${(100 * A.coveredByOther).toFixed(0)}%`,
      `${(100 * B.coveredByOther).toFixed(0)}%`,
    ]);
  }
  rows.push(["shared expressions", String(c.shared.length), String(c.shared.length)]);
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  const lines = rows.map((r) => `${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`.trimEnd());
  const n = Math.min(top, Math.max(A.factors.length, B.factors.length));
  if (n > 0) {
    lines.push("", `top ${n} by RankIC${A.coveredByOther !== null ? " (max |corr| with the other side)" : ""}`);
    const cell = (s: SideSummary, k: number) => {
      const r = s.factors[k];
      if (!r) return "";
      const corr = r.maxCorrOther !== null ? ` (${f4(r.maxCorrOther)})` : "";
      return `${r.name.slice(0, 26)} ${f4(r.rankIc)}${corr}`;
    };
    const cw = Math.max(...Array.from({ length: n }, (_, k) => cell(A, k).length));
    for (let k = 0; k < n; k++) lines.push(`${String(k + 1).padStart(3)}. ${cell(A, k).padEnd(cw)}  |  ${cell(B, k)}`.trimEnd());
  }
  for (const s of c.skipped) lines.push(`skipped ${s.side}: ${s.name}: ${s.reason}`);
  return lines.join("\n") + "\n";
}
