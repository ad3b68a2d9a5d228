/**
 * `quanta retrain`: re-evaluate the library's active (and watch) factors on the newest window of
 * the data, flag decay (see decay.ts), refit the combination model on the survivors, optionally
 * mine replacements, and write a dated HTML report and a JSON summary.
 *
 * Safe to run from cron:
 *  - one run at a time: the whole job runs under the library's `retrain` lock, taken before the
 *    data is even read, so an overlapping run fails at once with "locked …" (exit 2);
 *  - idempotent: a run is keyed by the data's fingerprint, the window and the settings; a finished
 *    run with the same key means there is nothing to do (`--force` re-runs, and even then a factor
 *    whose verdict and metrics are unchanged is not touched);
 *  - atomic: every factor update of a run commits in one transaction, after all the computing, so
 *    a killed run leaves none or all of its verdicts (its run row stays `running`, and the next
 *    run starts afresh; re-judging the same data gives the same verdicts).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { labelReturns } from "../../backtest/label.ts";
import { QuantaError } from "../../factors/errors.ts";
import type { Panel } from "../../factors/panel.ts";
import { panelFingerprint } from "../data/inspect.ts";
import type { LoadedPanel } from "../data/index.ts";
import type { FactorEvaluator } from "../evolution/evaluator.ts";
import { toJson, type FactorMetrics } from "../evolution/types.ts";
import { FactorLibrary, withLibraryLock, type FactorStatus, type RetrainRun, type StoredFactor } from "../library/index.ts";
import { renderReport, writeReportAtomic } from "../report/index.ts";
import { rankCorrelationMatrix } from "../review/correlation.ts";
import { windowMetrics } from "../review/metrics.ts";
import { evaluateStoredFactors, type EvaluatedFactor } from "../review/values.ts";
import { DEFAULT_THRESHOLDS, decide, referenceOf, type DecayThresholds, type DecayVerdict } from "./decay.ts";
import { DEFAULT_REFIT, refitCombination, type RefitOptions, type RefitResult } from "./model.ts";
import { campaignReplacementMiner, type ReplacementMiner, type ReplacementResult } from "./replace.ts";
import { retrainReportData } from "./report.ts";
import type { FactorOutcome, RetrainSummary } from "./summary.ts";
import { retrainWindow, type RetrainWindow } from "./window.ts";

/** The split retraining stores its window metrics under (overwritten each run; the history is in the factor events). */
export const RECENT_SPLIT = "recent";
/** Where the first window's metrics go for a factor that had no reference metrics. */
export const BASELINE_SPLIT = "baseline";
export const RETRAIN_LOCK = "retrain";

export interface RetrainOptions {
  /** Library file. */
  readonly library: string;
  /** Data source as the user gave it (file, qlib directory or synthetic[:SEED]). */
  readonly data: string;
  /** The loaded data; when absent it is loaded from `data` (after the lock is taken). */
  readonly load?: () => Promise<LoadedPanel | { panel: Panel }>;
  readonly window?: number;
  readonly start?: string;
  readonly end?: string;
  readonly thresholds?: Partial<DecayThresholds>;
  readonly refit?: Partial<RefitOptions>;
  /** Re-run even if a finished run has the same key. */
  readonly force?: boolean;
  readonly mineReplacements?: boolean;
  readonly miner?: ReplacementMiner;
  /** Campaign config fragment for the replacement campaign (e.g. an LLM provider). */
  readonly replacementConfig?: unknown;
  /** Membership file of the data (passed on to the replacement campaign). */
  readonly universe?: string;
  readonly seed?: number;
  /** Directory for the dated report and JSON summary (default: `reports/` next to the library). */
  readonly reportDir?: string;
  /** Skip writing the report files (the summary is still stored in the library). */
  readonly noReport?: boolean;
  readonly evaluator?: FactorEvaluator;
  readonly now?: () => Date;
  /** Progress lines (stderr in the CLI). */
  readonly log?: (message: string) => void;
}

export interface RetrainOutcome {
  /** True when a finished run with the same key existed: nothing was done. */
  readonly upToDate: boolean;
  readonly run: RetrainRun;
  readonly summary: RetrainSummary | null;
}

export async function runRetrain(o: RetrainOptions): Promise<RetrainOutcome> {
  // Retraining a library that does not exist is a typo, not a request to create an empty one.
  if (!existsSync(o.library)) throw new QuantaError(`no library at ${o.library}`);
  return withLibraryLock(o.library, RETRAIN_LOCK, async () => {
    const lib = FactorLibrary.open(o.library);
    try {
      return await retrainLocked(lib, o);
    } finally {
      lib.close();
    }
  });
}

/** The idempotency key: what the data is, which window, and every setting that changes the outcome. */
export function retrainKey(parts: {
  fingerprint: string;
  window: RetrainWindow;
  thresholds: DecayThresholds;
  refit: RefitOptions;
  mine: boolean;
}): string {
  const h = createHash("sha256");
  h.update(
    JSON.stringify({
      v: 1,
      data: parts.fingerprint,
      window: [parts.window.start, parts.window.end],
      thresholds: parts.thresholds,
      refit: parts.refit,
      mine: parts.mine,
    }),
  );
  return `${parts.fingerprint}:${h.digest("hex").slice(0, 16)}`;
}

function sameMetrics(a: FactorMetrics | undefined, b: FactorMetrics): boolean {
  return a !== undefined && toJson(a) === toJson(b);
}

async function retrainLocked(lib: FactorLibrary, o: RetrainOptions): Promise<RetrainOutcome> {
  const log = o.log ?? (() => {});
  const now = o.now ?? (() => new Date());
  const startedAt = now().toISOString();
  const thresholds: DecayThresholds = { ...DEFAULT_THRESHOLDS, ...o.thresholds };
  const refitOpts: RefitOptions = { ...DEFAULT_REFIT, ...o.refit };

  const loaded = o.load ? await o.load() : await (await import("../workflow/load.ts")).loadData(o.data, { onWarning: (m) => log(`warning: ${m}`) });
  const panel = loaded.panel;
  const win = retrainWindow(panel, { ...(o.window !== undefined ? { days: o.window } : {}), ...(o.start ? { start: o.start } : {}), ...(o.end ? { end: o.end } : {}) });
  const fingerprint = panelFingerprint(panel);
  const key = retrainKey({ fingerprint, window: win, thresholds, refit: refitOpts, mine: o.mineReplacements ?? false });

  if (!o.force) {
    const prior = lib.findRetrainRun(key);
    if (prior) {
      return { upToDate: true, run: prior, summary: (prior.summary as RetrainSummary | null) ?? null };
    }
  }

  const candidates = lib.listFactors({ status: ["active", "watch"], sort: "id", order: "asc" });
  log(`retrain: ${candidates.length} active/watch factors on ${win.start} .. ${win.end} (${win.days} dates)`);
  const run = lib.startRetrainRun({ asOf: win.end, dataFingerprint: key });
  try {
    const summary = await compute(lib, o, { panel, win, key, fingerprint, thresholds, refitOpts, candidates, run, startedAt, log, now });
    const finished = lib.finishRetrainRun(run.id, { summary, reportPath: summary.report });
    return { upToDate: false, run: finished, summary };
  } catch (err) {
    lib.finishRetrainRun(run.id, { status: "failed", summary: { error: err instanceof Error ? err.message : String(err) } });
    throw err;
  }
}

interface Ctx {
  panel: Panel;
  win: RetrainWindow;
  key: string;
  fingerprint: string;
  thresholds: DecayThresholds;
  refitOpts: RefitOptions;
  candidates: StoredFactor[];
  run: RetrainRun;
  startedAt: string;
  log: (m: string) => void;
  now: () => Date;
}

async function compute(lib: FactorLibrary, o: RetrainOptions, c: Ctx): Promise<RetrainSummary> {
  const { panel, win, thresholds } = c;
  const ev = await evaluateStoredFactors(panel, c.candidates, o.evaluator);
  for (const s of ev.skipped) c.log(`skipped #${s.factor.id} ${s.factor.name}: ${s.reason}`);
  const label = labelReturns(panel);
  const recent = windowMetrics(
    panel,
    ev.evaluated.map((e) => e.values),
    win.range,
    label,
  );

  // 1. IC verdicts alone.
  const icVerdicts = ev.evaluated.map((e, k) =>
    decide({ status: e.factor.status, ...optRef(e.factor), recent: recent[k]! }, thresholds),
  );
  // 2. The surviving pool, strongest on the window first; each factor's most correlated stronger one.
  const survivors = ev.evaluated.map((_, k) => k).filter((k) => icVerdicts[k]!.status !== "retired");
  const strength = (k: number) => {
    const r = Math.abs(recent[k]!.rankIc);
    return Number.isFinite(r) ? r : -1;
  };
  survivors.sort((a, b) => strength(b) - strength(a) || ev.evaluated[a]!.factor.id - ev.evaluated[b]!.factor.id);
  const corr = rankCorrelationMatrix(
    panel,
    survivors.map((k) => ev.evaluated[k]!.values),
    win.range,
  );
  const strongerCorr = new Map<number, { id: number; name: string; corr: number }>();
  const maxCorr = new Map<number, number>();
  survivors.forEach((k, a) => {
    let best: { id: number; name: string; corr: number } | undefined;
    let any = Number.NaN;
    survivors.forEach((j, b) => {
      if (a === b) return;
      const r = corr.values[a * corr.n + b]!;
      if (!Number.isFinite(r)) return;
      if (!(Math.abs(r) <= any)) any = Math.abs(r);
      if (b < a && (!best || Math.abs(r) > Math.abs(best.corr))) {
        const f = ev.evaluated[j]!.factor;
        best = { id: f.id, name: f.name, corr: r };
      }
    });
    if (best) strongerCorr.set(k, best);
    maxCorr.set(k, any);
  });
  // 3. Final verdicts (correlation only matters for factors whose IC holds).
  const verdicts: DecayVerdict[] = ev.evaluated.map((e, k) => {
    const v = icVerdicts[k]!;
    if (v.rule !== "ok") return v;
    const cw = strongerCorr.get(k);
    return decide({ status: e.factor.status, ...optRef(e.factor), recent: recent[k]!, ...(cw ? { correlation: cw } : {}) }, thresholds);
  });
  const stored: FactorMetrics[] = ev.evaluated.map((_, k) => {
    const mc = maxCorr.get(k);
    return mc !== undefined && Number.isFinite(mc) ? { ...recent[k]!, maxCorr: mc } : { ...recent[k]! };
  });

  // 4. Apply: one transaction for every factor update of the run.
  let changed = 0;
  lib.atomically(() => {
    ev.evaluated.forEach((e, k) => {
      const f = e.factor;
      const runId = c.run.id;
      if (!sameMetrics(f.metrics[RECENT_SPLIT], stored[k]!)) lib.updateFactorMetrics(f.id, RECENT_SPLIT, stored[k]!, { retrainRunId: runId });
      if (verdicts[k]!.rule === "no-reference" && !f.metrics[BASELINE_SPLIT] && Number.isFinite(recent[k]!.rankIc)) {
        lib.updateFactorMetrics(f.id, BASELINE_SPLIT, recent[k]!, { retrainRunId: runId });
      }
      if (verdicts[k]!.status !== f.status) {
        lib.setStatus(f.id, verdicts[k]!.status, { reason: verdicts[k]!.reason, retrainRunId: runId });
        changed++;
      }
    });
  });
  const outcomes: FactorOutcome[] = ev.evaluated.map((e, k) => outcome(e, verdicts[k]!, recent[k]!, strongerCorr.get(k) ?? null));
  for (const x of outcomes) if (x.before !== x.after) c.log(`#${x.id} ${x.name}: ${x.before} → ${x.after} (${x.reason})`);

  // 5. Refit the combination on the factors active after this run.
  const activeIdx = ev.evaluated.map((_, k) => k).filter((k) => verdicts[k]!.status === "active");
  const names = activeIdx.map((k) => `${ev.evaluated[k]!.factor.name}#${ev.evaluated[k]!.factor.id}`);
  let refit: RefitResult | null = null;
  let modelNote: string | null = null;
  if (activeIdx.length === 0) modelNote = "no active factor: no model fitted";
  else {
    refit = await refitCombination(
      panel,
      label,
      names,
      activeIdx.map((k) => ev.evaluated[k]!.values),
      win.range,
      c.refitOpts,
    );
    if (!refit) modelNote = `fewer than 20 dates to fit on`;
    else if (!refit.outOfSample) modelNote = "no dates before the window: no out-of-sample check";
  }

  // 6. Replacements.
  const retired = ev.evaluated.filter((_, k) => verdicts[k]!.status === "retired" && ev.evaluated[k]!.factor.status !== "retired").map((e) => e.factor);
  let replacements: ReplacementResult;
  if (!o.mineReplacements) replacements = { status: "not-needed", message: "not asked (--mine-replacements)" };
  else if (retired.length === 0) replacements = { status: "not-needed", message: "no factor retired" };
  else {
    const miner = o.miner ?? campaignReplacementMiner;
    try {
      replacements = await miner({
        library: lib,
        libraryPath: o.library,
        dataSource: o.data,
        ...(o.universe ? { universe: o.universe } : {}),
        panel,
        survivors: lib.listFactors({ status: "active", sort: "id", order: "asc" }),
        retired,
        window: win,
        trainDays: c.refitOpts.trainDays,
        target: retired.length,
        seed: o.seed ?? 42,
        retrainRunId: c.run.id,
        runDir: join(o.reportDir ?? join(dirname(resolve(o.library)), "reports"), `replacements-run${c.run.id}`),
        ...(o.replacementConfig !== undefined ? { config: o.replacementConfig } : {}),
        log: c.log,
      });
      if (replacements.status === "done" && replacements.accepted) replacements = keepBestReplacements(lib, replacements, retired.length, thresholds.flipT, c.run.id);
    } catch (err) {
      replacements = { status: "failed", message: err instanceof Error ? err.message : String(err) };
    }
    c.log(`replacements: ${replacements.status}: ${replacements.message}`);
  }

  const counts = { evaluated: ev.evaluated.length, skipped: ev.skipped.length, active: 0, watch: 0, retired: 0, changed };
  for (const v of verdicts) counts[v.status as "active" | "watch" | "retired"] += 1;
  for (const s of ev.skipped) if (s.factor.status === "active" || s.factor.status === "watch") counts[s.factor.status] += 1;

  const oos = refit?.outOfSample ?? null;
  const summaryBase: Omit<RetrainSummary, "report" | "summaryFile"> = {
    run: c.run.id,
    asOf: win.end,
    key: c.key,
    startedAt: c.startedAt,
    data: { source: o.data, fingerprint: c.fingerprint, instruments: panel.nInst, firstDate: panel.dates[0]!, lastDate: panel.dates[panel.nDates - 1]! },
    window: { start: win.start, end: win.end, days: win.days },
    thresholds,
    counts,
    factors: outcomes,
    skipped: ev.skipped.map((s) => ({ id: s.factor.id, name: s.factor.name, status: s.factor.status, reason: s.reason })),
    model: {
      options: c.refitOpts,
      features: names,
      fit: refit ? refit.fit : null,
      weights: refit?.weights ?? null,
      intercept: refit?.intercept ?? null,
      outOfSample: oos
        ? {
            fit: oos.fit,
            ic: oos.metrics.ic,
            icir: oos.metrics.icir,
            rankIc: oos.metrics.rankIc,
            rankIcir: oos.metrics.rankIcir,
            days: oos.metrics.days,
            excessWithCost: oos.backtestSummary
              ? { arr: oos.backtestSummary.excessWithCost.arr, ir: oos.backtestSummary.excessWithCost.ir, mdd: oos.backtestSummary.excessWithCost.mdd }
              : null,
          }
        : null,
      note: modelNote,
    },
    replacements,
  };

  // 7. The dated report and the JSON summary.
  let report: string | null = null;
  let summaryFile: string | null = null;
  if (!o.noReport) {
    const dir = o.reportDir ?? join(dirname(resolve(o.library)), "reports");
    const stem = join(dir, `retrain-${win.end}-run${c.run.id}`);
    report = `${stem}.html`;
    summaryFile = `${stem}.json`;
    // The surviving pool first, in the heat-map's order (its axis numbers are table rows), then the rest.
    const order = [...survivors, ...ev.evaluated.map((_, k) => k).filter((k) => !survivors.includes(k))];
    const evaluatedFactors = order.map((k) => lib.getFactor(ev.evaluated[k]!.factor.id) ?? ev.evaluated[k]!.factor);
    const html = renderReport(
      retrainReportData(lib, {
        summary: { ...summaryBase, report, summaryFile },
        factors: evaluatedFactors,
        survivors: survivors.map((k) => ev.evaluated[k]!),
        corr,
        refit,
        panel,
        generatedAt: c.now().toISOString(),
      }),
    );
    await writeReportAtomic(report, html);
    writeJsonAtomic(summaryFile, { ...summaryBase, report, summaryFile });
    c.log(`wrote ${report}`);
  }
  return { ...summaryBase, report, summaryFile };
}

/**
 * A campaign accepts every factor that passes its gates; as replacements only the best `target`
 * whose mining-valid (= window) RankIC is significant (|t| ≥ minT) stay active, the rest are
 * retired with the reason, so a retrain never floods the pool with marginal factors.
 */
function keepBestReplacements(lib: FactorLibrary, r: ReplacementResult, target: number, minT: number, runId: number): ReplacementResult {
  const tOf = (f: StoredFactor) => {
    const m = f.metrics["valid"];
    const days = m ? (m["rankDays"] ?? m["days"] ?? 0) : 0;
    const t = m ? Math.abs(m.rankIcir) * Math.sqrt(days) : Number.NaN;
    return Number.isFinite(t) ? t : 0;
  };
  const mined = (r.accepted ?? []).map((id) => lib.getFactor(id)).filter((f): f is StoredFactor => f !== undefined && f.status === "active");
  const ranked = [...mined].sort((a, b) => tOf(b) - tOf(a) || a.id - b.id);
  const kept = ranked.filter((f) => tOf(f) >= minT).slice(0, target);
  const keptIds = new Set(kept.map((f) => f.id));
  lib.atomically(() => {
    for (const f of mined) {
      if (keptIds.has(f.id)) continue;
      lib.setStatus(f.id, "retired", {
        reason: `replacement candidate not kept: |t| of its window RankIC = ${tOf(f).toFixed(2)} (keeping the best ${target} with |t| ≥ ${minT})`,
        retrainRunId: runId,
      });
    }
  });
  return {
    ...r,
    kept: kept.map((f) => f.id),
    message: `${r.message}; kept ${kept.length} as replacements (${kept.map((f) => `#${f.id} ${f.name}`).join(", ") || "none significant"}), retired the other ${mined.length - kept.length}`,
  };
}

function optRef(f: StoredFactor) {
  const r = referenceOf(f.metrics);
  return r ? { reference: r } : {};
}

function outcome(e: EvaluatedFactor, v: DecayVerdict, recent: FactorMetrics, cw: { id: number; name: string; corr: number } | null): FactorOutcome {
  const r = referenceOf(e.factor.metrics);
  return {
    id: e.factor.id,
    name: e.factor.name,
    expression: e.factor.expression,
    dialect: e.factor.dialect,
    before: e.factor.status,
    after: v.status as FactorStatus,
    rule: v.rule,
    reason: v.reason,
    reference: r ? { split: r.split, rankIc: r.metrics.rankIc, ic: r.metrics.ic } : null,
    recent,
    retention: v.retention,
    t: v.t,
    correlatedWith: cw,
  };
}

function writeJsonAtomic(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(JSON.parse(toJson(value)), null, 1) + "\n");
  renameSync(tmp, path);
}
