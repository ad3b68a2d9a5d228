import { describe, expect, it } from "vitest";
import * as quanta from "../src/index.ts";

describe("package API", () => {
  it("exposes the engine, metrics, data, pool and library entry points", async () => {
    const { panel } = await quanta.data.loadPanel("synthetic:3", { synthetic: { instruments: 20, days: 120 } });
    const expr = quanta.factors.parseExpr("RANK(TS_MEAN($return, 5))", "quanta");
    const [values] = quanta.factors.evaluateFactors(panel, [expr], "quanta");
    const label = quanta.backtest.labelReturns(panel);
    const ic = quanta.backtest.icMetrics(values!, label, panel, { from: 10, to: panel.nDates - 1 });
    expect(ic.days).toBeGreaterThan(50);
    expect(Number.isFinite(ic.rankIc)).toBe(true);
    expect(typeof quanta.openLibrary).toBe("function");
    expect(typeof quanta.EvalPool).toBe("function");
  });
});
