import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import {
  generateSyntheticMarket, oracleScores, panelFingerprint, writeLongCsv, loadCsvPanel, loadPanel,
  forwardLabel, dailyIc, seriesStats, inspectPanel, Rng, type SyntheticMarket,
} from "../../src/data/index.ts";
import { scratchDir } from "./tmp-files.ts";

const tmp = scratchDir("synthetic");
afterAll(() => tmp.cleanup());

let market: SyntheticMarket; // the default size: 300 instruments × 1500 days
beforeAll(() => {
  market = generateSyntheticMarket({ seed: 42 });
});

describe("PRNG", () => {
  it("is deterministic, uniform in [0,1), and its t draws are fat-tailed with unit variance", () => {
    const a = new Rng(9), b = new Rng(9), c = new Rng("9x");
    const xs = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(xs);
    expect(c.uniform()).not.toBe(xs[0]);
    const r = new Rng(1);
    let s2 = 0, s4 = 0, mn = 1, mx = 0;
    const n = 200_000;
    for (let k = 0; k < n; k++) {
      const u = r.uniform();
      mn = Math.min(mn, u); mx = Math.max(mx, u);
      const t = r.studentT(5);
      s2 += t * t; s4 += t ** 4;
    }
    expect(mn).toBeGreaterThanOrEqual(0);
    expect(mx).toBeLessThan(1);
    expect(s2 / n).toBeGreaterThan(0.95);
    expect(s2 / n).toBeLessThan(1.05);
    expect((s4 / n) / (s2 / n) ** 2).toBeGreaterThan(5); // normal would be 3; t(5) is 9 in theory
  });
});

describe("synthetic market", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    const a = generateSyntheticMarket({ seed: 7, instruments: 40, days: 200 });
    const b = generateSyntheticMarket({ seed: 7, instruments: 40, days: 200 });
    const c = generateSyntheticMarket({ seed: 8, instruments: 40, days: 200 });
    expect(panelFingerprint(a.panel)).toBe(panelFingerprint(b.panel));
    expect([...oracleScores(a)]).toEqual([...oracleScores(b)]);
    expect(panelFingerprint(c.panel)).not.toBe(panelFingerprint(a.panel));
  });

  it("has the shape asked for: weekday calendar, OHLCV + vwap + amount, shared buffers, late listings, suspensions", () => {
    const { panel } = market;
    expect(panel.nInst).toBe(300);
    expect(panel.nDates).toBe(1500);
    expect(panel.dates[0]).toBe("2015-01-05");
    expect(panel.dates.every((d) => { const w = new Date(`${d}T00:00:00Z`).getUTCDay(); return w !== 0 && w !== 6; })).toBe(true);
    expect([...panel.fields.keys()].sort()).toEqual(["amount", "close", "high", "low", "open", "volume", "vwap"]);
    expect(panel.fields.get("close")!.buffer).toBeInstanceOf(SharedArrayBuffer);
    const lateListings = [...panel.first].filter((f) => f > 0).length;
    expect(lateListings).toBeGreaterThan(15);
    expect(lateListings).toBeLessThan(90);
    const info = inspectPanel(panel);
    expect(info.missingShare.close).toBeGreaterThan(0.003); // suspensions / missing days
    expect(info.missingShare.close).toBeLessThan(0.05);
  });

  it("prices are consistent (low ≤ open, close ≤ high; positive) and stylised facts hold", () => {
    const { panel } = market;
    const f = (n: string) => panel.fields.get(n)!;
    const [o, h, l, c, v, vw] = ["open", "high", "low", "close", "volume", "vwap"].map(f) as Float64Array[];
    let bad = 0;
    const rets: number[] = [], absR: number[] = [], lv: number[] = [];
    for (let i = 0; i < panel.nInst; i += 3) { // every third instrument keeps the test fast
      for (let t = panel.first[i]!; t <= panel.last[i]!; t++) {
        const k = i * panel.nDates + t;
        if (Number.isNaN(c![k]!)) continue;
        if (!(l![k]! <= Math.min(o![k]!, c![k]!) && h![k]! >= Math.max(o![k]!, c![k]!) && l![k]! > 0 && v![k]! >= 0 && vw![k]! >= l![k]! && vw![k]! <= h![k]!)) bad++;
        if (t > panel.first[i]! && !Number.isNaN(c![k - 1]!)) {
          const r = Math.log(c![k]! / c![k - 1]!);
          rets.push(r); absR.push(Math.abs(r)); lv.push(Math.log(v![k]! + 1));
        }
      }
    }
    expect(bad).toBe(0);
    const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
    const m = mean(rets);
    const m2 = mean(rets.map((r) => (r - m) ** 2)), m4 = mean(rets.map((r) => (r - m) ** 4));
    expect(m4 / m2 ** 2).toBeGreaterThan(4); // fat tails (normal: 3)
    const corr = (x: number[], y: number[]) => {
      const mx = mean(x), my = mean(y);
      let sxy = 0, sxx = 0, syy = 0;
      for (let k = 0; k < x.length; k++) { sxy += (x[k]! - mx) * (y[k]! - my); sxx += (x[k]! - mx) ** 2; syy += (y[k]! - my) ** 2; }
      return sxy / Math.sqrt(sxx * syy);
    };
    expect(corr(absR, lv)).toBeGreaterThan(0.1); // volume co-moves with |return|
    // volatility clustering: |r| autocorrelation within an instrument's series
    const closeI = c!.subarray(0, panel.nDates);
    const a: number[] = [];
    for (let t = 1; t < panel.nDates; t++) a.push(Math.abs(Math.log(closeI[t]! / closeI[t - 1]!)));
    const ok = a.map((x) => (Number.isFinite(x) ? x : 0));
    expect(corr(ok.slice(1), ok.slice(0, -1))).toBeGreaterThan(0.05);
    // a market factor: cross-sectional mean returns vary much more than idiosyncratic noise would allow
    const daily: number[] = [];
    for (let t = 1; t < panel.nDates; t++) {
      let s = 0, n = 0;
      for (let i = 0; i < panel.nInst; i++) {
        const r = c![i * panel.nDates + t]! / c![i * panel.nDates + t - 1]! - 1;
        if (Number.isFinite(r)) { s += r; n++; }
      }
      daily.push(s / n);
    }
    expect(Math.sqrt(mean(daily.map((x) => x * x)))).toBeGreaterThan(0.005);
  });

  it("oracle and planted signals have realistic, discoverable ICs", () => {
    const { oracle, byName } = market.trueIc;
    expect(oracle.rankIc).toBeGreaterThan(0.07);
    expect(oracle.rankIc).toBeLessThan(0.16);
    expect(market.planted.map((p) => p.name)).toEqual(["reversal_5d", "volume_price_divergence", "low_volatility", "close_location"]);
    for (const p of market.planted) {
      expect(p.trueIc).toBe(byName[p.name]);
      expect(p.trueIc.rankIc, p.name).toBeGreaterThan(0.015);
      expect(p.trueIc.rankIc, p.name).toBeLessThan(0.08);
      expect(p.expression).toMatch(/^RANK\(/);
      expect(p.schedule.strength).toHaveLength(1500);
      expect(p.schedule.regimes.length).toBeGreaterThan(2); // regimes switch
    }
    // with no alpha the oracle is zero and the signals are noise
    const flat = generateSyntheticMarket({ seed: 42, instruments: 100, days: 300, alphaScale: 0 });
    expect(Math.abs(flat.trueIc.byName.reversal_5d!.rankIc)).toBeLessThan(0.02);
  });

  it("oracle score at t is the planted expected value of the label close(t+2)/close(t+1)-1", () => {
    const { panel } = market;
    const label = forwardLabel(panel);
    const score = oracleScores(market);
    // Recompute IC from the exported pieces and compare with what the generator reports.
    const d = dailyIc(panel, score, label);
    expect(seriesStats(d.rankIc).mean).toBeCloseTo(market.trueIc.oracle.rankIc, 12);
    // Alignment, exactly: the same seed without alpha draws the same shocks, so the log-label
    // difference between the two markets is the planted component, i.e. the oracle score at t.
    const small = generateSyntheticMarket({ seed: 5, instruments: 60, days: 250 });
    const none = generateSyntheticMarket({ seed: 5, instruments: 60, days: 250, alphaScale: 0 });
    const c1 = small.panel.fields.get("close")!, c0 = none.panel.fields.get("close")!;
    const o = oracleScores(small);
    const n = small.panel.nDates;
    let checked = 0, bad = 0;
    for (let i = 0; i < small.panel.nInst; i++) {
      for (let t = 0; t + 2 < n; t++) {
        const k = i * n + t;
        const d = Math.log(c1[k + 2]! / c1[k + 1]!) - Math.log(c0[k + 2]! / c0[k + 1]!);
        if (!Number.isFinite(d) || Number.isNaN(o[k]!)) continue;
        checked++;
        if (Math.abs(d - o[k]!) > 2e-4 + 1e-4 / Math.min(c1[k + 1]!, c0[k + 1]!)) bad++; // prices are rounded to 4 dp
      }
    }
    expect(checked).toBeGreaterThan(10_000);
    expect(bad).toBe(0);
  });

  it("the decaying signal's strength and realised IC go to ~0 in the late part", () => {
    const decaying = market.planted.filter((p) => p.schedule.zeroFrom !== undefined);
    expect(decaying.map((p) => p.name)).toEqual(["low_volatility"]);
    const p = decaying[0]!;
    const zero = market.panel.dates.indexOf(p.schedule.zeroFrom!);
    expect(zero).toBeGreaterThan(1000);
    expect(p.schedule.strength.subarray(zero).every((x) => x === 0)).toBe(true);
    const d = dailyIc(market.panel, market.scores.get(p.name)!, forwardLabel(market.panel)).rankIc;
    const fade = market.panel.dates.indexOf(p.schedule.fadeStart!);
    const early = seriesStats(d, 0, fade).mean, late = seriesStats(d, zero, 1500).mean;
    expect(early).toBeGreaterThan(0.03);
    expect(Math.abs(late)).toBeLessThan(0.015);
  });

  it("writeLongCsv (.csv.gz) reloads bit-exactly; loadPanel('synthetic:SEED') generates and restricts", async () => {
    const m = generateSyntheticMarket({ seed: 11, instruments: 30, days: 120 });
    const path = join(tmp.dir, "syn.csv.gz");
    await writeLongCsv(path, m.panel);
    const back = await loadCsvPanel(path);
    expect(panelFingerprint(back.panel)).toBe(panelFingerprint(m.panel));
    const l = await loadPanel("synthetic:11", { synthetic: { instruments: 30, days: 120 }, instruments: 5, end: m.panel.dates[99] });
    expect(l.kind).toBe("synthetic");
    expect(l.market!.seed).toBe(11);
    expect(l.panel.instruments).toEqual(m.panel.instruments.slice(0, 5));
    expect(l.panel.nDates).toBe(100);
    const c = m.panel.fields.get("close")!, lc = l.panel.fields.get("close")!;
    expect(lc[2 * 100 + 50]).toBe(c[2 * 120 + 50]);
  });
});
