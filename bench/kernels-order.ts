/**
 * Micro-benchmark of the order-statistic and cross-sectional kernels on the S&P 500
 * panel (505 × 1259): the Alpha158 workload (Max/Min/Quantile×2/Rank/IdxMax/IdxMin at
 * windows 5, 10, 20, 30, 60 = 35 panel passes) plus each cross-sectional kernel once.
 *
 *   node --import tsx bench/kernels-order.ts [--data FILE.csv.gz] [--reps 5]
 *
 * Prints the best of `reps` CPU times per kernel (single thread). Falls back to a
 * synthetic random-walk panel of the same shape when the data file is missing.
 */
import { existsSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import * as cross from "../factors/kernels/cross.ts";
import * as order from "../factors/kernels/order.ts";

interface BenchPanel {
  nDates: number;
  nInst: number;
  first: Int32Array;
  last: Int32Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
}

function arg(name: string, dflt: string): string {
  const k = process.argv.indexOf(name);
  return k >= 0 && process.argv[k + 1] !== undefined ? process.argv[k + 1]! : dflt;
}

/** Minimal long-CSV reader for this benchmark only (date,instrument,open,high,low,close,volume). */
function loadCsv(path: string): BenchPanel {
  const lines = gunzipSync(readFileSync(path)).toString("utf8").split("\n");
  const rows: Array<[string, string, number, number, number]> = [];
  const dateSet = new Set<string>();
  const instSet = new Set<string>();
  for (let k = 1; k < lines.length; k++) {
    const line = lines[k]!;
    if (!line) continue;
    const f = line.split(",");
    const num = (s: string | undefined) => (s === undefined || s === "" ? NaN : Number(s));
    rows.push([f[0]!, f[1]!, num(f[3]), num(f[4]), num(f[5])]);
    dateSet.add(f[0]!);
    instSet.add(f[1]!);
  }
  const dates = [...dateSet].sort();
  const insts = [...instSet].sort();
  const di = new Map(dates.map((d, k) => [d, k]));
  const ii = new Map(insts.map((s, k) => [s, k]));
  return fill(dates.length, insts.length, (put) => {
    for (const [d, s, h, l, c] of rows) put(ii.get(s)!, di.get(d)!, h, l, c);
  });
}

function synthetic(nDates: number, nInst: number): BenchPanel {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
  return fill(nDates, nInst, (put) => {
    for (let i = 0; i < nInst; i++) {
      let p = 50;
      const t0 = i % 10 === 0 ? Math.floor(rnd() * 600) : 0;
      for (let t = t0; t < nDates; t++) {
        p *= 1 + (rnd() - 0.5) * 0.04;
        const c = Math.round(p * 100) / 100;
        put(i, t, c * 1.01, c * 0.99, c);
      }
    }
  });
}

function fill(
  nDates: number,
  nInst: number,
  each: (put: (i: number, t: number, h: number, l: number, c: number) => void) => void,
): BenchPanel {
  const size = nDates * nInst;
  const p: BenchPanel = {
    nDates,
    nInst,
    first: new Int32Array(nInst).fill(nDates),
    last: new Int32Array(nInst).fill(-1),
    high: new Float64Array(size).fill(NaN),
    low: new Float64Array(size).fill(NaN),
    close: new Float64Array(size).fill(NaN),
  };
  each((i, t, h, l, c) => {
    const cell = i * nDates + t;
    p.high[cell] = h;
    p.low[cell] = l;
    p.close[cell] = c;
    if (t < p.first[i]!) p.first[i] = t;
    if (t > p.last[i]!) p.last[i] = t;
  });
  return p;
}

type TsKernel = (x: Float64Array, out: Float64Array, start: number, end: number, n: number) => void;

/** One kernel over every instrument's span, as the evaluator will call it. */
function perInstrument(p: BenchPanel, k: TsKernel, x: Float64Array, out: Float64Array, n: number): void {
  for (let i = 0; i < p.nInst; i++) {
    if (p.last[i]! < p.first[i]!) continue;
    k(x, out, i * p.nDates + p.first[i]!, i * p.nDates + p.last[i]! + 1, n);
  }
}

/**
 * Best of `reps` runs, in ms of this process's CPU time (user + system): on a
 * machine shared with other jobs the wall clock mostly measures the neighbours.
 */
function best(reps: number, fn: () => void): number {
  let b = Infinity;
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    b = Math.min(b, (c.user + c.system) / 1000);
  }
  return b;
}

const dataPath = arg("--data", "/work/shared/data/sp500_5yr_2013_2018.csv.gz");
const reps = Number(arg("--reps", "5"));
const t0 = performance.now();
const p = existsSync(dataPath) ? loadCsv(dataPath) : synthetic(1259, 505);
console.log(
  `panel ${p.nInst} × ${p.nDates} (${existsSync(dataPath) ? dataPath : "synthetic"}), loaded in ${(performance.now() - t0).toFixed(0)} ms; CPU ms, best of ${reps}`,
);

const out = new Float64Array(p.nDates * p.nInst);
const windows = [5, 10, 20, 30, 60];
const q80: TsKernel = (x, o, s, e, n) => order.rollingQuantile(x, o, s, e, n, 0.8);
const q20: TsKernel = (x, o, s, e, n) => order.rollingQuantile(x, o, s, e, n, 0.2);
const alpha158: Array<[string, TsKernel, Float64Array]> = [
  ["Max($high,n)", order.rollingMax, p.high],
  ["Min($low,n)", order.rollingMin, p.low],
  ["Quantile($close,n,0.8)", q80, p.close],
  ["Quantile($close,n,0.2)", q20, p.close],
  ["Rank($close,n)", order.rollingRank, p.close],
  ["IdxMax($high,n)", order.qlibIdxMax, p.high],
  ["IdxMin($low,n)", order.qlibIdxMin, p.low],
];
let total = 0;
for (const [name, k, x] of alpha158) {
  const ms = best(reps, () => {
    for (const n of windows) perInstrument(p, k, x, out, n);
  });
  total += ms;
  console.log(`  ${name.padEnd(24)} n=5,10,20,30,60  ${ms.toFixed(1).padStart(7)} ms`);
}
console.log(`  ${"Alpha158 order ops".padEnd(24)} 35 panel passes  ${total.toFixed(1).padStart(7)} ms`);

const extra: Array<[string, TsKernel]> = [
  ["rollingMedian n=20", order.rollingMedian],
  ["rollingMedianAbsDev n=20", order.rollingMedianAbsDev],
  ["rollingArgMax n=20", order.rollingArgMax],
  ["rollingCount n=20", order.rollingCount],
  ["rollingMeanAbsDev n=20", order.rollingMeanAbsDev],
];
for (const [name, k] of extra) {
  console.log(`  ${name.padEnd(40)} ${best(reps, () => perInstrument(p, k, p.close, out, 20)).toFixed(1).padStart(7)} ms`);
}
for (const [name, k] of [
  ["rollingRank n=0 (expanding)", order.rollingRank],
  ["rollingMedian n=0 (expanding)", order.rollingMedian],
] as Array<[string, TsKernel]>) {
  console.log(`  ${name.padEnd(40)} ${best(reps, () => perInstrument(p, k, p.close, out, 0)).toFixed(1).padStart(7)} ms`);
}

const shape: cross.CrossSectionShape = p;
const csKernels: Array<[string, (x: Float64Array, o: Float64Array, s: cross.CrossSectionShape) => void]> = [
  ["csRank", cross.csRank],
  ["csZscore", cross.csZscore],
  ["csScale", (x, o, s) => cross.csScale(x, o, s)],
  ["csMean", cross.csMean],
  ["csStd", cross.csStd],
  ["csMedian", cross.csMedian],
  ["csMax", cross.csMax],
  ["csSkew", cross.csSkew],
  ["csKurt", cross.csKurt],
];
for (const [name, k] of csKernels) {
  console.log(`  ${name.padEnd(40)} ${best(reps, () => k(p.close, out, shape)).toFixed(1).padStart(7)} ms`);
}
