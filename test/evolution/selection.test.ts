import { describe, expect, it } from "vitest";
import { SeededRandom, deriveSeed } from "../../src/evolution/seeds.ts";
import { diversity, mutationParents, parentSetKey, selectParents, type ParentCandidate } from "../../src/evolution/selection.ts";
import { phaseOfRound, slotsOfRound, PAPER_SETTINGS } from "../../src/evolution/settings.ts";

const pool: ParentCandidate[] = [
  { id: "a", reward: 0.05, directions: ["rev"], phase: "original" },
  { id: "b", reward: 0.049, directions: ["rev"], phase: "original" },
  { id: "c", reward: 0.046, directions: ["vol"], phase: "mutation" },
  { id: "d", reward: 0.01, directions: ["liq"], phase: "original" },
  { id: "e", reward: 0.0, directions: ["mom"], phase: "crossover" },
];
const opts = { topPercent: 0.4, diversityBonus: 0.005, used: new Set<string>() };

describe("parent selection", () => {
  it("best: the highest rewards plus a diversity bonus, and a different set once a set is used", () => {
    // a+b = 0.099 (same direction and phase); a+c = 0.096 + 0.005·1.5 = 0.1035 wins.
    expect(selectParents(pool, 2, "best", new SeededRandom(1), opts).map((p) => p.id)).toEqual(["a", "c"]);
    const used = new Set([parentSetKey(["a", "c"])]);
    expect(selectParents(pool, 2, "best", new SeededRandom(1), { ...opts, used }).map((p) => p.id).sort()).not.toEqual(["a", "c"]);
    expect(selectParents(pool, 2, "best", new SeededRandom(1), { ...opts, diversityBonus: 0 }).map((p) => p.id)).toEqual(["a", "b"]);
    expect(selectParents(pool, 3, "best", new SeededRandom(1), opts)).toHaveLength(3);
  });

  it("weighted and top_random are seeded, distinct and favour reward", () => {
    for (const s of ["weighted", "top_random"] as const) {
      const pick = (seed: number) => selectParents(pool, 2, s, new SeededRandom(seed), opts).map((p) => p.id);
      expect(pick(3)).toEqual(pick(3));
      for (let seed = 0; seed < 20; seed++) expect(new Set(pick(seed)).size).toBe(2);
    }
    // top_random's first parent is always from the top 40% (a or b).
    for (let seed = 0; seed < 30; seed++) expect(["a", "b"]).toContain(selectParents(pool, 2, "top_random", new SeededRandom(seed), opts)[0]!.id);
    // weighted: the best trajectory is drawn far more often than the worst.
    const counts = new Map<string, number>();
    for (let seed = 0; seed < 400; seed++) for (const p of selectParents(pool, 2, "weighted", new SeededRandom(seed), opts)) counts.set(p.id, (counts.get(p.id) ?? 0) + 1);
    expect(counts.get("a")!).toBeGreaterThan(2 * (counts.get("e") ?? 0));
  });

  it("diversity counts other directions and phases", () => {
    expect(diversity(pool[2]!, [pool[0]!])).toBe(1.5);
    expect(diversity(pool[1]!, [pool[0]!])).toBe(0);
  });

  it("mutation parents: the previous round, best first when too many, topped up from older rounds", () => {
    const t = (id: string, reward: number) => ({ id, reward });
    const prev = [t("p0", 0.01), t("p1", NaN), t("p2", 0.03)];
    expect(mutationParents(prev, [], 2).map((x) => x.id)).toEqual(["p0", "p2"]);
    expect(mutationParents(prev, [t("o1", 0.02), t("o2", NaN), t("o3", 0.05)], 5).map((x) => x.id)).toEqual(["p0", "p1", "p2", "o3", "o1"]);
  });

  it("rounds alternate and seeds are stable", () => {
    expect([0, 1, 2, 3, 10].map(phaseOfRound)).toEqual(["original", "mutation", "crossover", "mutation", "crossover"]);
    expect(slotsOfRound(PAPER_SETTINGS, 2)).toBe(10);
    expect(deriveSeed(42, "r1/s3", "judge", 2)).toBe(deriveSeed(42, "r1/s3", "judge", 2));
    expect(deriveSeed(42, "r1/s3", "judge", 2)).not.toBe(deriveSeed(42, "r1/s3", "judge", 3));
  });
});
