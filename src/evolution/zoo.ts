/**
 * The redundancy zoo of a campaign: Alpha158 (qlib's public factor set, factors/zoo/alpha158.tsv)
 * plus every factor accepted so far. It persists across the whole campaign (the reference code
 * rebuilt it empty for every trajectory — DESIGN §8). Structural redundancy is the largest common
 * subtree against the whole zoo; value correlation is against accepted factors only.
 *
 * Rounds read the zoo as it was when they started; acceptances are applied at the end of a round
 * in slot order, so a trajectory's gates never depend on how fast its siblings ran.
 */
import { readFileSync } from "node:fs";
import type { Dialect, Expr } from "../../factors/ast.ts";
import { parseExpr } from "../../factors/parser.ts";
import { SubtreeIndex, type Overlap } from "../../factors/redundancy.ts";
import type { CorrelationStore, CorrelationHit } from "./correlation.ts";

export interface ZooEntry {
  readonly name: string;
  readonly expression: string;
  readonly dialect: Dialect;
}

const ALPHA158_URL = new URL("../../factors/zoo/alpha158.tsv", import.meta.url);

let alpha158Cache: readonly ZooEntry[] | undefined;

/** Alpha158 as `name<TAB>expression` lines in the qlib dialect. */
export function alpha158(): readonly ZooEntry[] {
  if (!alpha158Cache) {
    alpha158Cache = readFileSync(ALPHA158_URL, "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"))
      .map((l) => {
        const [name, expression] = l.split("\t");
        if (!name || !expression) throw new Error(`alpha158.tsv: bad line "${l}"`);
        return { name: `alpha158:${name}`, expression, dialect: "qlib" as const };
      });
  }
  return alpha158Cache;
}

export interface AcceptedFactor {
  readonly name: string;
  readonly canonical: string;
  readonly expr: Expr;
  /** Values on the mining panel (only the correlation window is kept). */
  readonly values: Float64Array;
  /** |RankIC| on mining-valid: a correlated candidate must beat it to be accepted as an improvement. */
  readonly score: number;
}

export class FactorZoo {
  private readonly index = new SubtreeIndex();
  private readonly canonicals = new Map<string, string>();
  private readonly acceptedNames: string[] = [];
  private readonly scores = new Map<string, number>();

  constructor(readonly correlations: CorrelationStore) {}

  /** Adds reference expressions (Alpha158, earlier campaigns' factors) to the structural index only. */
  addReference(entries: readonly ZooEntry[]): void {
    for (const e of entries) {
      let expr: Expr;
      try {
        expr = parseExpr(e.expression, e.dialect);
      } catch {
        continue; // a stored expression this build cannot parse cannot match anything either
      }
      this.index.add(expr, e.name);
    }
  }

  /** Adds an accepted factor: structure, canonical text and values. */
  accept(f: AcceptedFactor): void {
    if (this.add(f)) this.acceptedNames.push(f.name);
  }

  /** Adds a library factor a seeded campaign starts from: checked like an accepted one, not counted as mined. */
  addSurvivor(f: AcceptedFactor): void {
    this.add(f);
  }

  private add(f: AcceptedFactor): boolean {
    if (this.canonicals.has(f.canonical)) return false;
    this.index.add(f.expr, f.name);
    this.canonicals.set(f.canonical, f.name);
    this.scores.set(f.canonical, f.score);
    this.correlations.add(f.canonical, f.name, f.values);
    return true;
  }

  get acceptedCount(): number {
    return this.acceptedNames.length;
  }

  /** The name of the accepted factor with this canonical expression, if any. */
  duplicateOf(canonical: string): string | undefined {
    return this.canonicals.get(canonical);
  }

  overlap(expr: Expr): Overlap {
    return this.index.maxOverlap(expr);
  }

  mostCorrelated(values: Float64Array): CorrelationHit {
    return this.correlations.mostCorrelated(values);
  }

  /** Accepted factors whose |correlation| with `values` is at least `threshold` (most correlated first), with their scores. */
  correlatedWith(key: string, values: Float64Array, threshold: number): { hits: (CorrelationHit & { score: number })[]; most: CorrelationHit } {
    const { hits, most } = this.correlations.correlatedProfile(this.correlations.profileFor(key, values), threshold);
    return { hits: hits.map((h) => ({ ...h, score: this.scores.get(h.key) ?? 0 })), most };
  }
}
