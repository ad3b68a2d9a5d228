/**
 * Cross-check against the pandas reference evaluator (/work/shared/reference/factor_ref.py):
 * ref_kernels.py builds a random panel (NaN gaps, ±inf, ties, partial spans, membership)
 * and prints the reference's values; every kernel must reproduce them. Skipped when
 * Debian's python3 with pandas is not installed.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as cross from "../../../factors/kernels/cross.ts";
import * as order from "../../../factors/kernels/order.ts";

const PY = "/usr/bin/python3";
const REF_DIR = process.env.QUANTA_REF_DIR ?? "/work/shared/reference";
const hasPandas =
  existsSync(PY) &&
  existsSync(`${REF_DIR}/factor_ref.py`) &&
  spawnSync(PY, ["-c", "import pandas, scipy"], { stdio: "ignore" }).status === 0;

type Cell = number | string | null;
interface RefDoc {
  nDates: number;
  nInst: number;
  first: number[];
  last: number[];
  member: number[];
  x: Cell[];
  results: Record<string, Cell[]>;
}

const decode = (a: Cell[]): Float64Array =>
  Float64Array.from(a, (v) => (v === null ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : Number(v)));

type TsKernel = (x: Float64Array, out: Float64Array, start: number, end: number, n: number, q?: number) => void;

const QLIB: Record<string, TsKernel> = {
  Max: order.rollingMax,
  Min: order.rollingMin,
  Med: order.rollingMedian,
  Count: order.rollingCount,
  Rank: order.rollingRank,
  IdxMax: order.qlibIdxMax,
  IdxMin: order.qlibIdxMin,
  Mad: order.rollingMeanAbsDev,
  Quantile: (x, o, s, e, n, q) => order.rollingQuantile(x, o, s, e, n, q!),
};
const QUANTA: Record<string, TsKernel> = {
  TS_MAX: order.rollingMax,
  TS_MIN: order.rollingMin,
  TS_MEDIAN: order.rollingMedian,
  TS_RANK: order.rollingRank,
  TS_ARGMAX: order.rollingArgMax,
  TS_ARGMIN: order.rollingArgMin,
  HIGHDAY: order.highDay,
  LOWDAY: order.lowDay,
  TS_MAD: order.rollingMedianAbsDev,
  TS_QUANTILE: (x, o, s, e, n, q) => order.rollingQuantile(x, o, s, e, n, q!),
};
/** Ops whose reference is a sum (Mad, moments): allowed 1e-12 relative; all others must be bit-identical. */
const ROUNDED = new Set(["Mad", "ZSCORE", "MEAN", "STD", "SKEW", "KURT", "SCALE"]);

describe.skipIf(!hasPandas)("kernels reproduce factor_ref.py", () => {
  const script = fileURLToPath(new URL("./ref_kernels.py", import.meta.url));
  for (const seed of [1]) {
    it(`seed ${seed}: every order and cross-sectional op`, () => {
      const doc = JSON.parse(
        execFileSync(PY, [script, String(seed)], { maxBuffer: 1 << 28, env: { ...process.env, QUANTA_REF_DIR: REF_DIR } }).toString(),
      ) as RefDoc;
      const { nDates, nInst } = doc;
      const x = decode(doc.x);
      // quanta nodes never hold ±inf: the evaluator has already made them NaN
      const xq = x.map((v) => (Number.isFinite(v) ? v : NaN));
      const panel: cross.CrossSectionShape = {
        nDates,
        nInst,
        first: Int32Array.from(doc.first),
        last: Int32Array.from(doc.last),
        member: Uint8Array.from(doc.member),
      };
      let checked = 0;
      for (const [key, raw] of Object.entries(doc.results)) {
        const [op, a1, a2] = key.split("/") as [string, string | undefined, string | undefined];
        const want = decode(raw);
        const got = new Float64Array(x.length).fill(NaN);
        const ts = QLIB[op] ?? QUANTA[op];
        if (ts) {
          const src = QLIB[op] ? x : xq;
          for (let i = 0; i < nInst; i++) {
            const first = panel.first[i]!;
            const last = panel.last[i]!;
            if (last < first) continue;
            ts(src, got, i * nDates + first, i * nDates + last + 1, Number(a1), a2 === undefined ? undefined : Number(a2));
          }
        } else {
          const k = {
            RANK: cross.csRank,
            ZSCORE: cross.csZscore,
            MEAN: cross.csMean,
            STD: cross.csStd,
            MEDIAN: cross.csMedian,
            MAX: cross.csMax,
            MIN: cross.csMin,
            SKEW: cross.csSkew,
            KURT: cross.csKurt,
          }[op];
          if (op === "SCALE") cross.csScale(xq, got, panel, Number(a1));
          else if (k) k(xq, got, panel);
          else throw new Error(`no kernel for ${key}`);
        }
        const exact = !ROUNDED.has(op);
        let bad = 0;
        let firstBad = "";
        for (let c = 0; c < x.length; c++) {
          const g = got[c]!;
          const w = want[c]!;
          const ok = Number.isNaN(w)
            ? Number.isNaN(g)
            : exact
              ? g === w
              : Math.abs(g - w) <= 1e-12 * Math.max(1, Math.abs(w));
          if (!ok) {
            if (!bad) firstBad = `cell ${c} (i=${Math.floor(c / nDates)}, t=${c % nDates}): got ${g}, want ${w}`;
            bad++;
          }
        }
        expect(bad, `${key}: ${bad} cells differ, first ${firstBad}`).toBe(0);
        checked++;
      }
      expect(checked).toBeGreaterThanOrEqual(90);
    });
  }
});
