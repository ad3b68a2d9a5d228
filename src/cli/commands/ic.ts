import type { CommandModule } from "yargs";
import { z } from "zod";
import * as opt from "../options.ts";

const Args = opt.commonArgs.extend({ exprs: z.string().min(1) });

export const icCommand: CommandModule = {
  command: "ic",
  describe: "Screen a factor set: daily IC / RankIC against the next-day label, with ICIR / RankICIR",
  builder: (y) =>
    opt
      .factorSetOptions(y)
      .option("json", opt.jsonOption)
      .example("$0 ic --data prices.csv.gz --exprs alpha158.tsv --dialect qlib --start 2014-01-01 --end 2017-12-31", ""),
  handler: async (argv) => {
    const a = opt.readArgs(Args, argv);
    const { trace } = await import("../../trace.ts");
    trace("ic: args read");
    const { readExpressionsTsv } = await import("../../io/exprs-file.ts");
    const { loadData } = await import("../../workflow/load.ts");
    const { prepareFactorSet } = await import("../../workflow/factor-set.ts");
    const { screenFactors, windowOf } = await import("../../workflow/screen.ts");
    const { EvalPool } = await import("../../pool/pool.ts");
    const items = readExpressionsTsv(a.exprs);
    // The workers (started by entry.ts, or now) boot and warm their JIT up while this thread
    // loads the data.
    const pool = new EvalPool({ ...(a.threads ? { threads: a.threads } : {}), callerRuns: true });
    pool.warm();
    try {
      // The label at t needs closes up to t+2, so data after --end is read (as the reference
      // does); factor values at t still only use data ≤ t.
      const { panel } = await loadData(a.data, { ...a, end: undefined });
      trace("ic: data loaded");
      const set = prepareFactorSet(items, a.dialect, panel, { strict: a.strict, source: a.exprs });
      for (const s of set.skipped) process.stderr.write(`warning: skipped ${s.name}: ${s.reason}\n`);
      const rows = await screenFactors(panel, set.factors, a.dialect, windowOf(panel, a.start, a.end), pool);
      trace("ic: screened");
      if (a.json) {
        process.stdout.write(JSON.stringify(rows.map(jsonRow), null, 1) + "\n");
      } else {
        process.stdout.write(formatIcTable(rows));
      }
    } finally {
      await pool.close();
    }
  },
};

function num(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function jsonRow(r: { name: string; ic: number; icir: number; rankIc: number; rankIcir: number; days: number }) {
  return { name: r.name, ic: num(r.ic), icir: num(r.icir), rankIc: num(r.rankIc), rankIcir: num(r.rankIcir), days: r.days };
}

export function formatIcTable(rows: readonly { name: string; ic: number; icir: number; rankIc: number; rankIcir: number; days: number }[]): string {
  const w = Math.max(4, ...rows.map((r) => r.name.length));
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(5).padStart(9) : "      nan");
  const lines = [`${"name".padEnd(w)}        ic      icir    rankIc  rankIcir  days`];
  for (const r of rows) lines.push(`${r.name.padEnd(w)} ${f(r.ic)} ${f(r.icir)} ${f(r.rankIc)} ${f(r.rankIcir)} ${String(r.days).padStart(5)}`);
  return lines.join("\n") + "\n";
}
