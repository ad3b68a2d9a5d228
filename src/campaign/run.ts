/**
 * A whole `quanta mine` run: load the data, open (or resume) the campaign in the library, mine on
 * the panel cut at the mining-valid end, then — and only then — build the final pool, fit the
 * final model, backtest every range including test, write the report and the summary.
 *
 * Run directory (default runs/<campaign id>/): campaign.yaml (the resolved configuration),
 * library.db (unless --library), report.html, summary.json.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { join, resolve } from "node:path";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { QuantaError } from "../../factors/errors.ts";
import type { Panel } from "../../factors/panel.ts";
import { equalWeightBenchmark, indexBenchmark } from "../../backtest/benchmark.ts";
import { ICEvaluator } from "../../backtest/ic.ts";
import { labelReturns } from "../../backtest/label.ts";
import { Split, formatDateRange } from "../../backtest/split.ts";
import { createAgent, type AgentDeps } from "../../agents/factory.ts";
import type { CallRole, LlmCallRecord } from "../../agents/types.ts";
import type { Agent } from "../../agents/roles.ts";
import { loadIndexSeries, loadPanel, type LoadedPanel } from "../data/index.ts";
import { runEvolution, type EvolutionEvent } from "../evolution/controller.ts";
import { InProcessEvaluator, poolEvaluator, type FactorEvaluator } from "../evolution/evaluator.ts";
import { prepareMiningData } from "../evolution/mining-data.ts";
import { CampaignRecorder } from "../evolution/recorder.ts";
import { toJson } from "../evolution/types.ts";
import { FactorLibrary, libraryReplyCache, withLibraryLock, type Campaign } from "../library/index.ts";
import { evolutionSettings, parseCampaignConfig, rangesOf, type CampaignConfig, type ResolvedRanges } from "./config.ts";
import { finalStage, type FinalResult } from "./final.ts";
import { finalPoolSummary, finite, type MineSummary } from "./summary.ts";

export interface MineRequest {
  /** The resolved configuration (for a resume: ignored, the campaign's stored one is used). */
  readonly config: CampaignConfig;
  /** Continue an unfinished campaign instead of starting one. */
  readonly resume?: { readonly library: string; readonly campaignId?: string; readonly overrides?: (c: CampaignConfig) => CampaignConfig };
  readonly signal?: AbortSignal;
  readonly onEvent?: (e: EvolutionEvent) => void;
  /** Warnings and notes (stderr). */
  readonly log?: (line: string) => void;
  /** Test hook: called after every library write of the mining loop with the running count. */
  readonly onWrite?: (n: number) => void;
  /** Extra agent dependencies (tests: a fake endpoint's API key, a clock). */
  readonly agentDeps?: AgentDeps;
  readonly now?: () => string;
  /** Skip the final pool / backtest / report (e.g. tests of the mining loop only). */
  readonly miningOnly?: boolean;
}

export interface MineResult {
  readonly summary: MineSummary;
  readonly final?: FinalResult;
}

function newCampaignId(): string {
  return `c-${randomUUID().slice(0, 8)}`;
}

/** `FILE[:INSTRUMENT]` (a path that exists as given wins over splitting at the last colon). */
export function parseBenchmarkSpec(spec: string): { file: string; instrument?: string } {
  if (existsSync(spec)) return { file: spec };
  const k = spec.lastIndexOf(":");
  if (k > 0 && k < spec.length - 1) return { file: spec.slice(0, k), instrument: spec.slice(k + 1) };
  return { file: spec };
}

async function benchmarkOf(panel: Panel, spec: string | undefined): Promise<{ bench: Float64Array; label: string }> {
  if (!spec) return { bench: equalWeightBenchmark(panel), label: "equal-weight universe" };
  const { file, instrument } = parseBenchmarkSpec(spec);
  const series = await loadIndexSeries(file, instrument);
  return { bench: indexBenchmark(panel, series.dates, series.close), label: series.instrument };
}

function checkRanges(panel: Panel, r: ResolvedRanges): void {
  if (!(r.valid.end < r.test.start)) {
    throw new QuantaError(`the test range ${formatDateRange(r.test)} must start after mining-valid ${formatDateRange(r.valid)} ends`);
  }
  const test = Split.of(panel, "test", r.test);
  if (test.empty) throw new QuantaError(`test range ${formatDateRange(r.test)}: no trading date of the data falls inside`);
}

async function loadMarket(config: CampaignConfig, log: (l: string) => void): Promise<LoadedPanel> {
  const d = config.data;
  const loaded = await loadPanel(d.source, {
    ...(d.universe ? { membership: d.universe } : {}),
    synthetic: d.synthetic,
  });
  for (const w of loaded.warnings) log(`warning: ${w.message}`);
  return loaded;
}

/** The replay log: the LLM calls of another campaign (`ID` in this library, or `FILE#ID`). */
function replayLog(spec: string, library: FactorLibrary): LlmCallRecord[] {
  const hash = spec.lastIndexOf("#");
  const [file, id] = hash > 0 ? [spec.slice(0, hash), spec.slice(hash + 1)] : [undefined, spec];
  const lib = file ? FactorLibrary.open(file, { readonly: true }) : library;
  try {
    if (!lib.getCampaign(id)) throw new QuantaError(`replay: no campaign ${id} in library ${lib.path}`);
    return lib.llmCalls(id).map((c) => ({
      role: c.role as CallRole,
      model: c.model,
      provider: c.provider,
      tokensIn: c.tokensIn,
      tokensOut: c.tokensOut,
      latencyMs: c.latencyMs,
      promptHash: c.promptHash,
      seed: c.seed,
      reply: c.reply ?? "",
      ...(c.error ? { error: c.error } : {}),
    }));
  } finally {
    if (lib !== library) lib.close();
  }
}

function buildAgent(config: CampaignConfig, campaignId: string, recorder: CampaignRecorder, library: FactorLibrary, deps: AgentDeps = {}): Agent {
  const a = config.agent;
  // A resumed campaign's budget counts what it already spent.
  const spent = library.llmUsage(campaignId);
  const budget = {
    ...(a.budgetUsd !== undefined ? { maxUsd: Math.max(1e-9, a.budgetUsd - spent.costUsd) } : {}),
    ...(a.budgetTokens !== undefined ? { maxTokens: Math.max(1, a.budgetTokens - spent.tokensIn - spent.tokensOut) } : {}),
  };
  if (a.provider === "replay" && !a.replayFrom) throw new QuantaError("agent.replayFrom: the replay provider needs the campaign to replay (an id in this library, or FILE#ID)");
  return createAgent(
    {
      provider: a.provider,
      ...(a.model ? { model: a.model } : {}),
      ...(a.baseUrl ? { baseUrl: a.baseUrl } : {}),
      ...(a.temperature !== undefined ? { temperature: a.temperature } : {}),
      timeoutMs: a.timeoutMs,
      maxRetries: a.maxRetries,
      concurrency: a.concurrency,
      maxRepairTurns: a.maxRepairTurns,
      structured: a.structured,
      stream: a.stream,
      seed: config.seed,
      ...(a.prices ? { prices: a.prices } : {}),
      budget,
      cache: a.llmCache,
    },
    {
      // The library is the reply cache (used by openai/langchain only, and only with agent.llmCache on).
      replyCache: libraryReplyCache(library),
      ...deps,
      sink: recorder.sink,
      campaign: campaignId,
      ...(a.provider === "replay" ? { replayLog: replayLog(a.replayFrom!, library) } : {}),
    },
  );
}

/** Data paths made absolute, so a campaign can be resumed from any working directory. */
function absoluteDataPaths(d: CampaignConfig["data"]): CampaignConfig["data"] {
  const abs = (p: string) => (existsSync(p) ? resolve(p) : p);
  const bench = d.benchmark ? parseBenchmarkSpec(d.benchmark) : undefined;
  return {
    ...d,
    source: /^synthetic(:|$)/i.test(d.source.trim()) ? d.source : abs(d.source),
    ...(d.universe ? { universe: abs(d.universe) } : {}),
    ...(bench ? { benchmark: bench.instrument ? `${abs(bench.file)}:${bench.instrument}` : abs(bench.file) } : {}),
  };
}

function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Opens the campaign: a new one, or the unfinished one a resume names. */
function openCampaign(
  req: MineRequest,
  fingerprint: (config: CampaignConfig) => Promise<string>,
): Promise<{ library: FactorLibrary; libraryPath: string; campaign: Campaign; config: CampaignConfig; runDir: string }> {
  return (async () => {
    if (req.resume) {
      const libraryPath = resolve(req.resume.library);
      if (!existsSync(libraryPath)) throw new QuantaError(`--resume: no library at ${libraryPath}`);
      const library = FactorLibrary.open(libraryPath);
      try {
        let campaign: Campaign | undefined;
        if (req.resume.campaignId) {
          campaign = library.getCampaign(req.resume.campaignId);
          if (!campaign) throw new QuantaError(`--resume: no campaign ${req.resume.campaignId} in ${libraryPath}`);
        } else {
          campaign = library.listCampaigns().filter((c) => c.status !== "finished").at(-1);
          if (!campaign) throw new QuantaError(`--resume: every campaign in ${libraryPath} is finished; nothing to resume`);
        }
        if (campaign.status === "finished") throw new QuantaError(`campaign ${campaign.id} is already finished; nothing to resume`);
        let config = parseCampaignConfig(campaign.config, `configuration stored with campaign ${campaign.id}`);
        if (req.resume.overrides) config = req.resume.overrides(config);
        const fp = await fingerprint(config);
        if (fp !== campaign.dataFingerprint) {
          throw new QuantaError(
            `campaign ${campaign.id} mined data with fingerprint ${campaign.dataFingerprint}, but the data now gives ${fp}: ` +
              "the data or the ranges changed since it started, so it cannot be resumed",
          );
        }
        campaign = library.resumeCampaign(campaign.id);
        const runDir = resolve(config.output.runDir ?? join("runs", campaign.id));
        return { library, libraryPath, campaign, config, runDir };
      } catch (err) {
        library.close();
        throw err;
      }
    }
    const id = req.config.id ?? newCampaignId();
    const runDir = resolve(req.config.output.runDir ?? join("runs", id));
    const libraryPath = resolve(req.config.output.library ?? join(runDir, "library.db"));
    const config: CampaignConfig = { ...req.config, id, data: absoluteDataPaths(req.config.data), output: { runDir, library: libraryPath } };
    const fp = await fingerprint(config);
    const library = FactorLibrary.open(libraryPath);
    try {
      const campaign = library.createCampaign({ id, name: config.name, config: JSON.parse(toJson(config)), seed: config.seed, dataFingerprint: fp });
      return { library, libraryPath, campaign, config, runDir };
    } catch (err) {
      library.close();
      throw err;
    }
  })();
}

export async function runMine(req: MineRequest): Promise<MineResult> {
  const started = Date.now();
  const log = req.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  // The data is loaded once; the fingerprint of the cut mining panel identifies the campaign's data.
  let loaded: LoadedPanel | undefined;
  let evaluator: FactorEvaluator | undefined;
  let mining: Awaited<ReturnType<typeof prepareMiningData>> | undefined;
  const prepare = async (config: CampaignConfig) => {
    loaded ??= await loadMarket(config, log);
    const ranges = rangesOf(config);
    checkRanges(loaded.panel, ranges);
    if (!evaluator) {
      if (config.evaluation.threads > 1) {
        const { EvalPool } = await import("../pool/pool.ts");
        evaluator = poolEvaluator(new EvalPool({ threads: config.evaluation.threads }));
      } else {
        evaluator = new InProcessEvaluator();
      }
    }
    mining ??= await prepareMiningData(loaded.panel, { train: ranges.train, valid: ranges.valid }, evaluator);
    return mining.fingerprint;
  };

  let opened: Awaited<ReturnType<typeof openCampaign>> | undefined;
  try {
    opened = await openCampaign(req, prepare);
    const { library, libraryPath, campaign, config, runDir } = opened;
    mkdirSync(runDir, { recursive: true });
    writeFileAtomic(join(runDir, "campaign.yaml"), toYaml(JSON.parse(toJson(config))));
    const ranges = rangesOf(config);
    const data = mining!;
    const panel = loaded!.panel;

    const mineLocked = async (): Promise<MineResult> => {
      const recorder = new CampaignRecorder(library, campaign.id, req.onWrite);
      const agent = buildAgent(config, campaign.id, recorder, library, req.agentDeps);
      const evo = await runEvolution({
        recorder,
        campaignId: campaign.id,
        seed: config.seed,
        agent,
        data,
        evaluator: evaluator!,
        settings: evolutionSettings(config),
        ...(req.signal ? { signal: req.signal } : {}),
        ...(req.onEvent ? { onEvent: req.onEvent } : {}),
        ...(req.now ? { now: req.now } : {}),
      });

      const stats = library.campaignStats(campaign.id);
      let final: FinalResult | undefined;
      let reportPath: string | null = null;
      let oracle: MineSummary["oracle"] | undefined;
      const notes: string[] = [];
      if (evo.status === "interrupted") notes.push(`mining stopped early: ${evo.stopReason ?? "interrupted"}`);
      const buildFinal = async (notes: string[]) => {
        const checkpoint = () => req.signal?.throwIfAborted();
        const { bench, label: benchLabel } = await benchmarkOf(panel, config.data.benchmark);
        checkpoint();
        const final = await finalStage({ panel, ranges, library, campaignId: campaign.id, config, evaluator: evaluator!, bench, ...(req.signal ? { signal: req.signal } : {}) });
        checkpoint();
        const market = loaded!.market;
        let oracle: MineSummary["oracle"];
        if (market && market.panel.nInst === panel.nInst && market.panel.nDates === panel.nDates) {
          const label = labelReturns(panel);
          const rank = (name: string, r: typeof ranges.valid) => new ICEvaluator(label, panel, Split.of(panel, name, r)).metrics(market.oracle).rankIc;
          oracle = { valid: { rankIc: finite(rank("valid", ranges.valid)) }, test: { rankIc: finite(rank("test", ranges.test)) } };
        }
        const reportPath = join(runDir, "report.html");
        // The renderer (echarts) takes seconds to load: only when there is a report to write.
        const { renderReport, writeReportAtomic } = await import("../report/index.ts");
        const { campaignReportData } = await import("./report.ts");
        const html = renderReport(
          campaignReportData({
            config,
            campaignId: campaign.id,
            panel,
            fingerprint: data.fingerprint,
            ranges,
            library,
            final,
            benchmarkLabel: benchLabel,
            ...(market ? { market } : {}),
            ...(oracle && oracle.valid.rankIc !== null && oracle.test.rankIc !== null
              ? { oracle: { valid: oracle.valid.rankIc, test: oracle.test.rankIc } }
              : {}),
            notes,
          }),
        );
        checkpoint();
        await writeReportAtomic(reportPath, html);
        return { final, oracle, reportPath };
      };
      // Ctrl-C means "stop now": no final stage. A spent budget still gets the pool of what was mined.
      const doFinal = !req.miningOnly && (evo.status === "finished" || evo.stopKind === "budget");
      let status = evo.status;
      let stopReason = evo.stopReason;
      if (doFinal) {
        try {
          const built = await buildFinal(notes);
          final = built.final;
          oracle = built.oracle;
          reportPath = built.reportPath;
        } catch (err) {
          // Ctrl-C during the final stage: mining is complete and kept; a resume builds the pool.
          if (!req.signal?.aborted) throw err;
          final = undefined;
          status = "interrupted";
          stopReason = "interrupted before the final pool was built (mining is complete; --resume builds it)";
        }
      }

      const top = library.listFactors({ campaign: campaign.id, status: "active", split: "valid", sort: "rankIc", limit: 10 });
      const usage = library.llmUsage(campaign.id);
      const summary: MineSummary = {
        campaign: campaign.id,
        name: config.name,
        status,
        ...(stopReason ? { stopReason } : {}),
        library: libraryPath,
        runDir,
        report: reportPath,
        trajectories: stats.trajectories,
        rounds: stats.rounds,
        factors: {
          mined: stats.factors.mined,
          accepted: stats.factors.accepted,
          rejected: stats.factors.rejected + stats.factors.redundant,
          redundant: stats.factors.redundant,
        },
        topFactors: top.map((f) => ({
          name: f.name,
          expression: f.expression,
          trainRankIc: finite(f.metrics["train"]?.rankIc),
          validRankIc: finite(f.metrics["valid"]?.rankIc),
        })),
        finalPool: finalPoolSummary(final),
        llm: { calls: usage.calls, failures: usage.failures, cached: usage.cached, tokensIn: usage.tokensIn, tokensOut: usage.tokensOut, costUsd: usage.costUsd },
        ...(oracle ? { oracle } : {}),
        elapsedSeconds: (Date.now() - started) / 1000,
      };
      library.finishCampaign(campaign.id, { status, summary: JSON.parse(toJson(summary)) });
      writeFileAtomic(join(runDir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
      return { summary, ...(final ? { final } : {}) };
    };

    return await withLibraryLock(libraryPath, `mine:${campaign.id}`, async () => {
      try {
        return await mineLocked();
      } catch (err) {
        // A bug or a user error mid-run: the campaign is marked failed (still resumable).
        library.finishCampaign(campaign.id, { status: "failed", summary: { error: (err as Error).message } });
        throw err;
      }
    });
  } finally {
    opened?.library.close();
    await evaluator?.close?.();
  }
}

/** The campaign id and library a run directory belongs to (from its campaign.yaml). */
export function campaignOfRunDir(runDir: string): { id?: string; library: string } {
  const path = join(runDir, "campaign.yaml");
  if (!existsSync(path)) throw new QuantaError(`--run-dir ${runDir}: no campaign.yaml (not a quanta run directory)`);
  const doc = parseYaml(readFileSync(path, "utf8")) as { id?: unknown; output?: { library?: unknown } } | null;
  const id = typeof doc?.id === "string" ? doc.id : undefined;
  const lib = typeof doc?.output?.library === "string" ? doc.output.library : join(runDir, "library.db");
  return { ...(id ? { id } : {}), library: lib };
}
