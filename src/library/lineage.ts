/**
 * Lineage graphs (a trajectory and its ancestors; crossover makes it a DAG, not a tree) and their
 * plain-text rendering for `quanta library lineage`.
 */
import type { Trajectory } from "../evolution/types.ts";

export interface LineageEdge {
  child: string;
  parent: string;
  /** The parent's position in the child's `parents` list. */
  position: number;
}

export interface LineageGraph {
  /** The trajectory whose ancestry this is (for a factor: the trajectory that produced it). */
  root: string;
  /** The root and all its ancestors, in recording order. */
  nodes: Trajectory[];
  edges: LineageEdge[];
}

function fmtReward(r: number): string {
  return Number.isFinite(r) ? r.toFixed(4) : "n/a";
}

function label(t: Trajectory): string {
  const accepted = t.factors.filter((f) => f.status === "accepted").length;
  const hyp = t.hypothesis.statement.length > 80 ? `${t.hypothesis.statement.slice(0, 77)}...` : t.hypothesis.statement;
  return `${t.id} [${t.phase} r${t.round}] reward ${fmtReward(t.reward)}, ${accepted}/${t.factors.length} accepted — ${hyp}`;
}

/**
 * The ancestry as an indented tree, root first. A node reached a second time (shared ancestor of
 * two crossover parents) is printed once and then referenced as `(see above)`.
 */
export function renderLineageText(graph: LineageGraph): string {
  const byId = new Map(graph.nodes.map((t) => [t.id, t]));
  const parentsOf = new Map<string, string[]>();
  for (const e of [...graph.edges].sort((a, b) => a.position - b.position)) {
    const list = parentsOf.get(e.child) ?? [];
    list.push(e.parent);
    parentsOf.set(e.child, list);
  }
  const lines: string[] = [];
  const seen = new Set<string>();
  const walk = (id: string, prefix: string, connector: string, childPrefix: string): void => {
    const t = byId.get(id);
    const text = t ? label(t) : `${id} (missing)`;
    if (seen.has(id)) {
      lines.push(`${prefix}${connector}${id} (see above)`);
      return;
    }
    seen.add(id);
    lines.push(`${prefix}${connector}${text}`);
    const parents = parentsOf.get(id) ?? [];
    parents.forEach((p, i) => {
      const last = i === parents.length - 1;
      walk(p, prefix + childPrefix, last ? "└─ " : "├─ ", last ? "   " : "│  ");
    });
  };
  walk(graph.root, "", "", "");
  return lines.join("\n");
}
