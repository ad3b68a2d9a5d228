/**
 * The HTML report of a library or of one campaign (`quanta library report`): the factor table
 * with metrics per range, the lineage tree (the whole campaign, or the ancestry of the listed
 * factors), campaign and retraining notes, and — when the caller evaluated the factors on data —
 * the correlation heat-map. Assembled as ReportData for src/report's renderer.
 */
import type { LineageEdge } from "../library/index.ts";
import type { FactorLibrary, StoredFactor } from "../library/index.ts";
import type { Trajectory } from "../evolution/types.ts";
import type { ReportDataInput } from "../report/index.ts";

export interface LibraryReportOptions {
  /** Report on one campaign (its factors and its whole evolution tree). */
  readonly campaign?: string;
  /** The factors to list (already selected and sorted). */
  readonly factors: readonly StoredFactor[];
  readonly title?: string;
  /** Correlation of (some of) the factors on a data window, computed by the caller. */
  readonly correlation?: { names: string[]; matrix: number[][]; window: string };
  readonly data?: { source: string; instruments?: number; firstDate?: string; lastDate?: string; fingerprint?: string };
  readonly generatedAt?: string;
}

type LineageNode = { id: string; label: string; phase: Trajectory["phase"]; round: number; reward: number; direction: string };

function node(t: Trajectory): LineageNode {
  const h = t.hypothesis.statement;
  return { id: t.id, label: h.length > 40 ? `${h.slice(0, 39)}…` : h, phase: t.phase, round: t.round, reward: t.reward, direction: t.direction };
}

/** The trajectories and edges of a campaign, or the union of the listed factors' ancestries. */
export function reportLineage(lib: FactorLibrary, campaign: string | undefined, factors: readonly StoredFactor[]) {
  const nodes = new Map<string, LineageNode>();
  const edges = new Map<string, { parent: string; child: string }>();
  const addEdges = (es: readonly LineageEdge[]) => {
    for (const e of es) edges.set(`${e.parent}>${e.child}`, { parent: e.parent, child: e.child });
  };
  if (campaign !== undefined) {
    const g = lib.campaignLineage(campaign);
    for (const t of g.nodes) nodes.set(t.id, node(t));
    addEdges(g.edges);
  } else {
    const roots = new Set(factors.map((f) => f.trajectoryId).filter((t): t is string => t !== null));
    for (const root of roots) {
      const g = lib.lineage(root);
      for (const t of g.nodes) nodes.set(t.id, node(t));
      addEdges(g.edges);
    }
  }
  // Edges to a parent outside the shown set (another campaign) would not validate: drop them.
  return { nodes: [...nodes.values()], edges: [...edges.values()].filter((e) => nodes.has(e.parent) && nodes.has(e.child)) };
}

export function libraryReportData(lib: FactorLibrary, o: LibraryReportOptions): ReportDataInput {
  const all = o.campaign !== undefined ? lib.listFactors({ campaign: o.campaign, sort: "id" }) : lib.listFactors({ sort: "id" });
  const byStatus: Record<string, number> = {};
  for (const f of all) byStatus[f.status] = (byStatus[f.status] ?? 0) + 1;
  const notes: string[] = [
    `${all.length} factors in ${o.campaign !== undefined ? `campaign ${o.campaign}` : "the library"}: ${
      Object.entries(byStatus)
        .map(([k, v]) => `${v} ${k}`)
        .join(", ") || "none"
    }; ${o.factors.length} listed below.`,
  ];
  const campaigns = o.campaign !== undefined ? [lib.getCampaign(o.campaign)].filter((c) => c !== undefined) : lib.listCampaigns();
  for (const c of campaigns) {
    const s = lib.campaignStats(c.id);
    notes.push(
      `campaign ${c.id} "${c.name}" (${c.status}, started ${c.startedAt}): ${s.trajectories} trajectories over ${s.rounds} rounds; ` +
        `${s.factors.accepted} accepted, ${s.factors.rejected} rejected, ${s.factors.redundant} redundant; ` +
        `${s.llm.calls} LLM calls, ${s.llm.tokensIn + s.llm.tokensOut} tokens, $${s.llm.costUsd.toFixed(4)}.`,
    );
  }
  const runs = lib.listRetrainRuns().filter((r) => r.status === "finished");
  const last = runs[runs.length - 1];
  if (last) notes.push(`last retraining: run #${last.id} as of ${last.asOf}${last.reportPath ? ` (report ${last.reportPath})` : ""}; ${runs.length} finished runs in all.`);
  if (o.correlation) notes.push(`Correlation heat-map: mean daily cross-sectional rank correlation on ${o.correlation.window}.`);

  const lineage = reportLineage(lib, o.campaign, o.factors);
  return {
    title: o.title ?? (o.campaign !== undefined ? "quanta campaign report" : "quanta library report"),
    ...(o.campaign !== undefined ? { campaign: o.campaign } : {}),
    ...(o.generatedAt ? { generatedAt: o.generatedAt } : {}),
    data: o.data ?? { source: lib.path },
    settings: {
      library: lib.path,
      campaigns: lib.listCampaigns().length,
      factors: all.length,
    },
    notes,
    factors: o.factors.map((f) => ({
      name: `${f.name} #${f.id}`,
      expression: f.expression,
      dialect: f.dialect,
      hypothesis: f.hypothesis,
      description: f.description,
      status: f.statusReason ? `${f.status}: ${f.statusReason}` : f.status,
      metrics: Object.fromEntries(
        Object.entries(f.metrics).map(([k, m]) => [k, { ic: m.ic, icir: m.icir, rankIc: m.rankIc, rankIcir: m.rankIcir }]),
      ),
    })),
    ...(o.correlation ? { correlation: { names: o.correlation.names, matrix: o.correlation.matrix } } : {}),
    ...(lineage.nodes.length ? { lineage } : {}),
  };
}

/** A small report of one lineage graph (`quanta library lineage ID --out F.html`). */
export function lineageReportData(
  lib: FactorLibrary,
  graph: { root: string; nodes: readonly Trajectory[]; edges: readonly LineageEdge[] },
  title: string,
): ReportDataInput {
  const ids = new Set(graph.nodes.map((t) => t.id));
  const factors = lib.listFactors({ sort: "id" }).filter((f) => f.trajectoryId !== null && ids.has(f.trajectoryId));
  return {
    title,
    data: { source: lib.path },
    notes: graph.nodes.map(
      (t) =>
        `${t.id} (${t.phase}, round ${t.round}, direction "${t.direction}", reward ${Number.isFinite(t.reward) ? t.reward.toFixed(4) : "n/a"}): ${t.hypothesis.statement}` +
        (t.feedback ? ` — feedback [${t.feedback.blamedStep}]: ${t.feedback.text}` : ""),
    ),
    factors: factors.map((f) => ({
      name: `${f.name} #${f.id}`,
      expression: f.expression,
      dialect: f.dialect,
      hypothesis: f.hypothesis,
      description: f.description,
      status: f.status,
      metrics: Object.fromEntries(Object.entries(f.metrics).map(([k, m]) => [k, { ic: m.ic, icir: m.icir, rankIc: m.rankIc, rankIcir: m.rankIcir }])),
    })),
    lineage: {
      nodes: graph.nodes.map(node),
      edges: graph.edges.filter((e) => ids.has(e.parent) && ids.has(e.child)).map((e) => ({ parent: e.parent, child: e.child })),
    },
  };
}
