/**
 * The offline proposer's knowledge: economic mechanisms, each with hypothesis
 * variants (statements in words) and expression templates (typed trees with
 * window slots), plus the regime conditions mutation can add. Templates are
 * small on purpose — they pass the complexity gates with room for mutation —
 * and cover the stylised effects a real market (and the synthetic one) has:
 * short-term reversal, momentum, the low-volatility premium, illiquidity,
 * volume-price divergence, candle shape and regime-dependent effects.
 */
import type { Expr } from "../../factors/ast.ts";
import { add, bin, call, cond, div, field, mul, neg, num, sub } from "./tree.ts";

export type MechanismId = "momentum" | "reversal" | "volatility" | "liquidity" | "divergence" | "shape" | "regime";
export type DataKind = "price" | "volume" | "price-volume";
export type HorizonBucket = "short" | "long";

/** w = the main (hypothesis) window, m = a longer reference window. */
export interface Windows {
  readonly w: number;
  readonly m: number;
}

export interface Template {
  readonly id: string;
  /** Fields the expression reads (with `$`). */
  readonly fields: readonly string[];
  /** Smallest sensible main window (moments need points). */
  readonly minW?: number;
  readonly build: (win: Windows) => Expr;
  readonly description: (win: Windows) => string;
  readonly formulation: (win: Windows) => string;
}

export interface Variant {
  readonly id: string;
  readonly statement: (h: number) => string;
  readonly rationale: string;
  readonly fields: readonly string[];
  /** Template ids that implement this variant, best first. */
  readonly templates: readonly string[];
}

export interface Mechanism {
  readonly id: MechanismId;
  readonly title: string;
  readonly data: DataKind;
  readonly rationale: string;
  /** Matches free-text directions and hypotheses (from an LLM or a replay) to this mechanism. */
  readonly keywords: RegExp;
  readonly variants: readonly Variant[];
  readonly templates: readonly Template[];
}

/** Window ladder: mutation moves along it. */
export const WINDOW_LADDER: readonly number[] = [1, 2, 3, 5, 10, 20, 40, 60, 120];
export const HORIZON_WINDOWS: Readonly<Record<HorizonBucket, readonly number[]>> = { short: [3, 5, 10], long: [20, 40, 60] };

export function bucketOf(days: number): HorizonBucket {
  return days >= 15 ? "long" : "short";
}

/** The ladder value closest to `v` (ties to the smaller). */
export function snapWindow(v: number): number {
  let best = WINDOW_LADDER[0] as number;
  for (const w of WINDOW_LADDER) if (Math.abs(w - v) < Math.abs(best - v)) best = w;
  return best;
}

export function ladderIndex(v: number): number {
  return WINDOW_LADDER.indexOf(snapWindow(v));
}

/** A reference window about 3–4× the main one. */
export function longerWindow(w: number): number {
  for (const v of WINDOW_LADDER) if (v >= 3 * w) return v;
  return WINDOW_LADDER[WINDOW_LADDER.length - 1] as number;
}

export function windowsFor(days: number): Windows {
  const w = Math.max(2, snapWindow(days));
  return { w, m: Math.max(longerWindow(w), w + 1) };
}

const EPS = (): Expr => num(1e-8, false);
const $ = field;
const n = (v: number): Expr => num(v, true);
const pct = (a: Expr, w: number): Expr => call("TS_PCTCHANGE", a, n(w));

function t(
  id: string,
  fields: string[],
  build: (win: Windows) => Expr,
  description: (win: Windows) => string,
  formulation: (win: Windows) => string,
  minW?: number,
): Template {
  return { id, fields, build, description, formulation, ...(minW ? { minW } : {}) };
}

// ---------------------------------------------------------------------------------------------

const MOMENTUM: Mechanism = {
  id: "momentum",
  title: "Price momentum",
  data: "price",
  rationale: "investors under-react to news and trends are reinforced by herding, so past winners keep winning",
  keywords: /moment|trend|continu|winner|persist/i,
  templates: [
    t("mom_chg", ["$close"], ({ w }) => pct($("close"), w), ({ w }) => `${w}-day price change`, ({ w }) => `close_t / close_{t-${w}} - 1`),
    t("mom_sharpe", ["$return"], ({ w }) => div(call("TS_MEAN", $("return"), n(w)), add(call("TS_STD", $("return"), n(w)), EPS())),
      ({ w }) => `mean daily return over ${w} days per unit of its volatility`, ({ w }) => `mean_${w}(r) / std_${w}(r)`, 3),
    t("mom_slope", ["$close"], ({ w }) => div(call("REGBETA", $("close"), call("SEQUENCE", n(w)), n(w)), call("TS_MEAN", $("close"), n(w))),
      ({ w }) => `slope of the ${w}-day price trend relative to the price level`, ({ w }) => `beta(close ~ t, ${w}) / mean_${w}(close)`, 3),
    t("mom_ema", ["$close"], ({ w, m }) => sub(div(call("EMA", $("close"), n(w)), call("EMA", $("close"), n(m))), n(1)),
      ({ w, m }) => `gap between the ${w}-day and ${m}-day exponential averages of the price`, ({ w, m }) => `EMA_${w}(close) / EMA_${m}(close) - 1`),
    t("mom_high", ["$close", "$high"], ({ m }) => div($("close"), call("TS_MAX", $("high"), n(m))),
      ({ m }) => `closeness of the price to its ${m}-day high`, ({ m }) => `close / max_${m}(high)`),
  ],
  variants: [
    { id: "trend", statement: (h) => `Stocks whose price rose over the past ${h} trading days keep outperforming over the next days.`,
      rationale: "slow diffusion of information makes price trends persist", fields: ["$close"], templates: ["mom_chg", "mom_slope", "mom_ema"] },
    { id: "quality", statement: (h) => `Smooth, low-noise gains over the past ${h} days persist more than erratic ones.`,
      rationale: "a steady trend signals gradual information flow rather than noise", fields: ["$close", "$return"], templates: ["mom_sharpe", "mom_slope", "mom_chg"] },
    { id: "anchor", statement: (h) => `Stocks trading near their recent high (over about ${h} days and longer) continue upward.`,
      rationale: "investors anchor on recent highs and under-react when a price approaches them", fields: ["$close", "$high"], templates: ["mom_high", "mom_ema", "mom_chg"] },
  ],
};

const REVERSAL: Mechanism = {
  id: "reversal",
  title: "Price reversal",
  data: "price",
  rationale: "liquidity provision and overreaction make short-run price moves partly revert",
  keywords: /revers|revert|overreact|mean.?rev|contrarian|loser/i,
  templates: [
    t("rev_chg", ["$close"], ({ w }) => neg(pct($("close"), w)), ({ w }) => `negative ${w}-day price change`, ({ w }) => `-(close_t / close_{t-${w}} - 1)`),
    t("rev_decay", ["$return"], ({ w }) => neg(call("DECAYLINEAR", $("return"), n(w))),
      ({ w }) => `negative linearly decaying average of the last ${w} daily returns`, ({ w }) => `-sum_k (${w}-k) r_{t-k} / sum_k (${w}-k)`),
    t("rev_ma", ["$close"], ({ w }) => neg(sub(div($("close"), call("TS_MEAN", $("close"), n(w))), n(1))),
      ({ w }) => `negative gap between the price and its ${w}-day average`, ({ w }) => `-(close / mean_${w}(close) - 1)`),
    t("rev_z", ["$close"], ({ w }) => neg(call("TS_ZSCORE", $("close"), n(w))),
      ({ w }) => `negative z-score of the price within its last ${w} days`, ({ w }) => `-(close - mean_${w}) / std_${w}`, 3),
    t("rev_rank", ["$close"], ({ w }) => neg(call("TS_RANK", $("close"), n(w))),
      ({ w }) => `negative percentile of today's price within the last ${w} days`, ({ w }) => `-tsrank_${w}(close)`, 3),
    t("rev_resi", ["$close"], ({ w }) => neg(div(call("REGRESI", $("close"), call("SEQUENCE", n(w)), n(w)), $("close"))),
      ({ w }) => `negative residual of the price from its ${w}-day linear trend, relative to the price`, ({ w }) => `-resid(close ~ t, ${w}) / close`, 3),
    t("rev_rsv", ["$close", "$high", "$low"], ({ w }) => neg(div(sub($("close"), call("TS_MIN", $("low"), n(w))), add(sub(call("TS_MAX", $("high"), n(w)), call("TS_MIN", $("low"), n(w))), EPS()))),
      ({ w }) => `negative position of the price within its ${w}-day high-low range (stochastic %K)`, ({ w }) => `-(close - min_${w}(low)) / (max_${w}(high) - min_${w}(low))`, 3),
    t("rev_rsi", ["$close"], ({ w }) => neg(call("RSI", $("close"), n(w))),
      ({ w }) => `negative ${w}-day relative strength index of the price`, ({ w }) => `-RSI_${w}(close)`, 3),
    t("rev_updays", ["$return"], ({ w }) => neg(sub(call("COUNT", bin(">", $("return"), n(0)), n(w)), call("COUNT", bin("<", $("return"), n(0)), n(w)))),
      ({ w }) => `negative excess of up days over down days in the last ${w} days`, ({ w }) => `-(#{r > 0} - #{r < 0})_${w}`, 3),
    t("rev_timing", ["$close"], ({ w }) => div(sub(call("TS_ARGMAX", $("close"), n(w)), call("TS_ARGMIN", $("close"), n(w))), n(w)),
      ({ w }) => `how much more recent the ${w}-day closing low is than the closing high, in shares of the window`, ({ w }) => `(days since max_${w}(close) - days since min_${w}(close)) / ${w}`, 3),
  ],
  variants: [
    { id: "overreaction", statement: (h) => `Stocks with the largest gains over the past ${h} trading days underperform next, as overreaction to order flow reverts.`,
      rationale: "market makers demand a premium for absorbing order imbalances, which reverts", fields: ["$close", "$return"], templates: ["rev_chg", "rev_decay", "rev_rank"] },
    { id: "ma-gap", statement: (h) => `Prices stretched far from their ${h}-day average or trend line revert toward it.`,
      rationale: "temporary deviations from a recent fair-value anchor are corrected", fields: ["$close"], templates: ["rev_ma", "rev_z", "rev_resi", "rev_rank"] },
    { id: "overbought", statement: (h) => `Stocks that closed near the top of their ${h}-day trading range, after more up days than down days, are overbought and underperform next.`,
      rationale: "retail-driven buying pressure overshoots and is unwound; oscillators measure how stretched it is", fields: ["$close", "$high", "$low", "$return"],
      templates: ["rev_rsv", "rev_rsi", "rev_updays", "rev_timing"] },
  ],
};

const VOLATILITY: Mechanism = {
  id: "volatility",
  title: "Volatility and the low-volatility premium",
  data: "price",
  rationale: "leverage constraints and lottery preferences make volatile stocks overpriced",
  keywords: /volatil|risk|lottery|skew|dispersion|std/i,
  templates: [
    t("vol_std", ["$return"], ({ w }) => neg(call("TS_STD", $("return"), n(w))), ({ w }) => `negative ${w}-day return volatility`, ({ w }) => `-std_${w}(r)`, 3),
    t("vol_range", ["$high", "$low", "$close"], ({ w }) => neg(call("TS_MEAN", div(sub($("high"), $("low")), $("close")), n(w))),
      ({ w }) => `negative average daily range over ${w} days`, ({ w }) => `-mean_${w}((high - low) / close)`),
    t("vol_down", ["$return"], ({ w }) => neg(call("TS_STD", call("MIN", $("return"), n(0)), n(w))),
      ({ w }) => `negative downside volatility over ${w} days`, ({ w }) => `-std_${w}(min(r, 0))`, 5),
    t("vol_max", ["$return"], ({ w }) => neg(call("TS_MAX", $("return"), n(w))),
      ({ w }) => `negative largest daily return of the last ${w} days`, ({ w }) => `-max_${w}(r)`),
    t("vol_idio", ["$return"], ({ w }) => neg(call("TS_STD", sub($("return"), call("MEAN", $("return"))), n(w))),
      ({ w }) => `negative ${w}-day volatility of the return in excess of the market's`, ({ w }) => `-std_${w}(r - mean_cs(r))`, 3),
    t("vol_skew", ["$return"], ({ w }) => neg(call("TS_SKEW", $("return"), n(w))),
      ({ w }) => `negative skewness of daily returns over ${w} days`, ({ w }) => `-skew_${w}(r)`, 5),
    t("vol_ratio", ["$return"], ({ w, m }) => neg(div(call("TS_STD", $("return"), n(w)), add(call("TS_STD", $("return"), n(m)), EPS()))),
      ({ w, m }) => `negative ratio of ${w}-day to ${m}-day volatility`, ({ w, m }) => `-std_${w}(r) / std_${m}(r)`, 3),
  ],
  variants: [
    { id: "low-vol", statement: (h) => `Stocks with low return volatility over the past ${h} trading days earn higher subsequent returns (low-volatility anomaly).`,
      rationale: "leverage-constrained investors bid up risky stocks", fields: ["$return", "$high", "$low"], templates: ["vol_std", "vol_idio", "vol_range", "vol_down"] },
    { id: "lottery", statement: (h) => `Lottery-like stocks — extreme up days and positive skew over the past ${h} days — are overpriced and underperform.`,
      rationale: "preference for lottery-like payoffs inflates their prices", fields: ["$return"], templates: ["vol_max", "vol_skew", "vol_std"] },
    { id: "vol-shock", statement: (h) => `A rise of ${h}-day volatility above its longer-run level predicts lower returns.`,
      rationale: "volatility shocks raise uncertainty and selling pressure", fields: ["$return", "$high", "$low"], templates: ["vol_ratio", "vol_std", "vol_range"] },
  ],
};

const LIQUIDITY: Mechanism = {
  id: "liquidity",
  title: "Liquidity and trading activity",
  data: "volume",
  rationale: "investors demand a premium for illiquidity, and attention-driven volume spikes overprice stocks",
  keywords: /liquid|volume|turnover|attention|amihud|trading activity/i,
  templates: [
    t("liq_amihud", ["$return", "$volume", "$close"], ({ w }) => call("TS_MEAN", div(call("ABS", $("return")), add(mul($("volume"), $("close")), n(1))), n(w)),
      ({ w }) => `Amihud illiquidity: average absolute return per traded value over ${w} days`, ({ w }) => `mean_${w}(|r| / (volume * close))`),
    t("liq_size", ["$volume", "$close"], ({ w }) => neg(call("LOG", add(call("TS_MEAN", mul($("volume"), $("close")), n(w)), n(1)))),
      ({ w }) => `negative log of the average traded value over ${w} days`, ({ w }) => `-log(mean_${w}(volume * close))`),
    t("liq_abvol", ["$volume"], ({ w, m }) => neg(div(call("TS_MEAN", $("volume"), n(w)), add(call("TS_MEAN", $("volume"), n(m)), n(1)))),
      ({ w, m }) => `negative abnormal volume: ${w}-day over ${m}-day average volume`, ({ w, m }) => `-mean_${w}(volume) / mean_${m}(volume)`),
    t("liq_volcv", ["$volume"], ({ w }) => neg(div(call("TS_STD", $("volume"), n(w)), add(call("TS_MEAN", $("volume"), n(w)), n(1)))),
      ({ w }) => `negative coefficient of variation of volume over ${w} days`, ({ w }) => `-std_${w}(volume) / mean_${w}(volume)`, 3),
    t("liq_vrank", ["$volume"], ({ w }) => neg(call("TS_RANK", $("volume"), n(w))),
      ({ w }) => `negative percentile of today's volume within the last ${w} days`, ({ w }) => `-tsrank_${w}(volume)`, 3),
  ],
  variants: [
    { id: "illiquidity", statement: (h) => `Less liquid stocks — low traded value and high price impact over the past ${h} days — earn an illiquidity premium.`,
      rationale: "holders of illiquid stocks are compensated for trading costs", fields: ["$volume", "$close", "$return"], templates: ["liq_amihud", "liq_size", "liq_volcv"] },
    { id: "attention", statement: (h) => `Abnormally high trading volume over the past ${h} days signals attention-driven buying that later reverts.`,
      rationale: "attention-grabbing stocks are bought by noise traders and become overpriced", fields: ["$volume"], templates: ["liq_abvol", "liq_vrank", "liq_volcv"] },
  ],
};

const DIVERGENCE: Mechanism = {
  id: "divergence",
  title: "Volume-price divergence",
  data: "price-volume",
  rationale: "price moves not confirmed by volume are fragile, and volume leads price when informed traders accumulate",
  keywords: /diverg|confirm|volume.?price|price.?volume|correlation/i,
  templates: [
    t("div_corr", ["$close", "$volume"], ({ w }) => neg(call("TS_CORR", call("RANK", $("close")), call("RANK", $("volume")), n(w))),
      ({ w }) => `negative ${w}-day correlation of price rank and volume rank`, ({ w }) => `-corr_${w}(rank(close), rank(volume))`, 5),
    t("div_delta", ["$close", "$volume"], ({ w }) => neg(call("TS_CORR", call("DELTA", $("close"), n(1)), call("DELTA", $("volume"), n(1)), n(w))),
      ({ w }) => `negative ${w}-day correlation of daily price changes and daily volume changes`, ({ w }) => `-corr_${w}(Δclose, Δvolume)`, 5),
    t("div_retvol", ["$return", "$volume"], ({ w }) => neg(call("TS_CORR", $("return"), pct($("volume"), 1), n(w))),
      ({ w }) => `negative ${w}-day correlation of returns and volume changes`, ({ w }) => `-corr_${w}(r, volume_t / volume_{t-1} - 1)`, 5),
    t("div_rankdiff", ["$close", "$volume"], ({ w }) => sub(call("RANK", pct($("volume"), w)), call("RANK", pct($("close"), w))),
      ({ w }) => `volume growth rank minus price growth rank over ${w} days`, ({ w }) => `rank(dvolume_${w}) - rank(dclose_${w})`),
    t("div_cov", ["$close", "$volume"], ({ w }) => neg(call("TS_COVARIANCE", call("RANK", $("close")), call("RANK", $("volume")), n(w))),
      ({ w }) => `negative ${w}-day covariance of price rank and volume rank`, ({ w }) => `-cov_${w}(rank(close), rank(volume))`, 5),
    t("div_vwdir", ["$return", "$volume"], ({ w }) => neg(div(call("TS_SUM", mul($("return"), $("volume")), n(w)), add(call("TS_SUM", mul(call("ABS", $("return")), $("volume")), n(w)), EPS()))),
      ({ w }) => `negative volume-weighted direction of the last ${w} daily returns`, ({ w }) => `-sum_${w}(r * volume) / sum_${w}(|r| * volume)`),
    t("div_vsum", ["$volume"], ({ w }) => neg(div(call("TS_SUM", call("MAX", call("DELTA", $("volume"), n(1)), n(0)), n(w)), add(call("TS_SUM", call("ABS", call("DELTA", $("volume"), n(1))), n(w)), n(1)))),
      ({ w }) => `negative share of volume increases in the total volume change over ${w} days`, ({ w }) => `-sum_${w}(max(Δvolume, 0)) / sum_${w}(|Δvolume|)`, 3),
    t("div_plog", ["$close", "$volume"], ({ w }) => neg(call("TS_CORR", $("close"), call("LOG", add($("volume"), n(1))), n(w))),
      ({ w }) => `negative ${w}-day correlation of price and log volume`, ({ w }) => `-corr_${w}(close, log(volume))`, 5),
  ],
  variants: [
    { id: "confirmation", statement: (h) => `Price moves over the past ${h} days that volume does not confirm — price and volume diverge — tend to reverse.`,
      rationale: "moves on thin participation are driven by noise and fade", fields: ["$close", "$volume"], templates: ["div_delta", "div_corr", "div_plog"] },
    { id: "flow", statement: (h) => `When volume rises while price lags over the past ${h} days, informed accumulation precedes price gains.`,
      rationale: "informed traders trade before prices adjust", fields: ["$close", "$volume", "$return"], templates: ["div_rankdiff", "div_retvol", "div_corr"] },
    { id: "pressure", statement: (h) => `Net buying pressure — up-moves on heavy volume outweighing down-moves over the past ${h} days — overshoots and reverts.`,
      rationale: "crowded one-sided trading pushes prices past fair value, and the push fades when the flow stops", fields: ["$return", "$volume"],
      templates: ["div_vwdir", "div_vsum", "div_retvol"] },
  ],
};

const SHAPE: Mechanism = {
  id: "shape",
  title: "Range and candle shape",
  data: "price",
  rationale: "where prices open, close and extend within the day reveals the balance of buying and selling pressure",
  keywords: /candle|shadow|range|shape|gap|intraday|close location|wick/i,
  templates: [
    t("shape_clv", ["$close", "$high", "$low"], ({ w }) => call("TS_MEAN", div(sub($("close"), $("low")), add(sub($("high"), $("low")), EPS())), n(w)),
      ({ w }) => `average location of the close within the daily range over ${w} days`, ({ w }) => `mean_${w}((close - low) / (high - low))`),
    t("shape_body", ["$close", "$open", "$high", "$low"], ({ w }) => neg(call("TS_MEAN", div(sub($("close"), $("open")), add(sub($("high"), $("low")), EPS())), n(w))),
      ({ w }) => `negative average candle body relative to the range over ${w} days`, ({ w }) => `-mean_${w}((close - open) / (high - low))`),
    t("shape_upper", ["$high", "$open", "$close"], ({ w }) => neg(call("TS_MEAN", div(sub($("high"), call("MAX", $("open"), $("close"))), $("close")), n(w))),
      ({ w }) => `negative average upper shadow over ${w} days`, ({ w }) => `-mean_${w}((high - max(open, close)) / close)`),
    t("shape_lower", ["$low", "$open", "$close"], ({ w }) => call("TS_MEAN", div(sub(call("MIN", $("open"), $("close")), $("low")), $("close")), n(w)),
      ({ w }) => `average lower shadow over ${w} days`, ({ w }) => `mean_${w}((min(open, close) - low) / close)`),
    t("shape_gap", ["$open", "$close"], ({ w }) => neg(call("TS_MEAN", sub(div($("open"), call("DELAY", $("close"), n(1))), n(1)), n(w))),
      ({ w }) => `negative average overnight gap over ${w} days`, ({ w }) => `-mean_${w}(open_t / close_{t-1} - 1)`),
    t("shape_intraday", ["$open", "$close"], ({ w }) => neg(call("TS_SUM", sub(div($("close"), $("open")), n(1)), n(w))),
      ({ w }) => `negative sum of intraday returns over ${w} days`, ({ w }) => `-sum_${w}(close / open - 1)`),
  ],
  variants: [
    { id: "close-location", statement: (h) => `Where the close sits within the daily range over the past ${h} days reveals persistent buying or selling pressure.`,
      rationale: "closes near the high mean buyers held control through the day", fields: ["$close", "$high", "$low", "$open"], templates: ["shape_clv", "shape_body", "shape_lower"] },
    { id: "shadows", statement: (h) => `Long upper shadows over the past ${h} days mark rejected rallies, long lower shadows absorbed selling.`,
      rationale: "shadows show prices the market tried and rejected", fields: ["$high", "$low", "$open", "$close"], templates: ["shape_upper", "shape_lower", "shape_clv"] },
    { id: "gap", statement: (h) => `Overnight gaps and intraday moves over the past ${h} days overshoot and partly revert.`,
      rationale: "overnight news is over-weighted at the open", fields: ["$open", "$close"], templates: ["shape_gap", "shape_intraday", "shape_body"] },
  ],
};

const uptrend = (m: number): Expr => bin(">", $("close"), call("TS_MEAN", $("close"), n(m)));
const highVol = (w: number, m: number): Expr => bin(">", call("TS_STD", $("return"), n(w)), call("TS_STD", $("return"), n(m)));
const highVolume = (m: number): Expr => bin(">", $("volume"), call("TS_MEAN", $("volume"), n(m)));
const marketUp = (m: number): Expr => bin(">", call("TS_MEAN", call("MEAN", $("return")), n(m)), n(0));

const REGIME: Mechanism = {
  id: "regime",
  title: "Regime-conditioned effects",
  data: "price-volume",
  rationale: "the sign and strength of price effects depend on the trend, volatility and market regime",
  keywords: /regime|condition|state|switch|market.?wide|environment/i,
  templates: [
    t("reg_trend", ["$close"], ({ w, m }) => cond(uptrend(m), neg(pct($("close"), w)), pct($("close"), w)),
      ({ w, m }) => `${w}-day reversal above the ${m}-day average, ${w}-day momentum below it`, ({ w, m }) => `close > mean_${m}(close) ? -ret_${w} : ret_${w}`),
    t("reg_vol", ["$close", "$return"], ({ w, m }) => cond(highVol(w, m), neg(call("RANK", pct($("close"), w))), call("RANK", pct($("close"), w))),
      ({ w, m }) => `${w}-day reversal when volatility exceeds its ${m}-day level, momentum otherwise`, ({ w, m }) => `std_${w}(r) > std_${m}(r) ? -rank(ret_${w}) : rank(ret_${w})`, 3),
    t("reg_volume", ["$close", "$volume"], ({ w, m }) => mul(neg(pct($("close"), w)), highVolume(m)),
      ({ w, m }) => `${w}-day reversal only on days with volume above its ${m}-day average`, ({ w, m }) => `-ret_${w} * (volume > mean_${m}(volume))`),
    t("reg_market", ["$close", "$return"], ({ w, m }) => cond(marketUp(m), neg(pct($("close"), w)), neg(call("TS_STD", $("return"), n(w)))),
      ({ w, m }) => `${w}-day reversal in rising markets (${m}-day market return > 0), low volatility in falling ones`, ({ w, m }) => `mean_${m}(mkt) > 0 ? -ret_${w} : -std_${w}(r)`, 3),
  ],
  variants: [
    { id: "trend-regime", statement: (h) => `Over ${h}-day horizons, stocks above their longer-run trend revert while stocks below it keep drifting.`,
      rationale: "profit-taking dominates in uptrends, under-reaction in downtrends", fields: ["$close", "$volume"], templates: ["reg_trend", "reg_volume", "reg_vol"] },
    { id: "vol-regime", statement: (h) => `When a stock's volatility is above its longer-run level, its ${h}-day moves overshoot and reverse; in calm regimes they persist.`,
      rationale: "liquidity is scarce in volatile regimes, so price pressure is larger and reverts", fields: ["$close", "$return"], templates: ["reg_vol", "reg_trend", "reg_market"] },
    { id: "market-regime", statement: (h) => `Which ${h}-day effect pays depends on the market regime: reversal in rising markets, low volatility in falling ones.`,
      rationale: "risk appetite switches with the market trend", fields: ["$close", "$return"], templates: ["reg_market", "reg_vol", "reg_volume"] },
  ],
};

export const MECHANISMS: readonly Mechanism[] = [MOMENTUM, REVERSAL, VOLATILITY, LIQUIDITY, DIVERGENCE, SHAPE, REGIME];

export function mechanismById(id: string): Mechanism | undefined {
  return MECHANISMS.find((m) => m.id === id);
}

/**
 * The mechanism a free-text direction or hypothesis is about: an exact
 * `id[:variant]` first (the offline proposer writes those), then keywords,
 * then a stable fallback derived from the text.
 */
export function resolveMechanism(text: string, fallbackHash: number): { mechanism: Mechanism; variant: Variant | undefined } {
  const [head, tail] = text.trim().split(":", 2);
  const exact = head ? mechanismById(head.trim()) : undefined;
  if (exact) return { mechanism: exact, variant: exact.variants.find((v) => v.id === tail?.trim()) };
  // Regime words win over the mechanisms they condition ("regime-conditioned reversal").
  const ordered = [REGIME, DIVERGENCE, LIQUIDITY, VOLATILITY, SHAPE, REVERSAL, MOMENTUM];
  const hit = ordered.find((m) => m.keywords.test(text));
  return { mechanism: hit ?? (MECHANISMS[fallbackHash % MECHANISMS.length] as Mechanism), variant: undefined };
}

export function templateById(id: string): Template | undefined {
  for (const m of MECHANISMS) {
    const tpl = m.templates.find((x) => x.id === id);
    if (tpl) return tpl;
  }
  return undefined;
}

/** Regime conditions mutation can put in front of an expression. */
export const REGIME_CONDITIONS: readonly { id: string; fields: readonly string[]; build: (win: Windows) => Expr; describe: (win: Windows) => string }[] = [
  { id: "uptrend", fields: ["$close"], build: ({ m }) => uptrend(m), describe: ({ m }) => `the price is above its ${m}-day average` },
  { id: "high-vol", fields: ["$return"], build: ({ w, m }) => highVol(Math.max(3, w), m), describe: ({ w, m }) => `${Math.max(3, w)}-day volatility exceeds ${m}-day volatility` },
  { id: "high-volume", fields: ["$volume"], build: ({ m }) => highVolume(m), describe: ({ m }) => `volume is above its ${m}-day average` },
  { id: "market-up", fields: ["$return"], build: ({ m }) => marketUp(m), describe: ({ m }) => `the market's ${m}-day average return is positive` },
];
