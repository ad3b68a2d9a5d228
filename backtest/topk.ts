/**
 * TopK-Dropout portfolio simulation: qlib's TopkDropoutStrategy (method_sell "bottom", method_buy
 * "top", hold_thresh 1, only_tradable False, risk_degree 0.95) executed by its SimulatorExecutor
 * (serial: the strategy's sells, then its buys) on its Exchange and Account, as DESIGN.md §4
 * "The simulation, exactly" states. Sources followed: qlib/contrib/strategy/signal_strategy.py
 * (generate_trade_decision), qlib/backtest/exchange.py (deal_order, _calc_trade_info_by_order,
 * round_amount_by_trade_unit, _get_buy_amount_by_cash_limit, get_deal_price),
 * qlib/backtest/position.py (_buy_stock, _sell_stock), qlib/backtest/account.py (update_report).
 *
 * Interpretations (each also noted where it is implemented):
 *  - The signal of day t is the score array at calendar date t−1, read only when t−1 is inside the
 *    simulated window (the first day therefore holds cash, as qlib with a test-range signal).
 *    An instrument without a finite score at t−1 is absent from qlib's `pred_score`: not a buy
 *    candidate; a held one sorts last (`reindex` gives NaN, `sort_values` puts NaN last). If no
 *    instrument has a score at t−1 there are no orders that day.
 *  - Ties in score are broken by instrument name ascending (panel order); qlib's quicksort leaves
 *    them unspecified.
 *  - Untradable at t (both directions, qlib's `is_stock_tradable(direction=None)`): suspended —
 *    outside the instrument's span, close NaN, or volume NaN or ≤ 0 — or at the limit:
 *    |deal price / previous traded close − 1| ≥ threshold, on the panel's (adjusted) prices, where
 *    the deal price is the open or the close per `dealPrice` (so at the open no same-day close is
 *    used) and the previous traded close is the last close before t on a non-suspended day.
 *  - Deal price NaN or ≤ 1e-8 on a tradable day (e.g. a missing open) falls back to the close, as
 *    qlib's get_deal_price does; the limit test then uses that price.
 *  - Trade unit applies only if the panel has a `factor` field with a value wherever the close is
 *    finite in the window (qlib's trade_w_adj_price switch); otherwise amounts are not rounded.
 *  - qlib's list arithmetic is kept, including Python's slicing: `buy = today[:len(sell) + topk −
 *    len(last)]` counts planned sells, so a sell blocked by suspension or a limit still frees a
 *    buy and the book can hold more than topk names for a while (qlib issue #809). Set
 *    `capAtTopk` to count only sells that were actually placed (qlib PR #2223) instead.
 *  - Sells iterate the held names in instrument order and positions are valued in instrument
 *    order (qlib iterates a Python set: the order only moves float sums by an ulp).
 */
import type { Panel } from "../factors/panel.ts";
import type { IndexRange } from "./split.ts";
import { Split } from "./split.ts";

export interface TopkOptions {
  readonly topk?: number;
  readonly nDrop?: number;
  readonly dealPrice?: "open" | "close";
  /** Shares per lot where the data has a `factor` field; null disables rounding. Default 100. */
  readonly tradeUnit?: number | null;
  /** Buy cost rate (qlib open_cost). Default 0.0005. */
  readonly openCost?: number;
  /** Sell cost rate (qlib close_cost). Default 0.0015. */
  readonly closeCost?: number;
  readonly minCost?: number;
  /** |change| ≥ threshold blocks trading; null disables. Default 0.095. */
  readonly limitThreshold?: number | null;
  readonly initCash?: number;
  /** Share of cash spent on the day's buys. Default 0.95. */
  readonly riskDegree?: number;
  /** Count only sells actually placed when sizing buys, so holdings never exceed topk. Default false (qlib). */
  readonly capAtTopk?: boolean;
}

export const TOPK_DEFAULTS = {
  topk: 50,
  nDrop: 5,
  dealPrice: "close" as "open" | "close",
  tradeUnit: 100 as number | null,
  openCost: 0.0005,
  closeCost: 0.0015,
  minCost: 5,
  limitThreshold: 0.095 as number | null,
  initCash: 1e8,
  riskDegree: 0.95,
  capAtTopk: false,
};

export interface TopkResult {
  /** Calendar date indices simulated (the window). */
  readonly from: number;
  readonly to: number;
  readonly dates: readonly string[];
  /** Account value at the close of each day (cash + positions at their last price). */
  readonly value: Float64Array;
  readonly cash: Float64Array;
  /** Gross daily return: (value_t − value_{t−1} + cost_t) / value_{t−1}. */
  readonly ret: Float64Array;
  /** Cost and turnover (traded value, buys + sells) as fractions of value_{t−1}. */
  readonly cost: Float64Array;
  readonly turnover: Float64Array;
  readonly bench: Float64Array;
  /** ret − bench. */
  readonly excess: Float64Array;
  /** ret − bench − cost. */
  readonly excessWithCost: Float64Array;
  /** Instrument indices held at each day's close, ascending. */
  readonly holdings: readonly Int32Array[];
  readonly nBuys: Int32Array;
  readonly nSells: Int32Array;
  /** Sells the strategy planned but could not place (untradable that day). */
  readonly blockedSells: Int32Array;
  /** Whether lot rounding was applied (a complete `factor` field was present). */
  readonly tradeUnitApplied: boolean;
  /** Every executed trade (value > 1e-5), in execution order. */
  readonly trades: readonly TradeRecord[];
}

export interface TradeRecord {
  /** Day index in the window (date = dates[day]). */
  readonly day: number;
  readonly inst: number;
  readonly side: "buy" | "sell";
  /** Adjusted shares traded, deal price, traded value and its cost. */
  readonly amount: number;
  readonly price: number;
  readonly value: number;
  readonly cost: number;
}

/** Python float floor division `a // b` (CPython float_floor_div), exact at the boundaries. */
export function pyFloorDiv(a: number, b: number): number {
  const mod = a % b; // C fmod
  let div = (a - mod) / b;
  if (mod !== 0 && b < 0 !== mod < 0) div -= 1; // (CPython also moves mod; only div is needed)
  if (div !== 0) {
    let fl = Math.floor(div);
    if (div - fl > 0.5) fl += 1;
    return fl;
  }
  const q = a / b;
  return q < 0 || Object.is(q, -0) ? -0 : 0; // copysign(0.0, a / b)
}

/** Python `seq[:n]` (negative n drops from the end). */
function pyHead<T>(xs: readonly T[], n: number): T[] {
  return n >= 0 ? xs.slice(0, n) : xs.slice(0, Math.max(0, xs.length + n));
}

/** Python `seq[-n:]` (n = 0 gives the whole sequence: `-0` is 0). */
function pyTail<T>(xs: readonly T[], n: number): T[] {
  if (n === 0) return xs.slice();
  return n > 0 ? xs.slice(Math.max(0, xs.length - n)) : xs.slice(Math.min(xs.length, -n));
}

/** Per-day market facts the exchange needs, precomputed for the window. */
interface Market {
  readonly tradable: (i: number, t: number) => boolean;
  readonly suspended: (i: number, t: number) => boolean;
  readonly dealPrice: (i: number, t: number) => number;
  readonly close: (i: number, t: number) => number;
  readonly factor: ((i: number, t: number) => number) | undefined;
}

function field(panel: Panel, name: string): Float64Array {
  const f = panel.fields.get(name);
  if (!f) throw new Error(`topk: the panel has no ${name} field`);
  return f;
}

function buildMarket(panel: Panel, from: number, to: number, o: typeof TOPK_DEFAULTS): Market {
  const { nDates } = panel;
  const close = field(panel, "close");
  const volume = field(panel, "volume");
  const dealField = o.dealPrice === "open" ? field(panel, "open") : close;
  const suspended = (i: number, t: number): boolean => {
    if (t < panel.first[i]! || t > panel.last[i]!) return true;
    const p = i * nDates + t;
    const c = close[p]!;
    const v = volume[p]!;
    return !Number.isFinite(c) || !(v > 0);
  };
  const closeAt = (i: number, t: number): number => close[i * nDates + t]!;
  const dealPrice = (i: number, t: number): number => {
    const p = dealField[i * nDates + t]!;
    // qlib get_deal_price: NaN or ≤ 1e-8 → the close.
    return Number.isNaN(p) || p <= 1e-8 ? closeAt(i, t) : p;
  };
  // Previous traded close: the last close before t on a non-suspended day (NaN if none).
  const prevTradedClose = (i: number, t: number): number => {
    for (let s = t - 1; s >= panel.first[i]!; s--) if (!suspended(i, s)) return closeAt(i, s);
    return NaN;
  };
  const thr = o.limitThreshold;
  const tradable = (i: number, t: number): boolean => {
    if (suspended(i, t)) return false;
    if (thr === null) return true;
    const change = dealPrice(i, t) / prevTradedClose(i, t) - 1;
    // qlib: limit_buy = change ≥ thr, limit_sell = change ≤ −thr; NaN compares false.
    return !(change >= thr || change <= -thr);
  };
  let factor: Market["factor"];
  const fac = panel.fields.get("factor");
  if (fac && o.tradeUnit !== null) {
    let complete = true;
    for (let i = 0; i < panel.nInst && complete; i++)
      for (let t = from; t <= to; t++) {
        const p = i * nDates + t;
        if (Number.isFinite(close[p]!) && !Number.isFinite(fac[p]!)) {
          complete = false;
          break;
        }
      }
    if (complete) factor = (i, t) => fac[i * nDates + t]!;
  }
  return { tradable, suspended, dealPrice, close: closeAt, factor };
}

/** Score order: descending, NaN last, ties by instrument index (= name) ascending. */
function byScore(score: (i: number) => number): (a: number, b: number) => number {
  return (a, b) => {
    const sa = score(a);
    const sb = score(b);
    const na = Number.isNaN(sa);
    const nb = Number.isNaN(sb);
    if (na || nb) return na && nb ? a - b : na ? 1 : -1;
    return sb - sa || a - b;
  };
}

export interface TopkInput {
  readonly panel: Panel;
  /** Scores, instrument-major; the signal for day t is read at t−1. */
  readonly scores: Float64Array;
  /** The simulated dates (a Split's date window, or an index range). */
  readonly window: Split | IndexRange;
  /** Benchmark daily return per calendar date (length nDates); NaN counts as 0. */
  readonly bench: Float64Array;
}

export function simulateTopk(input: TopkInput, options: TopkOptions = {}): TopkResult {
  // Options left undefined (e.g. unset CLI flags) keep their defaults.
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as TopkOptions;
  const o = { ...TOPK_DEFAULTS, ...given };
  const { panel, scores } = input;
  const w = input.window instanceof Split ? input.window.window() : input.window;
  const from = Math.max(0, w.from);
  const to = Math.min(panel.nDates - 1, w.to);
  const nd = Math.max(0, to - from + 1);
  const { nDates, nInst } = panel;
  const mk = buildMarket(panel, from, to, o);
  const unit = o.tradeUnit;

  // qlib round_amount_by_trade_unit: (amount·factor + 0.1) // unit · unit / factor.
  const roundAmount = (amount: number, i: number, t: number): number => {
    if (!mk.factor || unit === null) return amount;
    const f = mk.factor(i, t);
    return (pyFloorDiv(amount * f + 0.1, unit) * unit) / f;
  };

  // Position (qlib Position): amount and last price per held instrument, plus cash.
  const held = new Uint8Array(nInst);
  const amount = new Float64Array(nInst);
  const price = new Float64Array(nInst);
  let cash = o.initCash;
  let lastValue = o.initCash;

  const res = {
    value: new Float64Array(nd),
    cash: new Float64Array(nd),
    ret: new Float64Array(nd),
    cost: new Float64Array(nd),
    turnover: new Float64Array(nd),
    bench: new Float64Array(nd),
    excess: new Float64Array(nd),
    excessWithCost: new Float64Array(nd),
    holdings: [] as Int32Array[],
    nBuys: new Int32Array(nd),
    nSells: new Int32Array(nd),
    blockedSells: new Int32Array(nd),
    trades: [] as TradeRecord[],
  };

  for (let k = 0; k < nd; k++) {
    const t = from + k;
    let dayCost = 0;
    let dayTurnover = 0;

    /** Exchange.deal_order of a whole-holding sell order on the live account. */
    const sell = (i: number): void => {
      const p = mk.dealPrice(i, t);
      // Sell order amount = the whole holding; np.isclose(deal, current) → no rounding.
      let deal = amount[i]!;
      let val = deal * p;
      // "in case of negative value of cash"
      if (cash + val < Math.max(val * o.closeCost, o.minCost)) deal = 0;
      val = deal * p;
      let c = Math.max(val * o.closeCost, o.minCost);
      if (val <= 1e-5) c = 0;
      if (val > 1e-5) {
        // Position._sell_stock
        amount[i] = amount[i]! - val / p;
        if (Math.abs(amount[i]!) <= 1e-5) {
          held[i] = 0;
          amount[i] = 0;
        }
        cash += val - c;
        dayCost += c;
        dayTurnover += val;
        res.nSells[k]!++;
        res.trades.push({ day: k, inst: i, side: "sell", amount: deal, price: p, value: val, cost: c });
      }
    };

    /** Exchange.deal_order of a buy order (amount already lot-rounded by the strategy). */
    const buy = (i: number, orderAmount: number): void => {
      const p = mk.dealPrice(i, t);
      const rate = o.openCost;
      let deal = orderAmount;
      let val = deal * p;
      if (cash < Math.max(val * rate, o.minCost)) {
        deal = 0; // cash cannot cover the cost
      } else if (cash < val + Math.max(val * rate, o.minCost)) {
        // _get_buy_amount_by_cash_limit
        let maxAmount = 0;
        if (cash >= o.minCost) {
          const critical = o.minCost / rate + o.minCost;
          maxAmount = cash >= critical ? cash / (1 + rate) / p : (cash - o.minCost) / p;
        }
        deal = roundAmount(Math.min(maxAmount, deal), i, t);
      } else {
        deal = roundAmount(deal, i, t);
      }
      val = deal * p;
      let c = Math.max(val * rate, o.minCost);
      if (val <= 1e-5) c = 0;
      if (val > 1e-5) {
        // Position._buy_stock: a new holding starts at the trade price.
        if (!held[i]) {
          held[i] = 1;
          amount[i] = val / p;
          price[i] = p;
        } else {
          amount[i] = amount[i]! + val / p;
        }
        cash -= val + c;
        dayCost += c;
        dayTurnover += val;
        res.nBuys[k]!++;
        res.trades.push({ day: k, inst: i, side: "buy", amount: deal, price: p, value: val, cost: c });
      }
    };

    const s = t - 1;
    if (s >= from) {
      const score = (i: number): number => scores[i * nDates + s]!;
      const heldList: number[] = [];
      const candidates: number[] = [];
      for (let i = 0; i < nInst; i++) {
        if (held[i]) heldList.push(i);
        else if (Number.isFinite(score(i))) candidates.push(i);
      }
      let anyScore = candidates.length > 0;
      for (const i of heldList) if (Number.isFinite(score(i))) anyScore = true;
      if (anyScore) {
        const cmp = byScore(score);
        const last = heldList.slice().sort(cmp);
        candidates.sort(cmp);
        const today = pyHead(candidates, o.nDrop + o.topk - last.length);
        const comb = last.concat(today).sort(cmp);
        const bottom = new Set(pyTail(comb, o.nDrop));
        const sellSet = new Set(last.filter((i) => bottom.has(i)));
        // Sells: held names in instrument order; untradable ones are skipped (no order).
        let placedSells = 0;
        for (const i of heldList) {
          if (!mk.tradable(i, t)) {
            if (sellSet.has(i)) res.blockedSells[k]!++;
            continue;
          }
          if (!sellSet.has(i)) continue;
          placedSells++;
          sell(i);
        }
        const nSellForBuy = o.capAtTopk ? placedSells : sellSet.size;
        const buyList = pyHead(today, nSellForBuy + o.topk - last.length);
        // Every planned buy gets an equal share of 95% of the cash after the sells, including
        // those that turn out untradable (their share stays in cash).
        const value = buyList.length > 0 ? (cash * o.riskDegree) / buyList.length : 0;
        const orders: [number, number][] = [];
        for (const i of buyList) {
          if (!mk.tradable(i, t)) continue;
          orders.push([i, roundAmount(value / mk.dealPrice(i, t), i, t)]);
        }
        for (const [i, a] of orders) buy(i, a);
      }
    }

    // Bar end: held prices move to the close unless suspended; value and the day's report.
    let stockValue = 0;
    const hold: number[] = [];
    for (let i = 0; i < nInst; i++) {
      if (!held[i]) continue;
      if (!mk.suspended(i, t)) price[i] = mk.close(i, t);
      stockValue += amount[i]! * price[i]!;
      hold.push(i);
    }
    const value = stockValue + cash;
    const b = input.bench[t]!;
    const bench = Number.isFinite(b) ? b : 0;
    const r = (value - lastValue + dayCost) / lastValue;
    res.value[k] = value;
    res.cash[k] = cash;
    res.ret[k] = r;
    res.cost[k] = dayCost / lastValue;
    res.turnover[k] = dayTurnover / lastValue;
    res.bench[k] = bench;
    res.excess[k] = r - bench;
    res.excessWithCost[k] = r - bench - dayCost / lastValue;
    res.holdings.push(Int32Array.from(hold));
    lastValue = value;
  }
  return {
    from,
    to,
    dates: panel.dates.slice(from, to + 1),
    ...res,
    tradeUnitApplied: mk.factor !== undefined,
  };
}

/** One row per simulated day, for `--daily FILE.csv` and reports. */
export interface TopkDailyRecord {
  readonly date: string;
  readonly value: number;
  readonly return: number;
  readonly cost: number;
  readonly turnover: number;
  readonly bench: number;
  readonly excess: number;
  readonly excessWithCost: number;
  /** Held instrument names at the close, space-separated. */
  readonly holdings: string;
}

export function topkDailyRecords(r: TopkResult, instruments: readonly string[]): TopkDailyRecord[] {
  return r.dates.map((date, k) => ({
    date,
    value: r.value[k]!,
    return: r.ret[k]!,
    cost: r.cost[k]!,
    turnover: r.turnover[k]!,
    bench: r.bench[k]!,
    excess: r.excess[k]!,
    excessWithCost: r.excessWithCost[k]!,
    holdings: Array.from(r.holdings[k]!, (i) => instruments[i]!).join(" "),
  }));
}
