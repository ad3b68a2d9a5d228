import type { Panel } from "../../../factors/panel.ts";
import { QuantaError } from "../../../factors/errors.ts";
import { Rng } from "./prng.ts";
import { SIGNALS, rankNormalise, rankScratch, type Ohlcv } from "./signals.ts";
import { forwardLabel, dailyIc, seriesStats } from "./ic.ts";
import { sharedFloat64 } from "../shared.ts";
import { assemblePanel } from "../panel-builder.ts";
import { parseIsoDate, slotToIso } from "../dates.ts";

export interface SyntheticOptions {
  readonly seed?: number | string;
  readonly instruments?: number;
  readonly days?: number;
  /** First calendar day (moved to the next weekday if it falls on a weekend). */
  readonly startDate?: string;
  /** Multiplies every planted strength (0 = a market with no alpha at all). */
  readonly alphaScale?: number;
}

/** How strongly a planted signal acts over time. */
export interface StrengthSchedule {
  /** Per date (signal date t): expected return per unit of the rank score is strength × 0.02. */
  readonly strength: Float64Array;
  /** Regime switches: the first date of each regime and its multiplier of the base strength. */
  readonly regimes: readonly { readonly start: string; readonly multiplier: number }[];
  readonly base: number;
  /** For the decaying signal: where the fade starts and from when it is zero. */
  readonly fadeStart?: string;
  readonly zeroFrom?: string;
}

export interface IcSummary {
  readonly ic: number;
  readonly rankIc: number;
  readonly rankIcir: number;
  readonly days: number;
}

export interface PlantedSignal {
  readonly name: string;
  /** quanta-dialect expression of what drives it (its RANK is the planted score). */
  readonly expression: string;
  readonly description: string;
  readonly schedule: StrengthSchedule;
  /** Realised IC of the signal's score against the label over the whole sample. */
  readonly trueIc: IcSummary;
}

export interface SyntheticMarket {
  readonly panel: Panel;
  readonly planted: readonly PlantedSignal[];
  /** Realised IC of the oracle (the exact planted expected return) and of each signal. */
  readonly trueIc: { readonly oracle: IcSummary; readonly byName: Readonly<Record<string, IcSummary>> };
  readonly seed: number | string;
  readonly options: Required<Omit<SyntheticOptions, "seed">>;
  /** Unit-variance rank score of each planted signal, instrument-major (NaN outside data). */
  readonly scores: ReadonlyMap<string, Float64Array>;
  /** The planted expected return of label(t) = close(t+2)/close(t+1) - 1, known at t. */
  readonly oracle: Float64Array;
}

/** Expected return per unit score per unit strength: strengths are then roughly IC units. */
const RETURN_UNIT = 0.02;
/** Base strength of each planted signal (IC units), tuned so each lands near 0.02–0.06 RankIC. */
const BASE_STRENGTH: Record<string, number> = {
  reversal_5d: 0.03,
  volume_price_divergence: 0.025,
  low_volatility: 0.07,
  close_location: 0.022,
};
/** Nearly uncorrelated with the others, so its realised IC really goes to ~0 once its strength does. */
const DECAYING = "low_volatility";
const REGIME_MULTIPLIERS = [0.35, 0.8, 1.0, 1.3, 1.7];

const defaults = { instruments: 300, days: 1500, startDate: "2015-01-05", alphaScale: 1 };

/**
 * A seeded synthetic equity market with realistic stylised facts and planted,
 * discoverable alphas. See DESIGN.md §2. Deterministic for a given seed and options.
 */
export function generateSyntheticMarket(opts: SyntheticOptions = {}): SyntheticMarket {
  const seed = opts.seed ?? 42;
  const o = { ...defaults, ...dropUndefined(opts) };
  const nInst = o.instruments, nDates = o.days;
  if (!Number.isInteger(nInst) || nInst < 2) throw new QuantaError(`synthetic: instruments must be an integer >= 2, got ${nInst}`);
  if (!Number.isInteger(nDates) || nDates < 30) throw new QuantaError(`synthetic: days must be an integer >= 30, got ${nDates}`);
  const startSlot = parseIsoDate(o.startDate);
  if (startSlot < 0) throw new QuantaError(`synthetic: startDate "${o.startDate}" is not a date (YYYY-MM-DD)`);
  const rng = new Rng(seed);

  const dates = weekdays(slotToIso(startSlot), nDates);
  const width = Math.max(4, String(nInst).length);
  const instruments = Array.from({ length: nInst }, (_, i) => `S${String(i + 1).padStart(width, "0")}`);

  // ---- per-instrument parameters (drawn in a fixed order) ----
  const beta = new Float64Array(nInst), sigma = new Float64Array(nInst), garchA = new Float64Array(nInst);
  const nu = new Int32Array(nInst), logV0 = new Float64Array(nInst), price0 = new Float64Array(nInst);
  const first = new Int32Array(nInst), last = new Int32Array(nInst);
  for (let i = 0; i < nInst; i++) {
    beta[i] = clamp(1 + 0.3 * rng.normal(), 0.2, 2);
    sigma[i] = clamp(0.02 * Math.exp(0.35 * rng.normal()), 0.008, 0.06);
    garchA[i] = 0.05 + 0.05 * rng.uniform();
    nu[i] = 4 + rng.int(5);
    logV0[i] = 13 + rng.normal();
    price0[i] = Math.exp(3.2 + 0.7 * rng.normal());
    first[i] = rng.uniform() < 0.15 ? 1 + rng.int(Math.floor(0.7 * nDates)) : 0;
    last[i] = rng.uniform() < 0.04 ? first[i]! + Math.floor((nDates - 1 - first[i]!) * (0.5 + 0.4 * rng.uniform())) : nDates - 1;
  }

  // ---- strength schedules ----
  const schedules = new Map<string, StrengthSchedule>();
  for (const sig of SIGNALS) schedules.set(sig.name, makeSchedule(rng, dates, BASE_STRENGTH[sig.name]! * o.alphaScale, sig.name === DECAYING));

  // ---- the visible panel ----
  const n = nInst * nDates;
  const F = {
    open: sharedFloat64(n), high: sharedFloat64(n), low: sharedFloat64(n), close: sharedFloat64(n),
    volume: sharedFloat64(n), vwap: sharedFloat64(n), amount: sharedFloat64(n),
  };
  const ohlcv: Ohlcv = F;
  const scores = new Map(SIGNALS.map((s) => [s.name, new Float64Array(n).fill(NaN)] as const));
  const scoreArrays = SIGNALS.map((s) => scores.get(s.name)!);
  const strengthArrays = SIGNALS.map((s) => schedules.get(s.name)!.strength);
  const oracle = new Float64Array(n).fill(NaN);

  // Latent state: the price keeps moving while an instrument is suspended (it gaps on resumption).
  const logP = Float64Array.from(price0, Math.log);
  const h = Float64Array.from(sigma, (s) => s * s);
  const volState = new Float64Array(nInst);
  const suspendedLeft = new Int32Array(nInst);
  let mh = 0.01 * 0.01;
  let prevM = 0;

  const raw = new Float64Array(nInst), unit = new Float64Array(nInst);
  const scratch = rankScratch(nInst);
  const present = new Int32Array(nInst);

  for (let t = 0; t < nDates; t++) {
    // Market factor: GARCH(1,1) with t(5) shocks and a small drift.
    mh = 0.01 * 0.01 * 0.04 + 0.08 * prevM * prevM + 0.88 * mh;
    const mShock = Math.sqrt(mh) * rng.studentT(5);
    prevM = mShock;
    const m = 0.0003 + mShock;

    for (let i = 0; i < nInst; i++) {
      // Draw every instrument's shocks every day, alive or not, so one instrument's life never shifts another's draws.
      const z = rng.studentT(nu[i]!);
      const gapNoise = rng.normal(), hiNoise = Math.abs(rng.normal()), loNoise = Math.abs(rng.normal());
      const volNoise = rng.normal(), vwapNoise = rng.uniform();
      const suspendDraw = rng.uniform(), suspendLen = rng.uniform();
      if (t < first[i]! || t > last[i]!) continue;
      const base = i * nDates;

      const a = garchA[i]!;
      const omega = sigma[i]! * sigma[i]! * (1 - a - 0.9);
      const eps = Math.sqrt(h[i]!) * z;
      h[i] = omega + a * eps * eps + 0.9 * h[i]!;

      // Planted alpha on today's return: driven by the signals of two days ago.
      let alpha = 0;
      if (t >= 2) {
        const c = base + t - 2;
        for (let k = 0; k < scoreArrays.length; k++) {
          const u = scoreArrays[k]![c]!;
          if (!Number.isNaN(u)) alpha += strengthArrays[k]![t - 2]! * u * RETURN_UNIT;
        }
      }
      const r = beta[i]! * m + eps + alpha;
      const prevClose = Math.exp(logP[i]!);
      logP[i] = logP[i]! + r;
      volState[i] = 0.9 * volState[i]! + 0.25 * volNoise;

      // Suspensions: spells of missing days (never on the first or last day of the span).
      if (suspendedLeft[i]! > 0) suspendedLeft[i] = suspendedLeft[i]! - 1;
      else if (t > first[i]! && t < last[i]! - 1 && suspendDraw < 0.002) suspendedLeft[i] = 1 + Math.floor(-Math.log(1 - suspendLen) * 3);
      if (suspendedLeft[i]! > 0 && t !== last[i]) continue;

      const close = Math.exp(logP[i]!);
      const sd = Math.sqrt(h[i]!);
      const open = prevClose * Math.exp(0.3 * r + 0.3 * sd * gapNoise);
      const hi = Math.max(open, close) * Math.exp(0.5 * sd * hiNoise);
      const lo = Math.min(open, close) * Math.exp(-0.5 * sd * loNoise);
      const volume = Math.round(Math.exp(logV0[i]! + volState[i]! + 0.6 * (Math.abs(eps + beta[i]! * mShock) / sigma[i]! - 0.8)));
      const c = base + t;
      F.open[c] = round4(open);
      F.close[c] = round4(close);
      F.high[c] = Math.max(round4(hi), F.open[c]!, F.close[c]!);
      F.low[c] = Math.min(round4(lo), F.open[c]!, F.close[c]!);
      F.volume[c] = volume;
      const vwap = round4(F.low[c]! + (F.high[c]! - F.low[c]!) * (0.25 + 0.5 * vwapNoise));
      F.vwap[c] = vwap;
      F.amount[c] = Math.round(vwap * volume * 100) / 100;
    }

    // Signals at t from the visible panel, rank-normalised over instruments with data today.
    let np = 0;
    for (let i = 0; i < nInst; i++) if (!Number.isNaN(F.close[i * nDates + t]!)) present[np++] = i;
    for (let k = 0; k < SIGNALS.length; k++) {
      const sig = SIGNALS[k]!;
      for (let p = 0; p < np; p++) {
        const i = present[p]!;
        raw[p] = sig.compute(ohlcv, i * nDates, t, first[i]!);
      }
      rankNormalise(raw, np, scratch, unit);
      const dst = scoreArrays[k]!;
      for (let p = 0; p < np; p++) dst[present[p]! * nDates + t] = unit[p]!;
    }
    for (let p = 0; p < np; p++) {
      const c = present[p]! * nDates + t;
      let s = 0;
      for (let k = 0; k < SIGNALS.length; k++) s += strengthArrays[k]![t]! * scoreArrays[k]![c]! * RETURN_UNIT;
      oracle[c] = s;
    }
  }

  const panel = assemblePanel({ dates, instruments, fields: new Map(Object.entries(F)), first, last });
  const label = forwardLabel(panel);
  const summarise = (score: Float64Array): IcSummary => {
    const d = dailyIc(panel, score, label);
    const r = seriesStats(d.rankIc);
    return { ic: seriesStats(d.ic).mean, rankIc: r.mean, rankIcir: r.ir, days: r.days };
  };
  const byName: Record<string, IcSummary> = {};
  const planted: PlantedSignal[] = SIGNALS.map((sig) => {
    const ic = summarise(scores.get(sig.name)!);
    byName[sig.name] = ic;
    return { name: sig.name, expression: sig.expression, description: sig.description, schedule: schedules.get(sig.name)!, trueIc: ic };
  });
  return {
    panel,
    planted,
    trueIc: { oracle: summarise(oracle), byName },
    seed,
    options: { instruments: nInst, days: nDates, startDate: dates[0]!, alphaScale: o.alphaScale },
    scores,
    oracle,
  };
}

/**
 * The oracle score per (instrument, date), instrument-major: the exact planted
 * expected return of the label Ref($close,-2)/Ref($close,-1)-1 known at date t.
 * NaN where the instrument has no data that day.
 */
export function oracleScores(market: SyntheticMarket): Float64Array {
  return market.oracle;
}

/**
 * Base strength × a regime multiplier (regimes of 120–400 days) × a slow
 * log-normal drift; the decaying signal fades linearly to zero between 55%
 * and 75% of the sample and stays zero after.
 */
function makeSchedule(rng: Rng, dates: readonly string[], base: number, decays: boolean): StrengthSchedule {
  const n = dates.length;
  const strength = new Float64Array(n);
  const regimes: { start: string; multiplier: number }[] = [];
  let t = 0;
  let drift = 0;
  while (t < n) {
    const len = 120 + rng.int(281);
    const multiplier = REGIME_MULTIPLIERS[rng.int(REGIME_MULTIPLIERS.length)]!;
    regimes.push({ start: dates[t]!, multiplier });
    for (let k = t; k < Math.min(n, t + len); k++) {
      drift = 0.995 * drift + 0.1 * rng.normal() * Math.sqrt(1 - 0.995 * 0.995) * 2.5;
      strength[k] = base * multiplier * Math.exp(drift);
    }
    t += len;
  }
  if (!decays) return { strength, regimes, base };
  const fade = Math.floor(0.55 * n), zero = Math.floor(0.75 * n);
  for (let k = fade; k < n; k++) strength[k] = strength[k]! * Math.max(0, (zero - k) / (zero - fade));
  return { strength, regimes, base, fadeStart: dates[fade]!, zeroFrom: dates[Math.min(zero, n - 1)]! };
}

/** `count` consecutive weekdays from `start` (a weekend start moves to Monday). */
function weekdays(start: string, count: number): string[] {
  const out: string[] = [];
  const d = new Date(`${start}T00:00:00Z`);
  while (out.length < count) {
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) out.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

function round4(x: number): number {
  return Math.round(x * 10000) / 10000;
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
