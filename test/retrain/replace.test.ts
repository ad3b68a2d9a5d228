import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FactorLibrary } from "../../src/library/index.ts";
import { replacementRanges } from "../../src/retrain/replace.ts";
import { runRetrain } from "../../src/retrain/run.ts";
import { DECAYING, buildPlantedLibrary, market, writeMarketCsvs } from "./fixture.ts";

const dir = mkdtempSync(join(tmpdir(), "quanta-replace-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("mining replacements", () => {
  it("cuts mining ranges from the retrain's dates, never past the window's last labelled date", () => {
    const dates = market().panel.dates;
    const w = { range: { from: 550, to: 799 }, start: dates[550]!, end: dates[799]!, days: 250 };
    expect(replacementRanges(dates, w, 500)).toEqual({
      miningTrain: `${dates[50]}:${dates[549]}`,
      miningValid: `${dates[550]}:${dates[797]}`,
      test: `${dates[798]}:${dates[799]}`,
    });
    expect(replacementRanges(dates, { ...w, range: { from: 30, to: 799 } }, 500)).toMatch(/only 30 dates before the window/);
    expect(replacementRanges(dates, { ...w, range: { from: 790, to: 799 } }, 500)).toMatch(/window has 8 labelled dates/);
  });

  let full = "";
  beforeAll(async () => {
    full = (await writeMarketCsvs(dir)).full;
  });

  it("runs a short campaign into the library and keeps only the best significant replacements", async () => {
    const library = join(dir, "lib.db");
    await buildPlantedLibrary(library);
    const lines: string[] = [];
    const r = await runRetrain({
      library,
      log: (l) => lines.push(l),
      data: full,
      noReport: true,
      reportDir: join(dir, "reports"),
      mineReplacements: true,
      replacementConfig: { evolution: { directions: 2, rounds: 1, factorsPerHypothesis: 2, crossoversPerRound: 0 } },
    });
    const rep = r.summary!.replacements;
    expect(rep.status, rep.message).toBe("done");
    expect(rep.campaignId).toBe(`retrain${r.run.id}`);
    // One factor retired, so at most one replacement stays; this seeded market has a significant one.
    expect(rep.kept).toHaveLength(1);
    expect(rep.message).toMatch(/kept 1 as replacements \(#\d+ /);
    // The survivors were imported (no stored trajectory): the campaign planned from scratch, and says so.
    expect(rep.seededFrom).toEqual([]);
    expect(rep.message).toMatch(/: not seeded: no survivor has a stored trajectory \(imported factors\), round 0 planned from scratch; /);
    expect(lines.some((l) => /^replacements: no survivor has a stored trajectory/.test(l))).toBe(true);
    const lib = FactorLibrary.open(library, { readonly: true });
    try {
      const c = lib.getCampaign(rep.campaignId!)!;
      expect(c.status).toBe("finished");
      expect(c.name).toContain(DECAYING);
      const mined = lib.listFactors({ campaign: rep.campaignId! });
      expect(mined.map((f) => f.id).sort()).toEqual([...rep.accepted!].sort());
      for (const f of mined) {
        if (rep.kept!.includes(f.id)) expect(f.status).toBe("active");
        else {
          expect(f.status).toBe("retired");
          expect(f.statusReason).toMatch(/^replacement candidate not kept/);
        }
      }
      // Mining validated on the window: the mined factors carry metrics of the window's dates.
      expect(mined.every((f) => Number.isFinite(f.metrics["valid"]?.rankIc))).toBe(true);
    } finally {
      lib.close();
    }
  });
});
