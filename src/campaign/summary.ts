/**
 * What `quanta mine` reports at the end: one JSON object (`--json`) or a short text summary. The
 * JSON shape is a contract (scripts and the judge read it): numbers that cannot be computed are
 * `null`, never missing keys.
 */
import type { FinalResult, RangeResult } from "./final.ts";

export interface RangeSummary {
  readonly ic: number | null;
  readonly icir: number | null;
  readonly rankIc: number | null;
  readonly rankIcir: number | null;
  /** Annualised excess return with cost (TopK-Dropout vs benchmark). */
  readonly arr: number | null;
  readonly ir: number | null;
  readonly mdd: number | null;
  /** The same without cost. */
  readonly arrNoCost: number | null;
  readonly turnover: number | null;
}

export interface MineSummary {
  readonly campaign: string;
  readonly name: string;
  readonly status: "finished" | "interrupted";
  readonly stopReason?: string;
  readonly library: string;
  readonly runDir: string;
  readonly report: string | null;
  readonly trajectories: number;
  readonly rounds: number;
  readonly factors: { readonly mined: number; readonly accepted: number; readonly rejected: number; readonly redundant: number };
  readonly topFactors: readonly { readonly name: string; readonly expression: string; readonly trainRankIc: number | null; readonly validRankIc: number | null }[];
  readonly finalPool: {
    readonly size: number;
    readonly model: string;
    readonly notes: readonly string[];
    readonly factors: readonly { readonly name: string; readonly expression: string; readonly validRankIc: number | null }[];
    readonly train: RangeSummary;
    readonly valid: RangeSummary;
    readonly test: RangeSummary;
  };
  /** `calls` counts every call; `cached` of them were answered from the reply cache (no tokens, no cost). */
  readonly llm: {
    readonly calls: number;
    readonly failures: number;
    readonly cached: number;
    readonly tokensIn: number;
    readonly tokensOut: number;
    readonly costUsd: number;
  };
  readonly oracle?: { readonly valid: { readonly rankIc: number | null }; readonly test: { readonly rankIc: number | null } };
  readonly elapsedSeconds: number;
}

export function finite(x: number | undefined | null): number | null {
  return typeof x === "number" && Number.isFinite(x) ? x : null;
}

const EMPTY_RANGE: RangeSummary = { ic: null, icir: null, rankIc: null, rankIcir: null, arr: null, ir: null, mdd: null, arrNoCost: null, turnover: null };

export function rangeSummary(r: RangeResult | undefined): RangeSummary {
  if (!r) return EMPTY_RANGE;
  const c = r.summary.excessWithCost;
  return {
    ic: finite(r.ic.ic),
    icir: finite(r.ic.icir),
    rankIc: finite(r.ic.rankIc),
    rankIcir: finite(r.ic.rankIcir),
    arr: finite(c.arr),
    ir: finite(c.ir),
    mdd: finite(c.mdd),
    arrNoCost: finite(r.summary.excess.arr),
    turnover: finite(r.summary.turnover),
  };
}

export function finalPoolSummary(f: FinalResult | undefined): MineSummary["finalPool"] {
  const byName = (n: string) => f?.ranges.find((r) => r.name === n);
  return {
    size: f?.pool.length ?? 0,
    model: f?.model ?? "none",
    notes: f?.notes ?? [],
    factors: (f?.pool ?? []).map((p) => ({ name: p.name, expression: p.expression, validRankIc: finite(p.validRankIc) })),
    train: rangeSummary(byName("train")),
    valid: rangeSummary(byName("valid")),
    test: rangeSummary(byName("test")),
  };
}

const fmt = (x: number | null, digits = 4): string => (x === null ? "n/a" : x.toFixed(digits));
const pct = (x: number | null): string => (x === null ? "n/a" : `${(100 * x).toFixed(2)}%`);

/** The human-readable summary (stdout). */
export function formatSummary(s: MineSummary): string {
  const out: string[] = [];
  const f = s.factors;
  out.push(
    `campaign ${s.campaign} (${s.name}) ${s.status}${s.stopReason ? ` — ${s.stopReason}` : ""}: ${s.trajectories} trajectories in ${s.rounds} rounds, ` +
      `${f.mined} factors mined (${f.accepted} accepted, ${f.rejected} rejected incl. ${f.redundant} redundant) in ${s.elapsedSeconds.toFixed(0)} s`,
  );
  if (s.topFactors.length > 0) {
    out.push("", "top factors by mining-valid RankIC:");
    const w = Math.min(28, Math.max(...s.topFactors.map((t) => t.name.length)));
    s.topFactors.forEach((t, k) =>
      out.push(`  ${String(k + 1).padStart(2)}. ${t.name.slice(0, w).padEnd(w)}  valid ${fmt(t.validRankIc)}  train ${fmt(t.trainRankIc)}  ${t.expression}`),
    );
  }
  const p = s.finalPool;
  out.push("", `final pool: ${p.size} factor${p.size === 1 ? "" : "s"}, model ${p.model}`);
  for (const n of p.notes) out.push(`  note: ${n}`);
  if (p.size > 0) {
    out.push("  range        IC     ICIR   RankIC  RankICIR      ARR      IR      MDD");
    for (const [name, r] of [["train", p.train], ["valid", p.valid], ["test", p.test]] as const) {
      out.push(
        `  ${name.padEnd(6)} ${fmt(r.ic).padStart(8)} ${fmt(r.icir, 3).padStart(8)} ${fmt(r.rankIc).padStart(8)} ${fmt(r.rankIcir, 3).padStart(9)} ` +
          `${pct(r.arr).padStart(8)} ${fmt(r.ir, 2).padStart(7)} ${pct(r.mdd).padStart(8)}`,
      );
    }
    out.push("  (ARR, IR, MDD: TopK-Dropout excess return over the benchmark, with costs)");
  }
  if (s.oracle) {
    const t = p.test.rankIc;
    const o = s.oracle.test.rankIc;
    const ratio = t !== null && o !== null && o !== 0 ? ` — the pool reaches ${((100 * t) / o).toFixed(0)}% of it on test` : "";
    out.push("", `planted-signal oracle RankIC: valid ${fmt(s.oracle.valid.rankIc)}, test ${fmt(o)}${ratio}`);
  }
  const cached = s.llm.cached > 0 ? `, ${s.llm.cached} from the reply cache` : "";
  out.push("", `LLM: ${s.llm.calls} calls (${s.llm.failures} failed${cached}), ${s.llm.tokensIn} tokens in, ${s.llm.tokensOut} out, $${s.llm.costUsd.toFixed(4)}`);
  if (s.report) out.push(`report: ${s.report}`);
  out.push(`library: ${s.library}`);
  if (s.status === "interrupted") out.push(`resume with: quanta mine --resume --library ${s.library} --campaign ${s.campaign}`);
  return out.join("\n") + "\n";
}
