/**
 * A library's factors as a factor set for another market (`quanta backtest --library lib.db
 * --data OTHER_MARKET`, the paper's CSI 300 → S&P 500 check): the expressions as
 * NamedExpression items (what `prepareFactorSet` takes) plus their dialect. The factors are
 * re-evaluated from their expressions on the new data; nothing mined on the old market is reused.
 */
import type { Dialect } from "../../factors/ast.ts";
import { QuantaError } from "../../factors/errors.ts";
import type { NamedExpression } from "../io/exprs-file.ts";
import { FactorLibrary, type FactorStatus, type StoredFactor } from "../library/index.ts";
import { selectFactors, uniqueNames, type FactorSelection } from "./select.ts";

export interface LibraryFactorSetOptions extends Omit<FactorSelection, "status" | "campaign"> {
  /** Default `active`. */
  readonly status?: FactorStatus | readonly FactorStatus[];
  readonly campaign?: string | readonly string[];
  /** Needed only when the selected factors mix dialects: keep only this one. */
  readonly dialect?: Dialect;
}

export interface LibraryFactorSet {
  readonly dialect: Dialect;
  /** Unique names (`name_<id>` on a clash); `line` holds the library factor id, for error messages. */
  readonly items: NamedExpression[];
  /** The stored factors, in the same order as `items`. */
  readonly factors: StoredFactor[];
  /** What to name as the source in messages, e.g. `lib.db (3 active factors)`. */
  readonly source: string;
}

export function loadLibraryFactorSet(libraryPath: string, opts: LibraryFactorSetOptions = {}): LibraryFactorSet {
  const lib = FactorLibrary.open(libraryPath, { readonly: true });
  try {
    const status = opts.status === undefined ? ["active" as const] : typeof opts.status === "string" ? [opts.status] : [...opts.status];
    const campaign = opts.campaign === undefined ? undefined : typeof opts.campaign === "string" ? [opts.campaign] : [...opts.campaign];
    const { status: _s, campaign: _c, dialect: _d, ...rest } = opts;
    let factors = selectFactors(lib, { ...rest, status, ...(campaign ? { campaign } : {}) });
    if (opts.dialect) factors = factors.filter((f) => f.dialect === opts.dialect);
    const what = `${status.join("/")} factors${campaign ? ` of campaign ${campaign.join(", ")}` : ""}${opts.dialect ? ` in the ${opts.dialect} dialect` : ""}`;
    if (factors.length === 0) throw new QuantaError(`library ${libraryPath} has no ${what}`);
    const dialects = [...new Set(factors.map((f) => f.dialect))];
    if (dialects.length > 1) {
      const n = (d: Dialect) => factors.filter((f) => f.dialect === d).length;
      throw new QuantaError(
        `library ${libraryPath}: the selected factors mix dialects (${n("quanta")} quanta, ${n("qlib")} qlib); choose one with --dialect`,
      );
    }
    const names = uniqueNames(factors);
    return {
      dialect: dialects[0]!,
      items: factors.map((f, k) => ({ name: names[k]!, expression: f.expression, line: f.id })),
      factors,
      source: `${libraryPath} (${factors.length} ${what})`,
    };
  } finally {
    lib.close();
  }
}
