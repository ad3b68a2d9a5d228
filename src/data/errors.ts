import { QuantaError } from "../../factors/errors.ts";

/** Where in a source file something went wrong (1-based line and column). */
export interface DataLocation {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  /** The header column (field) involved, when there is one. */
  readonly field?: string;
  /** How `line` is named in the message: "line" (text files, default) or "row" (Parquet data rows). */
  readonly unit?: "line" | "row";
}

/**
 * Bad input data: missing/empty file, wrong header, unparseable value,
 * duplicate row, ragged row, or (in strict mode) an implausible value.
 * The message starts with `file: line L, col C:` so a user can jump to it.
 */
export class DataError extends QuantaError {
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly field: string | undefined;
  constructor(where: DataLocation, what: string) {
    super(`${formatLocation(where)}: ${what}`);
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.field = where.field;
  }
}

function formatLocation(w: DataLocation): string {
  let s = w.file;
  if (w.line !== undefined) s += `: ${w.unit ?? "line"} ${w.line}`;
  if (w.column !== undefined) s += `${w.line !== undefined ? "," : ":"} col ${w.column}`;
  return s;
}

/** Kinds of implausible-but-loaded values (real-world bad ticks). */
export type ImplausibleKind = "high<low" | "negative volume" | "non-positive price";

/**
 * A non-fatal finding. Implausible rows are loaded as they are and counted here;
 * `strict` loading turns them into a DataError instead.
 */
export interface DataWarning {
  readonly kind: ImplausibleKind | "membership without data";
  readonly file: string;
  /** How many rows (or intervals) are affected. */
  readonly count: number;
  /** 1-based source lines (CSV) or rows (Parquet) of the first few cases; empty when the source has no lines. */
  readonly firstLines: readonly number[];
  /** Human-readable first few cases, e.g. `AOS 2014-05-19: high 23.595 < low 23.85`. */
  readonly examples: readonly string[];
  /** One-line summary for logs. */
  readonly message: string;
}

/** How many cases a warning names. */
export const WARNING_EXAMPLES = 5;
