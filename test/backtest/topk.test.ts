import { describe, expect, it } from "vitest";
import { byDate, makePanel } from "./helpers.ts";
import { pyFloorDiv, simulateTopk, topkDailyRecords, type TopkOptions } from "../../backtest/index.ts";
import type { Panel } from "../../factors/panel.ts";

const D = ["d0", "d1", "d2", "d3"];
const rel = (a: number, b: number): void => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));

function run(panel: Panel, scores: number[][], opts: TopkOptions, bench?: number[]) {
  return simulateTopk(
    {
      panel,
      scores: byDate(scores, panel.nDates, panel.nInst),
      window: { from: 0, to: panel.nDates - 1 },
      bench: Float64Array.from(bench ?? new Array<number>(panel.nDates).fill(0)),
    },
    opts,
  );
}

const heldNames = (p: Panel, h: Int32Array): string[] => [...h].map((i) => p.instruments[i]!);

describe("pyFloorDiv is Python's float //", () => {
  it("matches CPython at the awkward cases", () => {
    expect(pyFloorDiv(1, 0.1)).toBe(9); // Math.floor(1 / 0.1) would be 10
    expect(pyFloorDiv(0.7, 0.1)).toBe(6);
    expect(pyFloorDiv(-1, 0.1)).toBe(-10);
    expect(pyFloorDiv(299.99999999999994, 100)).toBe(2);
    expect(pyFloorDiv(-7, 2)).toBe(-4);
    expect(pyFloorDiv(1461.6384615384616, 100)).toBe(14);
    expect(pyFloorDiv(100, 100)).toBe(1);
  });
});

describe("TopK-Dropout, hand-computed (topk 2, n_drop 1, deal at close, no factor)", () => {
  // d1: buy A, B. d2: B is the bottom of comb → sold, C bought. d3: A sold; B planned but suspended.
  const panel = makePanel(D, ["A", "B", "C", "D"], {
    open: [
      [10, 20, 40, 50],
      [10, 20, 40, 50],
      [10.5, 19, 42, 50],
      [11, 19, 40, 55],
    ],
    close: [
      [10, 20, 40, 50],
      [10, 20, 40, 50],
      [10.5, 19, 42, 50],
      [11, 19, 40, 55],
    ],
    volume: [
      [1000, 1000, 1000, 1000],
      [1000, 1000, 1000, 1000],
      [1000, 1000, 1000, 1000],
      [1000, 0, 1000, 1000],
    ],
  });
  const scores = [
    [4, 3, 2, 1],
    [4, 1, 5, 0],
    [1, 2, 3, 0],
    [0, 0, 0, 0],
  ];
  const r = run(panel, scores, { topk: 2, nDrop: 1, initCash: 1e6 }, [0, 0.001, -0.002, 0]);

  it("day 0 holds cash: no signal for the day before the window", () => {
    expect(r.value[0]).toBe(1e6);
    expect(r.ret[0]).toBe(0);
    expect(r.holdings[0]!.length).toBe(0);
  });

  it("day 1 buys the top 2 with 95% of cash, equal weight, 0.05% cost", () => {
    expect(heldNames(panel, r.holdings[1]!)).toEqual(["A", "B"]);
    // 475000 each: A 47500 @ 10, B 23750 @ 20; cost 237.5 each.
    rel(r.cash[1]!, 1e6 - 2 * (475000 + 237.5));
    rel(r.value[1]!, 1e6 - 475);
    rel(r.cost[1]!, 475 / 1e6);
    rel(r.turnover[1]!, 950000 / 1e6);
    rel(r.ret[1]!, 0); // gross return: the cost is added back
    rel(r.excess[1]!, -0.001);
    rel(r.excessWithCost[1]!, -0.001 - 475 / 1e6);
  });

  it("day 2 sells the bottom of comb (B) and buys C with 95% of the cash after the sale", () => {
    expect(heldNames(panel, r.holdings[2]!)).toEqual(["A", "C"]);
    const cash1 = 1e6 - 2 * (475000 + 237.5);
    const sellVal = 23750 * 19;
    const sellCost = sellVal * 0.0015;
    const cashAfterSell = cash1 + (sellVal - sellCost);
    const buyVal = cashAfterSell * 0.95;
    const buyCost = buyVal * 0.0005;
    const cash2 = cashAfterSell - (buyVal + buyCost);
    rel(r.cash[2]!, cash2);
    const value2 = cash2 + 47500 * 10.5 + buyVal;
    rel(r.value[2]!, value2);
    rel(r.ret[2]!, (value2 - (1e6 - 475) + sellCost + buyCost) / (1e6 - 475));
    rel(r.cost[2]!, (sellCost + buyCost) / (1e6 - 475));
    rel(r.turnover[2]!, (sellVal + buyVal) / (1e6 - 475));
    expect(r.nSells[2]).toBe(1);
    expect(r.nBuys[2]).toBe(1);
  });

  it("day 3: the planned buy B is suspended (volume 0): its share stays in cash", () => {
    expect(heldNames(panel, r.holdings[3]!)).toEqual(["C"]);
    expect(r.nBuys[3]).toBe(0);
    const cash2 = r.cash[2]!;
    const sellVal = 47500 * 11;
    rel(r.cash[3]!, cash2 + (sellVal - sellVal * 0.0015));
    const amountC = (r.value[2]! - cash2 - 47500 * 10.5) / 42;
    rel(r.value[3]!, r.cash[3]! + amountC * 40);
  });

  it("daily records carry the date, the series and the holdings by name", () => {
    const rows = topkDailyRecords(r, panel.instruments);
    expect(rows.map((x) => x.holdings)).toEqual(["", "A B", "A C", "C"]);
    expect(rows[2]!.date).toBe("d2");
    expect(rows[1]!.excessWithCost).toBe(r.excessWithCost[1]);
  });

  it("records every trade with its cost", () => {
    expect(r.trades.map((t) => `${t.day}${t.side[0]}${panel.instruments[t.inst]}`)).toEqual(["1bA", "1bB", "2sB", "2bC", "3sA"]);
    for (const t of r.trades) expect(t.cost).toBeCloseTo(Math.max(t.value * (t.side === "buy" ? 0.0005 : 0.0015), 5), 9);
  });
});

describe("lot rounding, minimum cost and cash limits", () => {
  const two = (close: number[], extra: Record<string, number[][]> = {}): Panel =>
    makePanel(["d0", "d1"], ["A", "B"], {
      open: [close, close],
      close: [close, close],
      volume: [
        [1e6, 1e6],
        [1e6, 1e6],
      ],
      ...extra,
    });

  it("rounds amount·factor down to lots of 100 (+0.1 guard), min cost 5", () => {
    const p = two([13, 7], {
      factor: [
        [2, 0.5],
        [2, 0.5],
      ],
    });
    const r = run(p, [[2, 1], [0, 0]], { topk: 2, nDrop: 1, initCash: 20000 });
    expect(r.tradeUnitApplied).toBe(true);
    // 9500 each. A: 9500/13·2 = 1461.5 raw shares → 1400 → 700 adjusted; B: 9500/7·0.5 = 678.6 → 600 → 1200.
    const [a, b] = r.trades;
    expect(a!.amount).toBe(700);
    expect(b!.amount).toBe(1200);
    expect(a!.value).toBe(9100);
    expect(b!.value).toBe(8400);
    expect(a!.cost).toBe(5); // 9100·0.0005 = 4.55 < 5
    expect(b!.cost).toBe(5);
    rel(r.cash[1]!, 20000 - 9105 - 8405);
  });

  it("no rounding without a factor field", () => {
    const r = run(two([13, 7]), [[2, 1], [0, 0]], { topk: 2, nDrop: 1, initCash: 20000 });
    expect(r.tradeUnitApplied).toBe(false);
    rel(r.trades[0]!.amount, 9500 / 13);
  });

  it("no rounding when the factor has gaps where the close exists (qlib trade_w_adj_price)", () => {
    const p = two([13, 7], {
      factor: [
        [2, NaN],
        [2, 0.5],
      ],
    });
    expect(run(p, [[2, 1], [0, 0]], { topk: 2, nDrop: 1, initCash: 20000 }).tradeUnitApplied).toBe(false);
  });

  it("cash-limited buy below the critical cash: (cash − min_cost) / price", () => {
    const r = run(two([10, 10]), [[2, 1], [0, 0]], { topk: 1, nDrop: 1, initCash: 1000, riskDegree: 1 });
    const t = r.trades[0]!;
    rel(t.amount, 99.5);
    rel(t.cost, 5);
    rel(r.cash[1]!, 0);
  });

  it("cash-limited buy above it: cash / (1 + rate) / price, then lot rounding", () => {
    const r = run(two([10, 10]), [[2, 1], [0, 0]], { topk: 1, nDrop: 1, initCash: 1e6, riskDegree: 1 });
    rel(r.trades[0]!.amount, 1e6 / 1.0005 / 10);
    const p = two([10, 10], {
      factor: [
        [1, 1],
        [1, 1],
      ],
    });
    const q = run(p, [[2, 1], [0, 0]], { topk: 1, nDrop: 1, initCash: 1e6, riskDegree: 1 });
    expect(q.trades[0]!.amount).toBe(99900); // 99950.02 → lots of 100
  });

  it("a buy whose cost the cash cannot cover is dropped", () => {
    const r = run(two([10, 10]), [[2, 1], [0, 0]], { topk: 1, nDrop: 1, initCash: 4, riskDegree: 1 });
    expect(r.trades.length).toBe(0);
    expect(r.cash[1]).toBe(4);
  });
});

describe("tradability: limits, suspension, deal price", () => {
  // A and B held from d1; on d2 B's price jumps: its close +20% (open +5%).
  const mk = (bClose2: number, bOpen2: number, vol2B = 1000): Panel =>
    makePanel(D, ["A", "B", "C"], {
      open: [
        [10, 10, 10],
        [10, 10, 10],
        [10, bOpen2, 10],
        [10, 10, 10],
      ],
      close: [
        [10, 10, 10],
        [10, 10, 10],
        [10, bClose2, 10],
        [10, 10, 10],
      ],
      volume: [
        [1000, 1000, 1000],
        [1000, 1000, 1000],
        [1000, 1000, vol2B].map((v) => v),
        [1000, 1000, 1000],
      ],
    });
  // d1 buys A, B; d2 wants to drop B (lowest) for C.
  const scores = [
    [3, 2, 1],
    [3, 1, 2],
    [3, 1, 2],
    [0, 0, 0],
  ];

  it("at the limit (close +20%, dealing at the close) the planned sell is blocked; qlib still buys", () => {
    const r = run(mk(12, 10.5), scores, { topk: 2, nDrop: 1, initCash: 1e6 });
    expect(r.blockedSells[2]).toBe(1);
    expect(r.nSells[2]).toBe(0);
    expect(heldNames(mk(12, 10.5), r.holdings[2]!)).toEqual(["A", "B", "C"]); // topk exceeded, as qlib
    const capped = run(mk(12, 10.5), scores, { topk: 2, nDrop: 1, initCash: 1e6, capAtTopk: true });
    expect(capped.holdings[2]!.length).toBe(2);
  });

  it("dealing at the open, only the open (+5%) counts: B is sold", () => {
    const r = run(mk(12, 10.5), scores, { topk: 2, nDrop: 1, initCash: 1e6, dealPrice: "open" });
    expect(r.nSells[2]).toBe(1);
    const s = r.trades.find((t) => t.side === "sell")!;
    expect(s.price).toBe(10.5);
  });

  it("a move under the threshold trades, over it does not (both directions)", () => {
    // (10.95 / 10 − 1 is 0.09499999999999997 in floating point: under 0.095.)
    expect(run(mk(10.95, 10), scores, { topk: 2, nDrop: 1 }).nSells[2]).toBe(1);
    expect(run(mk(10.96, 10), scores, { topk: 2, nDrop: 1 }).nSells[2]).toBe(0);
    expect(run(mk(9.05, 10), scores, { topk: 2, nDrop: 1 }).nSells[2]).toBe(1);
    expect(run(mk(9.04, 10), scores, { topk: 2, nDrop: 1 }).nSells[2]).toBe(0);
    expect(run(mk(10.96, 10), scores, { topk: 2, nDrop: 1, limitThreshold: 0.1 }).nSells[2]).toBe(1);
    expect(run(mk(13, 10), scores, { topk: 2, nDrop: 1, limitThreshold: null }).nSells[2]).toBe(1);
  });

  it("a suspended holding keeps its last price and cannot be sold", () => {
    const p = mk(NaN, NaN);
    const r = run(p, scores, { topk: 2, nDrop: 1, initCash: 1e6 });
    expect(r.nSells[2]).toBe(0);
    const amountB = r.trades.find((t) => t.inst === 1)!.amount;
    // value = cash + A + B at its d1 close (10) + C
    const amountA = r.trades.find((t) => t.inst === 0)!.amount;
    const amountC = r.trades.find((t) => t.inst === 2)?.amount ?? 0;
    rel(r.value[2]!, r.cash[2]! + (amountA + amountB + amountC) * 10);
  });

  it("the limit compares with the previous traded close, skipping a suspended day", () => {
    // B suspended on d2 (volume 0, close repeated); on d3 its close is +12% over d1: blocked.
    const p = makePanel(["d0", "d1", "d2", "d3", "d4"], ["A", "B"], {
      open: [
        [10, 10],
        [10, 10],
        [10, 10],
        [10, 11.2],
        [10, 11.2],
      ],
      close: [
        [10, 10],
        [10, 10],
        [10, 10],
        [10, 11.2],
        [10, 11.2],
      ],
      volume: [
        [1, 1],
        [1, 1],
        [1, 0],
        [1, 1],
        [1, 1],
      ],
    });
    const r = run(
      p,
      [
        [2, 1],
        [2, 1],
        [1, 2],
        [1, 2],
        [0, 0],
      ],
      { topk: 1, nDrop: 1, initCash: 1e5 },
    );
    // d1 buys A; d3 wants B for A: B untradable (12% over its last traded close) → no buy.
    expect(r.trades.filter((t) => t.inst === 1 && t.day === 3).length).toBe(0);
    // d4: change vs d3's close is 0 → B is bought.
    expect(r.trades.some((t) => t.inst === 1 && t.day === 4 && t.side === "buy")).toBe(true);
  });

  it("a missing open falls back to the close as the deal price", () => {
    const p = makePanel(["d0", "d1"], ["A"], {
      open: [[10], [NaN]],
      close: [[10], [10.5]],
      volume: [[1], [1]],
    });
    const r = run(p, [[1], [0]], { topk: 1, nDrop: 1, dealPrice: "open", initCash: 1e5 });
    expect(r.trades[0]!.price).toBe(10.5);
  });
});

describe("ranking rules", () => {
  const flat = (nd: number, ni: number): Panel =>
    makePanel(
      Array.from({ length: nd }, (_, k) => `d${k}`),
      Array.from({ length: ni }, (_, k) => String.fromCharCode(65 + k)),
      {
        open: Array.from({ length: nd }, () => new Array<number>(ni).fill(10)),
        close: Array.from({ length: nd }, () => new Array<number>(ni).fill(10)),
        volume: Array.from({ length: nd }, () => new Array<number>(ni).fill(100)),
      },
    );

  it("options left undefined keep their defaults", () => {
    const p = flat(2, 4);
    const r = run(p, [[4, 3, 2, 1], [0, 0, 0, 0]], { topk: 2, nDrop: undefined, initCash: undefined });
    expect(r.value[0]).toBe(1e8);
    expect(r.holdings[1]!.length).toBe(2);
  });

  it("ties go to the instrument name, ascending", () => {
    const p = flat(2, 4);
    const r = run(p, [[1, 1, 1, 1], [0, 0, 0, 0]], { topk: 2, nDrop: 1 });
    expect(heldNames(p, r.holdings[1]!)).toEqual(["A", "B"]);
  });

  it("a held name without a score sorts last and is the one dropped", () => {
    const p = flat(3, 4);
    const r = run(p, [[4, 3, 2, 1], [NaN, 1, 2, 0], [0, 0, 0, 0]], { topk: 2, nDrop: 1 });
    expect(heldNames(p, r.holdings[2]!)).toEqual(["B", "C"]);
  });

  it("names without a score are never bought; no score at all means no orders", () => {
    const p = flat(3, 3);
    const r = run(p, [[NaN, NaN, 1], [NaN, NaN, NaN], [0, 0, 0]], { topk: 2, nDrop: 1 });
    expect(heldNames(p, r.holdings[1]!)).toEqual(["C"]);
    expect(r.trades.filter((t) => t.day === 2).length).toBe(0);
  });

  it("at most n_drop sells a day, and a higher-scored new name is not bought over a held one", () => {
    const p = flat(4, 6);
    const r = run(
      p,
      [
        [6, 5, 4, 3, 2, 1],
        [1, 2, 3, 4, 5, 6],
        [1, 2, 3, 4, 5, 6],
        [0, 0, 0, 0, 0, 0],
      ],
      { topk: 3, nDrop: 2 },
    );
    expect(heldNames(p, r.holdings[1]!)).toEqual(["A", "B", "C"]);
    expect(r.nSells[2]).toBe(2);
    expect(heldNames(p, r.holdings[2]!)).toEqual(["C", "E", "F"]);
    expect(r.nSells[3]).toBe(1);
    expect(heldNames(p, r.holdings[3]!)).toEqual(["D", "E", "F"]);
  });
});
