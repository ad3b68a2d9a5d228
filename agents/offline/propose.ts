/**
 * Offline planner, hypothesis generator and constructor: directions from the
 * mechanism catalogue, hypotheses from its variants, factors from its
 * templates at windows matching the hypothesis horizon.
 */
import { DEFAULT_FIELDS } from "../roles.ts";
import type { ConstructorInput, HypothesisInput, PlannerInput } from "../roles.ts";
import type { ConstructorOutput, Direction, FactorSpec, Hypothesis, PlannerOutput } from "../schemas.ts";
import {
  bucketOf,
  HORIZON_WINDOWS,
  MECHANISMS,
  resolveMechanism,
  templateById,
  windowsFor,
  type HorizonBucket,
  type Mechanism,
  type Template,
  type Variant,
} from "./catalogue.ts";
import { acceptable } from "./operators.ts";
import { hash32, type Rng } from "./rng.ts";

export function availableFields(fields: readonly string[] | undefined): readonly string[] {
  return fields && fields.length > 0 ? fields : DEFAULT_FIELDS;
}

/** `$return` is derived from `$close`, so it is available whenever `$close` is. */
export function hasField(available: readonly string[], f: string): boolean {
  return available.includes(f) || (f === "$return" && available.includes("$close"));
}

export function usableTemplate(t: Template, available: readonly string[]): boolean {
  return t.fields.every((f) => hasField(available, f));
}

// ---- planner -------------------------------------------------------------------------------------

export function planDirections(input: PlannerInput, rng: Rng): PlannerOutput {
  const available = availableFields(input.fields);
  const avoid = new Set((input.avoid ?? []).map((s) => s.toLowerCase()));
  const mechs = rng.shuffle(MECHANISMS.filter((m) => m.templates.some((t) => usableTemplate(t, available))));
  const firstLong = rng.chance(0.5);
  const all: Direction[] = [];
  // Round 1 alternates horizons across mechanisms; round 2 gives each mechanism the other horizon;
  // later rounds revisit with the next variant as the emphasis.
  for (let round = 0; all.length < input.n + avoid.size + MECHANISMS.length * 2 && round < 6; round++) {
    mechs.forEach((m, i) => {
      const long = ((i + round) % 2 === 0) === firstLong;
      const horizon: HorizonBucket = long ? "long" : "short";
      const variant = m.variants[Math.floor(round / 2) % m.variants.length] as Variant;
      const id = round < 2 ? `${m.id}-${horizon}` : `${m.id}-${horizon}-${variant.id}`;
      if (all.some((d) => d.id === id)) return;
      all.push(direction(m, variant, horizon, id, round >= 2));
    });
  }
  const fresh = all.filter((d) => !avoid.has(d.id.toLowerCase()) && !avoid.has(d.title.toLowerCase()));
  const pool = fresh.length >= input.n ? fresh : all;
  const out: Direction[] = [];
  for (let i = 0; out.length < input.n; i++) out.push(renumber(pool[i % pool.length] as Direction, Math.floor(i / pool.length)));
  return { directions: out };
}

function direction(m: Mechanism, v: Variant, horizon: HorizonBucket, id: string, emphasis: boolean): Direction {
  const span = horizon === "short" ? "short horizon (3–10 days)" : "long horizon (20–60 days)";
  return {
    id,
    title: `${m.title}, ${span}${emphasis ? `, ${v.id}` : ""}`,
    mechanism: m.id,
    horizon,
    data: m.data,
    rationale: `${m.rationale}; ${v.rationale}.`,
  };
}

function renumber(d: Direction, k: number): Direction {
  return k === 0 ? d : { ...d, id: `${d.id}-${k + 1}` };
}

// ---- hypothesis ----------------------------------------------------------------------------------

export function mechanismOf(text: string): { mechanism: Mechanism; variant: Variant | undefined } {
  return resolveMechanism(text, hash32(text));
}

export function hypothesisFor(
  m: Mechanism,
  v: Variant,
  horizonDays: number,
  available: readonly string[],
): Hypothesis {
  const fields = v.fields.filter((f) => hasField(available, f));
  return {
    hypothesis: v.statement(horizonDays),
    rationale: `${m.rationale}; ${v.rationale}.`,
    mechanism: `${m.id}:${v.id}`,
    fields: fields.length > 0 ? fields : ["$close"],
    horizonDays,
  };
}

export function generateHypothesis(input: HypothesisInput, rng: Rng): Hypothesis {
  const available = availableFields(input.fields);
  const d = input.direction;
  const { mechanism, variant } = mechanismOf(`${d.mechanism} ${d.id} ${d.title}`.trim());
  const history = (input.history ?? []).join("\n");
  // Prefer a variant this line of search has not stated yet.
  const fresh = mechanism.variants.filter((v) => !history.includes(v.statement(1).slice(0, 24)) && !history.includes(`${mechanism.id}:${v.id}`));
  const chosen = variant && !history.includes(`${mechanism.id}:${variant.id}`) ? variant : rng.pick(fresh.length > 0 ? fresh : mechanism.variants);
  const horizonDays = rng.pick(HORIZON_WINDOWS[d.horizon]);
  return hypothesisFor(mechanism, chosen, horizonDays, available);
}

// ---- constructor ---------------------------------------------------------------------------------

/** Templates for a hypothesis, best first: the variant's own, then the mechanism's others (shuffled). */
export function templatesFor(m: Mechanism, v: Variant | undefined, available: readonly string[], rng: Rng): Template[] {
  const own = (v?.templates ?? []).map((id) => templateById(id)).filter((t): t is Template => t !== undefined);
  const head = own.length > 0 ? [own[0] as Template, ...rng.shuffle(own.slice(1))] : [];
  const rest = rng.shuffle(m.templates.filter((t) => !head.includes(t)));
  return [...head, ...rest].filter((t) => usableTemplate(t, available));
}

export function factorFrom(t: Template, horizonDays: number): FactorSpec | undefined {
  const win = windowsFor(Math.max(horizonDays, t.minW ?? 1));
  const text = acceptable(t.build(win));
  if (!text) return undefined;
  return { name: `${t.id}_${win.w}`, description: t.description(win), formulation: t.formulation(win), expression: text };
}

export function buildFactors(
  h: Pick<Hypothesis, "mechanism" | "horizonDays" | "hypothesis">,
  n: number,
  available: readonly string[],
  rng: Rng,
  avoid: readonly string[] = [],
): FactorSpec[] {
  const { mechanism, variant } = mechanismOf(h.mechanism || h.hypothesis);
  const avoidSet = new Set(avoid);
  const out: FactorSpec[] = [];
  const want = Math.max(1, Math.min(3, n));
  const candidates = templatesFor(mechanism, variant, available, rng);
  // Second pass at a neighbouring horizon when the library already holds the first choices.
  for (const days of [h.horizonDays, h.horizonDays * 2, Math.max(2, Math.round(h.horizonDays / 2))]) {
    for (const t of candidates) {
      if (out.length >= want) break;
      const f = factorFrom(t, days);
      if (!f || avoidSet.has(f.expression) || out.some((o) => o.expression === f.expression)) continue;
      out.push(out.some((o) => o.name === f.name) ? { ...f, name: `${f.name}_${out.length + 1}` } : f);
    }
  }
  if (out.length === 0) {
    // Everything is in the library already: fall back to any mechanism's first usable template.
    for (const m of MECHANISMS) {
      const t = m.templates.find((x) => usableTemplate(x, available));
      const f = t ? factorFrom(t, h.horizonDays) : undefined;
      if (f) {
        out.push(f);
        break;
      }
    }
  }
  return out;
}

export function constructFactors(input: ConstructorInput, rng: Rng): ConstructorOutput {
  const available = availableFields(input.fields);
  return { factors: buildFactors(input.hypothesis, input.n, available, rng, input.avoid ?? []) };
}

export { bucketOf };
