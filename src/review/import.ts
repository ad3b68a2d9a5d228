/**
 * Importing expressions into the library (the zoo): a TSV of `name<TAB>expression` lines or a JSON
 * array of factor records (the shape `library export --format json` writes). Every expression is
 * parsed and validated in its dialect before anything is written; the first bad one is an error
 * naming the file and the line (TSV) or entry (JSON), and nothing is imported.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import type { Dialect } from "../../factors/ast.ts";
import { QuantaError } from "../../factors/errors.ts";
import { parseExpr } from "../../factors/parser.ts";
import { printExpr } from "../../factors/printer.ts";
import { DialectSchema, FactorMetricsSchema, SplitNameSchema, type FactorMetrics } from "../evolution/types.ts";
import { parseExpressionsTsv } from "../io/exprs-file.ts";
import { FactorStatusSchema, type FactorStatus, type ImportFactorInput } from "../library/index.ts";

export interface ImportItem {
  readonly name: string;
  readonly expression: string;
  readonly dialect: Dialect;
  readonly hypothesis?: string;
  readonly description?: string;
  readonly formulation?: string;
  readonly metrics?: Record<string, FactorMetrics>;
  readonly status?: FactorStatus;
  /** Where it came from, for messages: `file:line` or `file[index]`. */
  readonly where: string;
}

const JsonRecordSchema = z.object({
  name: z.string().min(1),
  expression: z.string().min(1),
  dialect: DialectSchema.optional(),
  hypothesis: z.string().optional(),
  description: z.string().optional(),
  formulation: z.string().optional(),
  metrics: z.record(SplitNameSchema, FactorMetricsSchema).optional(),
  status: FactorStatusSchema.optional(),
});
const JsonFileSchema = z.union([z.array(z.unknown()), z.object({ factors: z.array(z.unknown()) }).transform((o) => o.factors)]);

/** Read a TSV or JSON file of expressions (JSON when the name ends in .json or the text starts with [ or {). */
export function readImportFile(path: string, dialect: Dialect): ImportItem[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new QuantaError(code === "ENOENT" ? `${path}: no such file` : `${path}: cannot read (${code ?? String(err)})`);
  }
  const json = /\.json$/i.test(path) || /^\s*[[{]/.test(text);
  return json ? parseImportJson(text, path, dialect) : parseImportTsv(text, path, dialect);
}

export function parseImportTsv(text: string, source: string, dialect: Dialect): ImportItem[] {
  return parseExpressionsTsv(text, source).map((e) => ({ name: e.name, expression: e.expression, dialect, where: `${source}:${e.line}` }));
}

export function parseImportJson(text: string, source: string, dialect: Dialect): ImportItem[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text) as unknown;
  } catch (err) {
    throw new QuantaError(`${source}: not valid JSON (${(err as Error).message})`);
  }
  const file = JsonFileSchema.safeParse(raw);
  if (!file.success) throw new QuantaError(`${source}: expected a JSON array of factors (or {"factors": [...]})`);
  if (file.data.length === 0) throw new QuantaError(`${source}: no factors`);
  return file.data.map((entry, k) => {
    const r = JsonRecordSchema.safeParse(entry);
    if (!r.success) throw new QuantaError(`${source}[${k}]: ${z.prettifyError(r.error).replace(/\n/g, "; ")}`);
    const { dialect: d, ...rest } = r.data;
    return { ...rest, dialect: d ?? dialect, where: `${source}[${k}]` };
  });
}

/** Parse and validate every item; the canonical form is what the library deduplicates on. */
export function prepareImport(items: readonly ImportItem[]): ImportFactorInput[] {
  return items.map((it) => {
    let canonical: string;
    try {
      canonical = printExpr(parseExpr(it.expression, it.dialect));
    } catch (err) {
      if (err instanceof QuantaError) throw new QuantaError(`${it.where}: factor ${it.name}: ${err.message}`);
      throw err;
    }
    return {
      name: it.name,
      expression: it.expression,
      dialect: it.dialect,
      canonical,
      ...(it.hypothesis !== undefined ? { hypothesis: it.hypothesis } : {}),
      ...(it.description !== undefined ? { description: it.description } : {}),
      ...(it.formulation !== undefined ? { formulation: it.formulation } : {}),
      ...(it.metrics !== undefined ? { metrics: it.metrics } : {}),
      ...(it.status !== undefined ? { status: it.status } : {}),
    };
  });
}
