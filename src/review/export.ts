/**
 * Exporting library factors: JSON (every stored field, re-importable), a TSV of expressions in
 * their own dialect (what `quanta eval --exprs` reads), or a qlib-dialect TSV — the factors whose
 * quanta expression translates exactly into qlib's operators (qlib factors as they are), so they
 * can be used in qlib. Factors without an exact translation are listed, not silently lost.
 */
import { QuantaError } from "../../factors/errors.ts";
import type { Dialect } from "../../factors/ast.ts";
import type { StoredFactor } from "../library/index.ts";
import { qlibTranslation } from "./detail.ts";
import { jsonSafe } from "./format.ts";
import { uniqueNames } from "./select.ts";

export const EXPORT_FORMATS = ["json", "tsv", "qlib"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportResult {
  readonly text: string;
  /** Factors written. */
  readonly count: number;
  /** Factors left out, with why (qlib format: no exact translation). */
  readonly omitted: { id: number; name: string; reason: string }[];
}

/** The JSON record of one factor (the shape `library import` reads back). */
export function factorRecord(f: StoredFactor) {
  const q = qlibTranslation(f);
  return {
    id: f.id,
    name: f.name,
    expression: f.expression,
    dialect: f.dialect,
    canonical: f.canonical,
    qlib: q.expression,
    qlibExact: q.exact,
    qlibNote: q.note,
    status: f.status,
    statusReason: f.statusReason,
    source: f.source,
    campaign: f.campaignId,
    trajectory: f.trajectoryId,
    round: f.createdRound,
    hypothesis: f.hypothesis,
    description: f.description,
    formulation: f.formulation,
    metrics: f.metrics,
    gates: f.gates,
    repairs: f.repairs,
    createdAt: f.createdAt,
    updatedAt: f.updatedAt,
  };
}

function tsvLine(name: string, expression: string): string {
  // Expressions never contain tabs or newlines once printed; hypotheses are not written to TSV.
  return `${name}\t${expression.replace(/\s+/g, " ")}`;
}

export function exportFactors(factors: readonly StoredFactor[], format: ExportFormat, opts: { source?: string } = {}): ExportResult {
  const from = opts.source ? ` from ${opts.source}` : "";
  switch (format) {
    case "json":
      return { text: JSON.stringify(jsonSafe(factors.map(factorRecord)), null, 1) + "\n", count: factors.length, omitted: [] };
    case "tsv": {
      const dialects = [...new Set(factors.map((f) => f.dialect))];
      if (dialects.length > 1) {
        throw new QuantaError(
          "the selected factors mix the quanta and qlib dialects, and a TSV holds one: add --dialect quanta or --dialect qlib (or use --format qlib / json)",
        );
      }
      const dialect: Dialect = dialects[0] ?? "quanta";
      const names = uniqueNames(factors);
      const lines = [`# ${factors.length} factors${from}, dialect ${dialect} (use --dialect ${dialect} to evaluate)`];
      factors.forEach((f, k) => lines.push(tsvLine(names[k]!, f.expression)));
      return { text: lines.join("\n") + "\n", count: factors.length, omitted: [] };
    }
    case "qlib": {
      const names = uniqueNames(factors);
      const lines: string[] = [];
      const omitted: ExportResult["omitted"] = [];
      let count = 0;
      factors.forEach((f, k) => {
        const q = qlibTranslation(f);
        if (q.expression === null) {
          omitted.push({ id: f.id, name: f.name, reason: q.note ?? "no qlib translation" });
          return;
        }
        if (!q.exact) lines.push(`# ${names[k]}: ${q.note}`);
        lines.push(tsvLine(names[k]!, q.expression));
        count++;
      });
      const head = [`# ${count} factors${from} in the qlib dialect (qlib operator names and semantics)`];
      if (omitted.length) head.push(`# ${omitted.length} left out (no qlib translation): ${omitted.map((o) => `${o.name}#${o.id}`).join(", ")}`);
      return { text: [...head, ...lines].join("\n") + "\n", count, omitted };
    }
  }
}
