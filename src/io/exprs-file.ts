/**
 * Reading factor sets: a TSV of `name<TAB>expression` lines (blank lines and `#` comments skipped).
 * Errors name the file and line; expressions are parsed later, by the factor language only.
 */
import { readFileSync } from "node:fs";
import { QuantaError } from "../../factors/errors.ts";

export interface NamedExpression {
  readonly name: string;
  readonly expression: string;
  /** 1-based line in the source file, for error messages. */
  readonly line: number;
  /** 1-based column where the expression starts on that line (so a parse error can point into the file). */
  readonly column?: number;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function readExpressionsTsv(path: string): NamedExpression[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new QuantaError(code === "ENOENT" ? `${path}: no such file` : `${path}: cannot read (${code ?? String(err)})`);
  }
  return parseExpressionsTsv(text, path);
}

export function parseExpressionsTsv(text: string, source: string): NamedExpression[] {
  const out: NamedExpression[] = [];
  const seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, idx) => {
    const line = idx + 1;
    if (raw.trim() === "" || raw.trimStart().startsWith("#")) return;
    const tab = raw.indexOf("\t");
    if (tab < 0) throw new QuantaError(`${source}:${line}: expected name<TAB>expression, found no tab`);
    const name = raw.slice(0, tab).trim();
    const rest = raw.slice(tab + 1);
    const expression = rest.trim();
    const column = tab + 2 + (rest.length - rest.trimStart().length);
    if (!NAME_RE.test(name)) throw new QuantaError(`${source}:${line}: bad factor name ${JSON.stringify(name)}`);
    if (seen.has(name)) throw new QuantaError(`${source}:${line}: duplicate factor name ${JSON.stringify(name)}`);
    if (expression === "") throw new QuantaError(`${source}:${line}: empty expression for ${name}`);
    seen.add(name);
    out.push({ name, expression, line, column });
  });
  if (out.length === 0) throw new QuantaError(`${source}: no expressions`);
  return out;
}
