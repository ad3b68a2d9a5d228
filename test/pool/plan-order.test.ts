import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { planTasks } from "../../src/pool/plan.ts";

const alpha158 = readFileSync(new URL("../../factors/zoo/alpha158.tsv", import.meta.url), "utf8")
  .trim()
  .split("\n")
  .map((l) => l.split("\t"));

describe("planTasks: order inside a task and task sizes", () => {
  const exprs = alpha158.map(([, e]) => e!);
  const names = alpha158.map(([n]) => n!);
  const plan = planTasks(exprs, "qlib", 2);
  const where = new Map<string, [number, number]>();
  plan.forEach((t, k) => t.forEach((i, pos) => where.set(names[i]!, [k, pos])));

  it("expressions sharing a pass are evaluated one after the other, not a whole family at a time", () => {
    // Slope/Rsquare/Resi of a window, and Quantile/Quantile/Rank of a window, come back to back
    // (in source order the task would compute BETA5…60 first and hold every RSQR and RESI).
    for (const n of [5, 10, 20, 30, 60]) {
      for (const group of [["BETA", "RSQR", "RESI"], ["QTLU", "QTLD", "RANK"]]) {
        const at = group.map((g) => where.get(`${g}${n}`)!);
        expect(new Set(at.map(([k]) => k)).size, `${group.join("/")}${n}`).toBe(1);
        const pos = at.map(([, p]) => p).sort((a, b) => a - b);
        expect(pos[2]! - pos[0]!, `${group.join("/")}${n} positions ${pos.join(",")}`).toBe(2);
      }
    }
  });

  it("tasks get smaller towards the middle, where the front and back takers meet", () => {
    const sizes = plan.map((t) => t.length);
    const third = Math.floor(sizes.length / 3);
    const middle = sizes.slice(third, sizes.length - third);
    expect(Math.max(...middle)).toBeLessThan(Math.min(sizes[0]!, sizes[sizes.length - 1]!));
    expect(plan.flat().sort((a, b) => a - b)).toEqual(exprs.map((_, i) => i));
  });

  it("each kernel stays at one end: extremes, sorted windows and regressions in front, moments and correlations at the back", () => {
    const taskOf = (name: string) => where.get(name)![0];
    const front = ["MAX", "MIN", "IMAX", "QTLU", "RANK", "BETA", "RSQR"].flatMap((g) => [5, 10, 20, 30, 60].map((n) => taskOf(`${g}${n}`)));
    const back = ["MA", "STD", "CORR", "CORD", "VSTD"].flatMap((g) => [5, 10, 20, 30, 60].map((n) => taskOf(`${g}${n}`)));
    expect(Math.max(...front)).toBeLessThan(Math.min(...back));
    // The workers' first task (the last of the list) is moments work, not the cheap leftovers.
    expect(plan[plan.length - 1]!.some((i) => /^(MA|STD|VMA|VSTD|CNT[PND])\d/.test(names[i]!))).toBe(true);
  });
});

describe("planTasks: the calling thread's end is its share of the work", () => {
  const exprs = alpha158.map(([, e]) => e!);
  it("with more workers at the back, the front end holds fewer expressions", () => {
    // The front is the run of tasks before the smallest one (where the ends meet).
    const frontCount = (threads: number): number => {
      const plan = planTasks(exprs, "qlib", threads);
      const sizes = plan.map((t) => t.length);
      const meet = sizes.indexOf(Math.min(...sizes));
      return plan.slice(0, meet).reduce((s, t) => s + t.length, 0);
    };
    expect(frontCount(4)).toBeLessThan(frontCount(2));
  });
});
