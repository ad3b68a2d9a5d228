/**
 * The end-to-end check of `quanta backtest` on CSI 300 (tracker issue 4): Alpha158 (qlib dialect),
 * train 2010–2014, valid 2015, test 2016–2018, universe from the point-in-time membership,
 * benchmark SH000300, dealing at the close. Runs the real CLI (bin/quanta.mjs) and prints the
 * metrics per range, the timings per step and the verdict against the target (test RankIC ≥ 0.045;
 * a reference XGBoost pipeline gets RankIC ~0.06, IC ~0.044, excess return with cost ~10 %/yr).
 * The CLI runs from the TypeScript sources (what bin/quanta.mjs falls back to), so a bundle rebuilt
 * by a concurrent edit cannot pull lazily loaded chunks from under a long run.
 *
 *   node --import tsx bench/backtest-csi300.ts [extra quanta backtest flags, e.g. --model linear]
 *
 * Reads ../shared/data and ../shared/reference by path (never copied into the repo); exits quietly
 * when they are absent. Writes the report and the daily series to $QUANTA_BENCH_OUT (default a
 * temporary directory). Exit 1 when the target is missed.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const shared = join(root, "..", "shared");
const data = join(shared, "data");
const files = {
  prices: join(data, "csi300_2010_2018.csv.gz"),
  members: join(data, "csi300_membership_2010_2018.csv.gz"),
  index: join(data, "index_cn_2010_2018.csv.gz"),
  exprs: join(shared, "reference", "alpha158.tsv"),
};
const missing = Object.values(files).filter((f) => !existsSync(f));
if (missing.length > 0) {
  console.log(`bench: ${missing.join(", ")} not found; nothing to measure`);
  process.exit(0);
}

const TARGET_RANK_IC = 0.045;
const out = process.env.QUANTA_BENCH_OUT ?? mkdtempSync(join(tmpdir(), "quanta-csi300-"));
const extra = process.argv.slice(2);
const args = [
  "--import",
  "tsx",
  join(root, "src", "cli", "entry.ts"),
  "backtest",
  "--data", files.prices,
  "--universe", files.members,
  "--benchmark", `${files.index}:SH000300`,
  "--exprs", files.exprs,
  "--dialect", "qlib",
  "--train", "2010:2014",
  "--valid", "2015",
  "--test", "2016:2018",
  "--deal-price", "close",
  "--report", join(out, "csi300.html"),
  "--daily", join(out, "csi300_daily.csv"),
  "--json",
  ...(extra.includes("--model") ? [] : ["--model", "gbdt"]),
  ...extra,
];
console.log(`quanta ${args.slice(3).join(" ")}\n`);

const t0 = performance.now();
const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
let stdout = "";
child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
const code: number = await new Promise((resolve) => child.on("close", (c) => resolve(c ?? 1)));
const wall = (performance.now() - t0) / 1000;
if (code !== 0) {
  console.log(`quanta backtest exited ${code}`);
  process.exit(1);
}

type Range = Record<string, number | null> & { annual: Record<string, number | null>[] };
const result = JSON.parse(stdout) as { ranges: Record<string, Range>; model: Record<string, unknown>; timings: Record<string, number> };
const f = (x: number | null | undefined, d = 4) => (typeof x === "number" ? x.toFixed(d) : "—").padStart(9);
const pct = (x: number | null | undefined) => (typeof x === "number" ? `${(x * 100).toFixed(2)}%` : "—").padStart(9);
console.log(`\nmodel: ${JSON.stringify(result.model)}`);
console.log(`range          IC   RankIC     ICIR RankICIR  ARR(ex) ARR(ex+c) IR(ex+c) MDD(ex+c) turnover`);
for (const [name, r] of Object.entries(result.ranges)) {
  console.log(
    `${name.padEnd(6)}${f(r.ic)}${f(r.rankIc)}${f(r.icir)}${f(r.rankIcir)}${pct(r.arr)}${pct(r.arrWithCost)}${f(r.irWithCost, 3)}${pct(r.mddWithCost)}${pct(r.turnover)}`,
  );
}
const test = result.ranges.test!;
console.log(`\ntest by year:`);
for (const y of test.annual) console.log(`  ${y.year}: RankIC ${f(y.rankIc)}  excess with cost ${pct(y.excessReturnWithCost)}`);
console.log(`\ntimings (s): ${Object.entries(result.timings).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ")}; process ${wall.toFixed(1)}`);
console.log(`report: ${join(out, "csi300.html")}`);
const ok = typeof test.rankIc === "number" && test.rankIc >= TARGET_RANK_IC;
console.log(`\ntest RankIC ${f(test.rankIc)} ${ok ? "≥" : "<"} target ${TARGET_RANK_IC}: ${ok ? "PASS" : "FAIL"}`);
process.exit(ok ? 0 : 1);
