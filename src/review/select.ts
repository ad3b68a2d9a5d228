/**
 * Choosing factors from a library: the filters `quanta library list` (and corr, export, report,
 * the API) share — campaign, status, source, metric thresholds on one split, sort, limit, or an
 * explicit list of ids.
 */
import { QuantaError } from "../../factors/errors.ts";
import type { FactorLibrary, FactorQuery, FactorSortKey, FactorStatus, StoredFactor } from "../library/index.ts";

export interface FactorSelection {
  /** Explicit factor ids, in this order (the other filters still apply). */
  readonly ids?: readonly number[];
  readonly campaign?: readonly string[];
  readonly status?: readonly FactorStatus[];
  readonly source?: "mined" | "import";
  /** Split whose metrics the thresholds and metric sorts read (default `valid`). */
  readonly split?: string;
  readonly minRankIc?: number;
  readonly minIc?: number;
  readonly minRankIcir?: number;
  readonly minIcir?: number;
  readonly sort?: FactorSortKey;
  readonly order?: "asc" | "desc";
  readonly limit?: number;
}

/** The factors a selection names. Unknown ids and campaigns are user errors, not empty results. */
export function selectFactors(lib: FactorLibrary, sel: FactorSelection = {}): StoredFactor[] {
  for (const c of sel.campaign ?? []) {
    if (!lib.getCampaign(c)) throw new QuantaError(`no campaign ${c} in library ${lib.path}`);
  }
  const q: FactorQuery = {
    ...(sel.campaign && sel.campaign.length > 0 ? { campaign: sel.campaign } : {}),
    ...(sel.status && sel.status.length > 0 ? { status: sel.status } : {}),
    ...(sel.source ? { source: sel.source } : {}),
    ...(sel.split ? { split: sel.split } : {}),
    ...(sel.minRankIc !== undefined ? { minRankIc: sel.minRankIc } : {}),
    ...(sel.minIc !== undefined ? { minIc: sel.minIc } : {}),
    ...(sel.minRankIcir !== undefined ? { minRankIcir: sel.minRankIcir } : {}),
    ...(sel.minIcir !== undefined ? { minIcir: sel.minIcir } : {}),
    ...(sel.sort ? { sort: sel.sort } : {}),
    ...(sel.order ? { order: sel.order } : {}),
  };
  if (sel.ids && sel.ids.length > 0) {
    const matching = new Set(lib.listFactors(q).map((f) => f.id));
    const out: StoredFactor[] = [];
    for (const id of sel.ids) {
      const f = lib.getFactor(id);
      if (!f) throw new QuantaError(`no factor ${id} in library ${lib.path}`);
      if (matching.has(id)) out.push(f);
    }
    return sel.limit !== undefined ? out.slice(0, sel.limit) : out;
  }
  return lib.listFactors({ ...q, ...(sel.limit !== undefined ? { limit: sel.limit } : {}) });
}

/** Parse `1,2,5` (or repeated flags) into factor ids. */
export function parseIds(parts: readonly (string | number)[]): number[] {
  const ids: number[] = [];
  for (const p of parts) {
    for (const s of String(p).split(",")) {
      const t = s.trim();
      if (t === "") continue;
      if (!/^\d+$/.test(t)) throw new QuantaError(`bad factor id "${t}" (expected a positive integer)`);
      ids.push(Number(t));
    }
  }
  return ids;
}

/**
 * Names that are unique within a set and safe as TSV / column names: a name seen before (two
 * campaigns may both mine `MOM_5`) gets `_<id>` appended, and characters outside `[A-Za-z0-9_.-]`
 * become `_`.
 */
export function uniqueNames(factors: readonly Pick<StoredFactor, "id" | "name">[], reserved: readonly string[] = []): string[] {
  const seen = new Set(reserved);
  return factors.map((f) => {
    let name = f.name.replace(/[^A-Za-z0-9_.-]/g, "_");
    if (!/^[A-Za-z_]/.test(name)) name = `F_${name}`;
    const base = name;
    if (seen.has(name)) name = `${base}_${f.id}`;
    for (let k = 2; seen.has(name); k++) name = `${base}_${f.id}_${k}`;
    seen.add(name);
    return name;
  });
}
