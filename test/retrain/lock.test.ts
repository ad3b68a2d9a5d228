import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FactorLibrary } from "../../src/library/index.ts";
import { writeSmallMarket } from "../review/fixture.ts";
import { spawnCli } from "./cli.ts";

const dir = mkdtempSync(join(tmpdir(), "quanta-retrain-lock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("two retrain processes at once", () => {
  const library = join(dir, "lib.db");
  let data = "";
  beforeAll(async () => {
    data = await writeSmallMarket(dir);
    const lib = FactorLibrary.open(library);
    lib.importFactors([
      { name: "rev", expression: "RANK(-TS_PCTCHANGE($close, 5))", canonical: "RANK(-TS_PCTCHANGE($close,5))", metrics: { valid: { ic: 0.03, icir: 0.3, rankIc: 0.04, rankIcir: 0.4 } } },
      { name: "ma", expression: "TS_MEAN($close, 5)/$close", canonical: "TS_MEAN($close,5)/$close", metrics: { valid: { ic: 0.02, icir: 0.2, rankIc: 0.03, rankIcir: 0.3 } } },
    ]);
    lib.close();
  });

  it("lets one run; the other exits 2 with a locked message and changes nothing", async () => {
    const args = ["retrain", "--library", library, "--data", data, "--window", "120", "--threads", "1", "--report-dir", join(dir, "reports")];
    // A pauses right after announcing its work, i.e. while it holds the library's retrain lock.
    const a = spawnCli(args, { env: { QUANTA_TEST_PAUSE_AFTER: "^retrain: \\d+ active/watch factors" }, stdin: true });
    await a.waitForStderr(/^retrain: 2 active\/watch factors/);

    const b = await spawnCli(args).result;
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(new RegExp(`^error: library .*lib\\.db is locked by pid ${a.pid} since \\d{4}-\\d\\d-\\d\\dT.*another "retrain" run is in progress`, "m"));
    expect(b.stdout).toBe("");

    a.send("go");
    const ra = await a.result;
    expect(ra.stderr).not.toMatch(/error/);
    expect(ra.code).toBe(0);
    expect(ra.stdout).toMatch(/^retrain run #1 as of \d{4}-\d\d-\d\d: 2 factors on .* \(120 dates\)/m);

    const lib = FactorLibrary.open(library, { readonly: true });
    try {
      expect(lib.listRetrainRuns().map((r) => r.status)).toEqual(["finished"]);
      expect(lib.getFactor(1)!.metrics["recent"]!.rankDays).toBe(118);
    } finally {
      lib.close();
    }
    // The lock went with A: a third run starts, finds the same data done, and says so.
    const c = await spawnCli(args).result;
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/^up to date: retrain run #1/);
  });
});
