import type { CommandModule } from "yargs";
import { z } from "zod";
import * as opt from "../options.ts";

const Args = opt.commonArgs.extend({ exprs: z.string().min(1), out: z.string().min(1) });

export const evalCommand: CommandModule = {
  command: "eval",
  describe: "Evaluate a factor set on market data and write the values as a long table (CSV, CSV.gz or Parquet)",
  builder: (y) =>
    opt
      .factorSetOptions(y)
      .option("out", { type: "string", demandOption: true, describe: "Output file: .csv, .csv.gz or .parquet" })
      .example("$0 eval --data prices.csv.gz --exprs alpha158.tsv --dialect qlib --out a158.parquet", ""),
  handler: async (argv) => {
    const a = opt.readArgs(Args, argv);
    const { readExpressionsTsv } = await import("../../io/exprs-file.ts");
    const { checkOutputPath, outputFormatOf, writeFactorTable } = await import("../../io/factor-output.ts");
    const { loadData } = await import("../../workflow/load.ts");
    const { prepareFactorSet } = await import("../../workflow/factor-set.ts");
    const { evaluateFactorSet, windowOf } = await import("../../workflow/screen.ts");
    const { EvalPool } = await import("../../pool/pool.ts");
    outputFormatOf(a.out); // reject an unknown output format or an unwritable path before any work
    checkOutputPath(a.out);
    const items = readExpressionsTsv(a.exprs);
    const t0 = performance.now();
    const { panel } = await loadData(a.data, a);
    const set = prepareFactorSet(items, a.dialect, panel, { strict: a.strict, source: a.exprs });
    for (const s of set.skipped) process.stderr.write(`warning: skipped ${s.name}: ${s.reason}\n`);
    const pool = new EvalPool({ ...(a.threads ? { threads: a.threads } : {}), callerRuns: true });
    try {
      const t1 = performance.now();
      const { values } = await evaluateFactorSet(panel, set.factors, a.dialect, pool);
      const t2 = performance.now();
      const { rows } = await writeFactorTable(
        a.out,
        panel,
        set.factors.map((f) => f.name),
        values,
        windowOf(panel, a.start, a.end),
      );
      const t3 = performance.now();
      process.stderr.write(
        `wrote ${a.out}: ${rows} rows × ${set.factors.length} factors ` +
          `(load ${sec(t1 - t0)}, evaluate ${sec(t2 - t1)}, write ${sec(t3 - t2)})\n`,
      );
    } finally {
      await pool.close();
    }
  },
};

function sec(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
