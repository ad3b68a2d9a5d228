import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runMineCli } from "../helpers/mine-cli.ts";
import { FactorLibrary } from "../../src/library/index.ts";

const dir = mkdtempSync(join(tmpdir(), "quanta-mine-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const mine = runMineCli;

const RANGE_KEYS = ["ic", "icir", "rankIc", "rankIcir", "arr", "ir", "mdd"];
const CONFIG = join(dir, "tiny.yaml");
writeFileSync(
  CONFIG,
  [
    "name: tiny",
    "data:",
    "  source: synthetic:11",
    "  synthetic: { instruments: 40, days: 320 }",
    "gates: { minIcDays: 10 }",
    "evolution: { crossoversPerRound: 2 }",
  ].join("\n"),
);
const TINY = [
  "mine",
  "--config", CONFIG,
  "--mining-train", "2015-01-01:2015-08-31",
  "--mining-valid", "2015-09-01:2015-12-31",
  "--test", "2016-01-01:2016-12-31",
  "--directions", "2",
  "--rounds", "2",
  "--factors-per-hypothesis", "2",
  "--final-model", "linear",
  "--quiet",
];

describe("quanta mine", () => {
  it("--json prints one summary object with the documented shape, and writes the report and library", async () => {
    const runDir = join(dir, "run");
    const text = await mine([...TINY, "--run-dir", runDir, "--campaign", "cli-test", "--seed", "3", "--json"]);
    const s = JSON.parse(text) as Record<string, unknown>;
    expect(s).toMatchObject({ campaign: "cli-test", status: "finished" });
    for (const k of ["campaign", "library", "trajectories", "factors", "finalPool", "llm", "report", "oracle"]) expect(s).toHaveProperty(k);
    expect(Object.keys(s["factors"] as object)).toEqual(expect.arrayContaining(["mined", "accepted", "rejected"]));
    const f = s["factors"] as { mined: number; accepted: number; rejected: number };
    expect(f.mined).toBe(f.accepted + f.rejected);
    const pool = s["finalPool"] as Record<string, unknown>;
    expect(pool).toHaveProperty("size");
    expect(Array.isArray(pool["factors"])).toBe(true);
    expect((pool["factors"] as unknown[]).length).toBe(pool["size"]);
    for (const r of ["train", "valid", "test"]) expect(Object.keys(pool[r] as object)).toEqual(expect.arrayContaining(RANGE_KEYS));
    expect(typeof (pool["test"] as { rankIc: unknown }).rankIc).toBe("number");
    expect(Object.keys(s["llm"] as object)).toEqual(expect.arrayContaining(["calls", "tokensIn", "tokensOut", "costUsd"]));
    expect((s["llm"] as { calls: number }).calls).toBeGreaterThan(0);
    const oracle = s["oracle"] as { valid: { rankIc: number }; test: { rankIc: number } };
    expect(typeof oracle.valid.rankIc).toBe("number");
    expect(typeof oracle.test.rankIc).toBe("number");

    expect(readFileSync(s["report"] as string, "utf8")).toMatch(/<html/i);
    expect(JSON.parse(readFileSync(join(runDir, "summary.json"), "utf8"))).toEqual(s);
    expect(existsSync(join(runDir, "campaign.yaml"))).toBe(true);
    const lib = FactorLibrary.open(s["library"] as string, { readonly: true });
    expect(lib.getCampaign("cli-test")!.status).toBe("finished");
    expect(lib.campaignStats("cli-test").trajectories).toBe(s["trajectories"]);
    lib.close();

    // A finished campaign cannot be resumed; resuming refuses flags that would change what is mined.
    await expect(mine(["mine", "--resume", "--run-dir", runDir, "--quiet"])).rejects.toThrow(/already finished/);
    await expect(mine(["mine", "--resume", "--run-dir", runDir, "--rounds", "3"])).rejects.toThrow(/--rounds/);
  }, 240_000);
});
