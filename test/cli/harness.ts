/**
 * Helpers for the end-to-end CLI suites: run `main(argv)` in-process with stdout/stderr captured, run
 * the real binary as a child process, read long tables back (CSV, CSV.gz, Parquet), and compare them
 * with the pandas reference to the README's tolerance.
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { vi } from "vitest";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { main } from "../../src/cli/main.ts";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const CLI_FIXTURES = fileURLToPath(new URL("../fixtures/cli/", import.meta.url));
/** 12 S&P 500 instruments 2014-01-02..2016-06-30 with bad ticks, gaps, a flat stretch, late starts, an early end. */
export const SP500_SLICE = fileURLToPath(new URL("../fixtures/factors/sp500_slice.csv.gz", import.meta.url));
export const REFERENCE_DIR = fileURLToPath(new URL("../../../shared/reference/", import.meta.url));
export const PYTHON = "/usr/bin/python3";

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function text(chunk: unknown): string {
  return typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8");
}

/**
 * `quanta <argv>` in this process. yargs prints help through console.log, the commands through
 * process.stdout/stderr: all four are captured (and silenced).
 */
export async function runCli(argv: readonly string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const spies = [
    vi.spyOn(process.stdout, "write").mockImplementation(((chunk: unknown) => (out.push(text(chunk)), true)) as typeof process.stdout.write),
    vi.spyOn(process.stderr, "write").mockImplementation(((chunk: unknown) => (err.push(text(chunk)), true)) as typeof process.stderr.write),
    vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.map(String).join(" ") + "\n")),
    vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.map(String).join(" ") + "\n")),
  ];
  let code: number;
  try {
    code = await main([...argv]);
  } finally {
    for (const s of spies) s.mockRestore();
  }
  return { code, stdout: out.join(""), stderr: err.join("") };
}

/** The real `bin/quanta.mjs` as a child process (exit code, stdout, stderr). */
export function runBinary(argv: readonly string[], opts: { timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [`${REPO}bin/quanta.mjs`, ...argv],
      { cwd: REPO, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: "1" } },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") return reject(error);
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** A long table read back: header names and the rows' cells as strings (CSV) — see readTable. */
export interface LongTable {
  readonly columns: readonly string[];
  readonly dates: readonly string[];
  readonly instruments: readonly string[];
  /** value columns (after date, instrument) by name; NaN = missing */
  readonly values: ReadonlyMap<string, Float64Array>;
  /** raw text lines without the header (CSV only) */
  readonly lines?: readonly string[];
}

function parseCell(s: string): number {
  if (s === "") return NaN;
  const v = Number(s);
  if (Number.isNaN(v)) throw new Error(`not a number in a factor table: ${JSON.stringify(s)}`);
  return v;
}

/** Read `date,instrument,<names>` from .csv, .csv.gz or .parquet. */
export async function readTable(path: string): Promise<LongTable> {
  if (/\.parquet$/i.test(path)) {
    const rows = (await parquetReadObjects({ file: await asyncBufferFromFile(path) })) as Record<string, unknown>[];
    const columns = rows.length > 0 ? Object.keys(rows[0]!) : [];
    const names = columns.slice(2);
    const values = new Map(names.map((n) => [n, Float64Array.from(rows, (r) => (r[n] === null ? NaN : Number(r[n])))]));
    return { columns, dates: rows.map((r) => String(r.date)), instruments: rows.map((r) => String(r.instrument)), values };
  }
  const raw = readFileSync(path);
  const body = (/\.gz$/i.test(path) ? gunzipSync(raw) : raw).toString("utf8");
  if (!body.endsWith("\n")) throw new Error(`${path}: no final newline`);
  const all = body.slice(0, -1).split("\n");
  const columns = all[0]!.split(",");
  const lines = all.slice(1);
  const names = columns.slice(2);
  const values = new Map(names.map((n) => [n, new Float64Array(lines.length)]));
  const dates: string[] = [];
  const instruments: string[] = [];
  lines.forEach((line, r) => {
    const cells = line.split(",");
    if (cells.length !== columns.length) throw new Error(`${path}: row ${r + 2} has ${cells.length} cells, header ${columns.length}`);
    dates.push(cells[0]!);
    instruments.push(cells[1]!);
    names.forEach((n, k) => (values.get(n)![r] = parseCell(cells[k + 2]!)));
  });
  return { columns, dates, instruments, values, lines };
}

/** |a − b| ≤ 1e-6·|b| + 1e-9, NaN exactly where b is NaN. */
export function close(a: number, b: number): boolean {
  return Number.isNaN(b) ? Number.isNaN(a) : Math.abs(a - b) <= 1e-6 * Math.abs(b) + 1e-9;
}

/**
 * Differences between two tables (same columns, same rows in the same order, values within tolerance
 * of `ref`); an empty list when they agree. Reports at most a few examples per column.
 */
export function tableDiff(ours: LongTable, ref: LongTable, eq: (a: number, b: number) => boolean = close): string[] {
  const problems: string[] = [];
  if (ours.columns.join(",") !== ref.columns.join(",")) problems.push(`columns ${ours.columns.join(",")} vs ${ref.columns.join(",")}`);
  if (ours.dates.length !== ref.dates.length) problems.push(`${ours.dates.length} rows vs ${ref.dates.length}`);
  const n = Math.min(ours.dates.length, ref.dates.length);
  for (let r = 0; r < n && problems.length < 5; r++) {
    if (ours.dates[r] !== ref.dates[r] || ours.instruments[r] !== ref.instruments[r]) {
      problems.push(`row ${r}: ${ours.dates[r]},${ours.instruments[r]} vs ${ref.dates[r]},${ref.instruments[r]}`);
    }
  }
  if (problems.length > 0) return problems;
  for (const [name, b] of ref.values) {
    const a = ours.values.get(name);
    if (!a) continue;
    let bad = 0;
    let example = "";
    for (let r = 0; r < n; r++) {
      if (!eq(a[r]!, b[r]!)) {
        if (bad++ === 0) example = `${ref.dates[r]} ${ref.instruments[r]}: ${a[r]} vs ${b[r]}`;
      }
    }
    if (bad > 0) problems.push(`${name}: ${bad} cells differ, e.g. ${example}`);
  }
  return problems;
}

/** True when Debian's python has pandas (the reference's dependency). */
export function referenceAvailable(): boolean {
  if (!existsSync(PYTHON) || !existsSync(`${REFERENCE_DIR}factor_ref.py`)) return false;
  return spawnSync(PYTHON, ["-c", "import pandas, numpy"], { stdio: "ignore", timeout: 30_000 }).status === 0;
}

/**
 * Run several reference commands in ONE python process (pandas' import dominates the cost): each job
 * is `["factor_ref" | "metrics_ref", ...argv]`, run through the module's own `main(argv)`. Rejects
 * with the reference's stderr if any job exits non-zero.
 */
export function runReference(jobs: readonly (readonly string[])[]): Promise<void> {
  const script = [
    "import json, sys",
    `sys.path.insert(0, ${JSON.stringify(REFERENCE_DIR)})`,
    "import factor_ref, metrics_ref",
    "mods = {'factor_ref': factor_ref, 'metrics_ref': metrics_ref}",
    "for job in json.loads(sys.argv[1]):",
    "    rc = mods[job[0]].main(job[1:])",
    "    if rc: sys.exit(f'reference job {job} exited {rc}')",
  ].join("\n");
  return new Promise((resolve, reject) => {
    execFile(PYTHON, ["-c", script, JSON.stringify(jobs)], { timeout: 120_000, maxBuffer: 64 << 20 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`reference failed: ${error.message}\n${stderr}`));
      else resolve();
    });
  });
}
