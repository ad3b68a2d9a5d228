/**
 * Plain-text renderings for the review commands (tables of factors, one factor's detail, a
 * correlation matrix). JSON output goes through `jsonSafe`, which writes NaN as null.
 */
import type { FactorMetrics } from "../evolution/types.ts";
import type { StoredFactor } from "../library/index.ts";
import type { FactorDetail } from "./detail.ts";

/** A value with every non-finite number replaced by null (JSON has no NaN). */
export function jsonSafe(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v))) as unknown;
}

export function fmt(x: number | undefined | null, digits = 4): string {
  return typeof x === "number" && Number.isFinite(x) ? x.toFixed(digits) : "—";
}

function cut(s: string, n: number): string {
  const one = s.replace(/\s+/g, " ");
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

function table(header: string[], rows: string[][], rightAlign: ReadonlySet<number>): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((s, c) => (rightAlign.has(c) ? s.padStart(widths[c]!) : c === cells.length - 1 ? s : s.padEnd(widths[c]!)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}

/** One row per factor: id, name, status, the split's four IC numbers, campaign, expression. */
export function formatFactorTable(factors: readonly StoredFactor[], split: string): string {
  if (factors.length === 0) return "no factors match\n";
  const header = ["id", "name", "status", `${split}.rankIc`, "rankIcir", "ic", "icir", "campaign", "expression"];
  const rows = factors.map((f) => {
    const m: Partial<FactorMetrics> = f.metrics[split] ?? {};
    return [
      String(f.id),
      cut(f.name, 28),
      f.status,
      fmt(m.rankIc),
      fmt(m.rankIcir, 3),
      fmt(m.ic),
      fmt(m.icir, 3),
      f.campaignId ?? `(${f.source})`,
      cut(f.expression, 70),
    ];
  });
  return table(header, rows, new Set([0, 3, 4, 5, 6]));
}

/** Metrics of every split a factor has, one line each. */
export function formatMetrics(metrics: Readonly<Record<string, FactorMetrics>>): string[] {
  const keys = Object.keys(metrics);
  if (keys.length === 0) return ["  (none)"];
  return keys.map((k) => {
    const m = metrics[k]!;
    const extra = Object.entries(m)
      .filter(([key]) => !["ic", "icir", "rankIc", "rankIcir"].includes(key))
      .map(([key, v]) => `${key} ${Number.isInteger(v) ? String(v) : fmt(v)}`);
    return `  ${k.padEnd(8)} IC ${fmt(m.ic)}  ICIR ${fmt(m.icir, 3)}  RankIC ${fmt(m.rankIc)}  RankICIR ${fmt(m.rankIcir, 3)}${extra.length ? `  (${extra.join(", ")})` : ""}`;
  });
}

export function formatDetail(d: FactorDetail): string {
  const f = d.factor;
  const out: string[] = [
    `factor ${f.id}: ${f.name}  [${f.status}${f.statusReason ? `: ${f.statusReason}` : ""}]`,
    `source       ${f.source}${f.campaignId ? `, campaign ${f.campaignId}` : ""}${f.trajectoryId ? `, trajectory ${f.trajectoryId}` : ""}${f.createdRound !== null ? `, round ${f.createdRound}` : ""}`,
    `expression   ${f.expression}  (${f.dialect})`,
    `canonical    ${f.canonical}`,
    d.qlib.expression === null
      ? `qlib         (none: ${d.qlib.note ?? "no translation"})`
      : `qlib         ${d.qlib.expression}${d.qlib.note ? `\n             (${d.qlib.note})` : ""}`,
  ];
  if (f.hypothesis) out.push(`hypothesis   ${f.hypothesis}`);
  if (d.trajectory?.rationale) out.push(`rationale    ${d.trajectory.rationale}`);
  if (f.description) out.push(`description  ${f.description}`);
  if (f.formulation) out.push(`formulation  ${f.formulation}`);
  out.push("metrics", ...formatMetrics(f.metrics));
  if (f.gates.length) {
    out.push("gates");
    for (const g of f.gates) {
      const details = Object.entries(g.details)
        .map(([k, v]) => `${k}=${typeof v === "number" ? (Number.isInteger(v) ? v : fmt(v)) : String(v)}`)
        .join(" ");
      out.push(`  ${g.passed ? "pass" : "FAIL"} ${g.gate.padEnd(12)}${g.message ? ` ${g.message}` : ""}${details ? ` (${details})` : ""}`);
    }
  }
  if (f.repairs.length) {
    out.push("repairs");
    for (const r of f.repairs) out.push(`  #${r.attempt} after ${r.gate}: ${r.error}\n     ${r.before}\n  →  ${r.after}`);
  }
  if (d.trajectory) {
    const t = d.trajectory;
    out.push(`trajectory   ${t.id} (${t.phase}, round ${t.round}, direction "${t.direction}", reward ${fmt(t.reward)})`);
    if (t.feedback) out.push(`feedback     [blames ${t.feedback.blamedStep}] ${t.feedback.text}`);
  }
  if (d.parents.length) {
    out.push("parents");
    for (const p of d.parents) out.push(`  ${p.id} (${p.phase}, round ${p.round}, reward ${fmt(p.reward)}) — ${cut(p.hypothesis, 90)}`);
  }
  if (d.events.length) {
    out.push("history");
    for (const e of d.events) out.push(`  ${e.createdAt}  ${e.kind}${e.retrainRunId !== null ? ` (retrain #${e.retrainRunId})` : ""}  ${describeEvent(e.kind, e.detail)}`);
  }
  return out.join("\n") + "\n";
}

function describeEvent(kind: string, detail: unknown): string {
  const d = (detail ?? {}) as Record<string, unknown>;
  if (kind === "status") return `${String(d["from"])} → ${String(d["to"])}${d["reason"] ? `: ${String(d["reason"])}` : ""}`;
  const after = d["after"] as Partial<FactorMetrics> | undefined;
  return `${String(d["split"])}: RankIC ${fmt(after?.rankIc)}, IC ${fmt(after?.ic)}`;
}

/** A correlation matrix with short column labels (row labels are the names). */
export function formatMatrix(names: readonly string[], rows: readonly (readonly number[])[]): string {
  const w = Math.max(4, ...names.map((n) => n.length));
  const head = `${"".padEnd(w)} ${names.map((_, j) => `[${j + 1}]`.padStart(7)).join("")}`;
  const lines = names.map(
    (n, i) => `${n.padEnd(w)} ${rows[i]!.map((v) => (Number.isFinite(v) ? v.toFixed(3) : "—").padStart(7)).join("")}  [${i + 1}]`,
  );
  return [head, ...lines].join("\n") + "\n";
}
