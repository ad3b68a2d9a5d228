import { describe, expect, it } from "vitest";
import type { Panel } from "../../factors/panel.ts";
import { SeededRandom } from "../../src/evolution/seeds.ts";
import { TINY_RANGES, dumpLibrary, runTinyCampaign, tinyMarket } from "./helpers.ts";

/** A copy of the panel whose every value after `end` is scrambled (prices × random factors, volumes shuffled). */
function poisonAfter(panel: Panel, end: string): Panel {
  const rng = new SeededRandom(99);
  const cut = panel.dates.findIndex((d) => d > end);
  const fields = new Map<string, Float64Array>();
  for (const [name, src] of panel.fields) {
    const a = Float64Array.from(src);
    for (let i = 0; i < panel.nInst; i++) {
      for (let t = cut; t < panel.nDates; t++) {
        const c = i * panel.nDates + t;
        if (!Number.isNaN(a[c]!)) a[c] = a[c]! * (0.2 + 3 * rng.next());
      }
    }
    fields.set(name, a);
  }
  return { ...panel, fields };
}

describe("no leakage from the test range", () => {
  it("mining on data poisoned after the mining-valid end writes exactly the same library", async () => {
    const clean = tinyMarket().panel;
    const poisoned = poisonAfter(clean, TINY_RANGES.valid.end);
    // The poison is real: the test range differs…
    const close = (p: Panel) => p.fields.get("close")!;
    const lastCell = clean.nDates - 1;
    expect(close(poisoned)[lastCell]).not.toBe(close(clean)[lastCell]);

    const settings = { rounds: 2, directions: 2, mutationsPerRound: 2 };
    const a = await runTinyCampaign(clean, { settings });
    const b = await runTinyCampaign(poisoned, { settings });
    // …but mining saw the same data (the panel is cut at the mining-valid end)…
    expect(b.data.fingerprint).toBe(a.data.fingerprint);
    expect(b.data.panel.dates.at(-1)! <= TINY_RANGES.valid.end).toBe(true);
    // …and wrote the same trajectories, factors, rewards, rejections, LLM calls and cache.
    const da = dumpLibrary(a.library.db);
    expect(da["trajectories"]!.length).toBeGreaterThan(0);
    expect(da["llm_calls"]!.length).toBeGreaterThan(0);
    expect(dumpLibrary(b.library.db)).toEqual(da);
  });
});
