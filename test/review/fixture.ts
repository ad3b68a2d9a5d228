/**
 * A library with two mined campaigns (an evolution tree with mutation and crossover), an
 * imported qlib factor, and a small synthetic market file to evaluate them on.
 */
import { join } from "node:path";
import { generateSyntheticMarket } from "../../src/data/synthetic/market.ts";
import { writeLongCsv } from "../../src/data/long-export.ts";
import { FactorLibrary } from "../../src/library/index.ts";
import { accepted, crossover, mutation, original, rejected } from "../library/fixtures.ts";

export const EXPR = {
  rev: "RANK(-TS_PCTCHANGE($close, 5))",
  ma: "TS_MEAN($close, 5)/$close",
  vol: "RANK(-TS_STD($return, 20))",
  div: "RANK(-TS_CORR(DELTA($close, 1), DELTA($volume, 1), 10))",
  loc: "RANK(-TS_MEAN(($close - $low) / ($high - $low), 5))",
} as const;

/** Library ids, in insertion order: REV=1, MA=2, VOL=3, DIV=4 (campaign c1), LOC=5, MA2=6 (c2), QLIB=7 (import). */
export function buildReviewLibrary(path: string): FactorLibrary {
  const lib = FactorLibrary.open(path, { now: () => "2024-02-01T00:00:00.000Z" });
  lib.createCampaign({ id: "c1", name: "first", seed: 1, dataFingerprint: "fp" });
  lib.recordTrajectory(original("t0", "c1", [accepted("REV", 0.05, EXPR.rev), rejected("BAD")], 0.03));
  lib.recordTrajectory(original("t1", "c1", [accepted("MA", 0.03, EXPR.ma)], 0.02));
  lib.recordTrajectory(mutation("t2", "c1", 1, "t0", [accepted("VOL", 0.04, EXPR.vol)], 0.04));
  lib.recordTrajectory(crossover("t3", "c1", 2, ["t1", "t2"], [accepted("DIV", 0.06, EXPR.div)], 0.06));
  lib.finishCampaign("c1");
  lib.createCampaign({ id: "c2", name: "second", seed: 2, dataFingerprint: "fp" });
  lib.recordTrajectory(original("u0", "c2", [accepted("LOC", 0.035, EXPR.loc), accepted("MA", 0.02, EXPR.ma)], 0.025));
  lib.finishCampaign("c2");
  lib.importFactors([
    {
      name: "QMA",
      expression: "Mean($close, 10)/$close",
      dialect: "qlib",
      canonical: "Mean($close,10)/$close",
      metrics: { valid: { ic: 0.01, icir: 0.1, rankIc: 0.015, rankIcir: 0.12 } },
    },
  ]);
  return lib;
}

export async function writeSmallMarket(dir: string): Promise<string> {
  const path = join(dir, "market.csv");
  await writeLongCsv(path, generateSyntheticMarket({ seed: 5, instruments: 40, days: 260 }).panel);
  return path;
}
