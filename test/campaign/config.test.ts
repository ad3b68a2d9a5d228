import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  DEMO_CONFIG,
  deepMerge,
  evolutionSettings,
  parseCampaignConfig,
  rangesOf,
  readConfigFile,
} from "../../src/campaign/config.ts";
import { parseBenchmarkSpec } from "../../src/campaign/run.ts";

const dir = mkdtempSync(join(tmpdir(), "quanta-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected an error");
}

describe("campaign config", () => {
  it("defaults to the paper's settings and derives what is not given", () => {
    const c = parseCampaignConfig({});
    expect(c.evolution).toMatchObject({ directions: 10, rounds: 11, factorsPerHypothesis: 3, crossoversPerRound: 10, crossoverParents: 2 });
    expect(evolutionSettings(c).mutationsPerRound).toBe(10);
    expect(c.gates).toMatchObject({ maxSymbolLength: 250, maxBaseFields: 6, maxFreeArgRatio: 0.5, maxCommonSubtree: 8, maxCorrelation: 0.7 });
    expect(c.finalPool).toMatchObject({ model: "gbdt", maxShare: 0.5, maxCorrelation: 0.7 });
    expect(rangesOf(c).valid).toEqual({ start: "2018-01-01", end: "2018-12-31" }); // synthetic default
    const demo = parseCampaignConfig(DEMO_CONFIG);
    expect(demo.evolution.rounds).toBeLessThan(11); // the demo keeps the paper's directions, fewer rounds
  });

  it("names the offending key in every error", () => {
    expect(errorOf(() => parseCampaignConfig({ evolution: { rounds: 0 } }))).toMatch(/evolution\.rounds/);
    expect(errorOf(() => parseCampaignConfig({ evolution: { roundz: 3 } }))).toMatch(/evolution.*roundz/);
    expect(errorOf(() => parseCampaignConfig({ gates: { maxCorrelation: "high" } }))).toMatch(/gates\.maxCorrelation/);
    expect(errorOf(() => parseCampaignConfig({ ranges: { miningTrain: "2010:2014", miningValid: "2015", test: "2016:2018" } }))).toMatch(
      /ranges\.miningValid/,
    );
    expect(errorOf(() => parseCampaignConfig({ data: { source: "prices.csv" } }))).toMatch(/ranges/);
    expect(errorOf(() => parseCampaignConfig({ agent: { provider: "gpt" } }))).toMatch(/agent\.provider/);
  });

  it("reads YAML files and lets flags override their keys", () => {
    const path = join(dir, "c.yaml");
    writeFileSync(path, "name: yaml\nseed: 7\nevolution:\n  directions: 4\n  rounds: 3\ngates:\n  judge: false\n");
    const merged = parseCampaignConfig(deepMerge(readConfigFile(path), { evolution: { rounds: 5 }, seed: undefined }));
    expect(merged).toMatchObject({ name: "yaml", seed: 7, evolution: { directions: 4, rounds: 5 }, gates: { judge: false } });
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "evolution: [1, 2\n");
    expect(errorOf(() => readConfigFile(bad))).toMatch(/not valid YAML/);
    expect(errorOf(() => readConfigFile(join(dir, "missing.yaml")))).toMatch(/cannot read config/);
  });

  it("splits a benchmark spec at the instrument", () => {
    expect(parseBenchmarkSpec("index.csv.gz:SH000300")).toEqual({ file: "index.csv.gz", instrument: "SH000300" });
    expect(parseBenchmarkSpec("index.csv.gz")).toEqual({ file: "index.csv.gz" });
  });
});
