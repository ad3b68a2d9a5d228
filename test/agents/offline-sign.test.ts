/**
 * The offline proposer's sign analysis: divisions by prices, volumes plus an epsilon, dispersions
 * and bar ranges plus an epsilon are kept; divisions by returns, price changes or signed means
 * (which cross zero) are refused, so generated ratios have no poles.
 */
import { describe, expect, it } from "vitest";
import { parseExpr } from "../../factors/parser.ts";
import { acceptable } from "../../agents/offline/operators.ts";
import { divisionsSafe, signOf } from "../../agents/offline/sign.ts";

const e = (s: string) => parseExpr(s, "quanta");

describe("offline sign analysis", () => {
  it("knows the sign of prices, volumes, dispersions, bar ranges and their combinations", () => {
    expect(signOf(e("$close"))).toBe("pos");
    expect(signOf(e("$volume"))).toBe("nonneg");
    expect(signOf(e("$volume + 1e-8"))).toBe("pos");
    expect(signOf(e("TS_STD($return, 20)"))).toBe("nonneg");
    expect(signOf(e("$high - $low"))).toBe("nonneg");
    expect(signOf(e("TS_MAX($high, 10) - $close"))).toBe("nonneg");
    expect(signOf(e("-TS_MEAN($close, 5)"))).toBe("neg");
    expect(signOf(e("$return"))).toBe("any");
    expect(signOf(e("$close - DELAY($close, 5)"))).toBe("any");
  });

  it("accepts divisions by constant-sign quantities only", () => {
    for (const ok of ["$close / TS_MEAN($close, 20)", "($close - $open) / ($high - $low + 1e-8)", "TS_MEAN($return, 5) / (TS_STD($return, 20) + 1e-8)", "$volume / (TS_MEAN($volume, 20) + 1e-8)"]) {
      expect(divisionsSafe(e(ok)), ok).toBe(true);
    }
    for (const bad of ["$close / $return", "($close - $open) / ($high - $low)", "TS_MEAN($return, 5) / TS_MEAN($return, 20)", "$volume / TS_MEAN($volume, 20)", "RANK($close / DELTA($close, 5))"]) {
      expect(divisionsSafe(e(bad)), bad).toBe(false);
    }
  });

  it("keeps the proposer from emitting a ratio with poles", () => {
    expect(acceptable(e("$close / TS_MEAN($close, 20)"))).toBeDefined();
    expect(acceptable(e("TS_MEAN($return, 5) / TS_MEAN($return, 20)"))).toBeUndefined();
  });
});
