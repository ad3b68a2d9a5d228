import { describe, expect, it } from "vitest";
import { DEFAULT_THRESHOLDS, decide, referenceOf } from "../../src/retrain/decay.ts";

const m = (rankIc: number, rankIcir = 0.3, rankDays = 240) => ({ ic: rankIc, icir: rankIcir, rankIc, rankIcir, rankDays, days: rankDays });
const ref = (rankIc: number) => ({ split: "valid", metrics: m(rankIc) });

describe("decay verdicts", () => {
  it("keeps a factor that holds its RankIC, and lets a watched one recover", () => {
    expect(decide({ status: "active", reference: ref(0.04), recent: m(0.035) })).toMatchObject({ status: "active", rule: "ok" });
    const v = decide({ status: "watch", reference: ref(0.04), recent: m(0.03) });
    expect(v).toMatchObject({ status: "active", rule: "ok" });
    expect(v.reason).toMatch(/^recovered: .*keeps 75%/);
    expect(v.retention).toBeCloseTo(0.75, 12);
  });

  it("watches a drop below half and retires below a quarter, in the reference's direction", () => {
    expect(decide({ status: "active", reference: ref(0.04), recent: m(0.015) })).toMatchObject({ status: "watch", rule: "drop" });
    expect(decide({ status: "active", reference: ref(0.04), recent: m(0.008) })).toMatchObject({ status: "retired", rule: "decay" });
    // A negative factor (short the high scores) holds when the window RankIC stays negative.
    expect(decide({ status: "active", reference: ref(-0.04), recent: m(-0.035, -0.3) })).toMatchObject({ status: "active" });
    expect(decide({ status: "active", reference: ref(-0.04), recent: m(-0.005, -0.05) })).toMatchObject({ status: "retired", rule: "decay" });
    // Boundaries: exactly at the ratio is not below it.
    expect(decide({ status: "active", reference: ref(0.04), recent: m(0.02) }).status).toBe("active");
    expect(decide({ status: "active", reference: ref(0.04), recent: m(0.01) }).status).toBe("watch");
  });

  it("calls a significant opposite sign a flip, an insignificant one decay", () => {
    // t = rankIcir · √days = -0.2 · √240 ≈ -3.1
    const flip = decide({ status: "active", reference: ref(0.04), recent: m(-0.02, -0.2) });
    expect(flip).toMatchObject({ status: "retired", rule: "sign-flip" });
    expect(flip.t).toBeCloseTo(-0.2 * Math.sqrt(240), 12);
    expect(decide({ status: "active", reference: ref(0.04), recent: m(-0.002, -0.02) })).toMatchObject({ status: "retired", rule: "decay" });
    expect(decide({ status: "active", reference: ref(-0.04), recent: m(0.02, 0.2) })).toMatchObject({ rule: "sign-flip" });
  });

  it("watches a factor that became correlated with a stronger one, only if its IC holds", () => {
    const corr = { name: "MOM", id: 7, corr: -0.75 };
    const v = decide({ status: "active", reference: ref(0.04), recent: m(0.04), correlation: corr });
    expect(v).toMatchObject({ status: "watch", rule: "correlation" });
    expect(v.reason).toContain("MOM #7");
    expect(decide({ status: "active", reference: ref(0.04), recent: m(0.04), correlation: { ...corr, corr: 0.69 } }).status).toBe("active");
    expect(decide({ status: "active", reference: ref(0.04), recent: m(0.005), correlation: corr }).rule).toBe("decay");
  });

  it("gives no verdict without enough days or without a reference", () => {
    expect(decide({ status: "watch", reference: ref(0.04), recent: m(-0.1, -1, 19) })).toMatchObject({ status: "watch", rule: "no-data" });
    expect(decide({ status: "active", reference: ref(0.04), recent: m(Number.NaN) })).toMatchObject({ status: "active", rule: "no-data" });
    expect(decide({ status: "active", recent: m(-0.1, -1) })).toMatchObject({ status: "active", rule: "no-reference" });
    expect(decide({ status: "active", reference: ref(0), recent: m(0.1) }).rule).toBe("no-reference");
  });

  it("honours custom thresholds", () => {
    const th = { ...DEFAULT_THRESHOLDS, retireRatio: 0.6, watchRatio: 0.9, minDays: 300 };
    expect(decide({ status: "active", reference: ref(0.04), recent: m(0.02, 0.3, 300) }, th).status).toBe("retired");
    expect(decide({ status: "active", reference: ref(0.04), recent: m(0.03, 0.3, 300) }, th).status).toBe("watch");
    expect(decide({ status: "active", reference: ref(0.04), recent: m(0.03, 0.3, 240) }, th).rule).toBe("no-data");
  });

  it("takes the reference from valid, then a retrain baseline, then train", () => {
    expect(referenceOf({ train: m(0.05), valid: m(0.03) })).toMatchObject({ split: "valid" });
    expect(referenceOf({ train: m(0.05), baseline: m(0.02) })).toMatchObject({ split: "baseline" });
    expect(referenceOf({ train: m(0.05), valid: m(Number.NaN) })).toMatchObject({ split: "train" });
    expect(referenceOf({ recent: m(0.05) })).toBeUndefined();
  });
});
