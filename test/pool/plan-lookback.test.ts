import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseExpr } from "../../factors/parser.ts";
import { evaluateFactors } from "../../factors/evaluate.ts";
import { planTasks } from "../../src/pool/plan.ts";
import { lookbackOf } from "../../src/workflow/lookback.ts";
import { clipSpans } from "../../src/workflow/screen.ts";
import { warmupPanel } from "../../src/pool/warmup.ts";

const alpha158 = readFileSync(new URL("../../factors/zoo/alpha158.tsv", import.meta.url), "utf8")
  .trim()
  .split("\n")
  .map((l) => l.split("\t"));

describe("planTasks", () => {
  it("covers every expression once and keeps expressions sharing a window pass together", () => {
    const exprs = alpha158.map(([, e]) => e!);
    const names = alpha158.map(([n]) => n!);
    const plan = planTasks(exprs, "qlib", 2);
    expect(plan.flat().sort((a, b) => a - b)).toEqual(exprs.map((_, i) => i));
    const taskOf = new Map<string, number>();
    plan.forEach((t, k) => t.forEach((i) => taskOf.set(names[i]!, k)));
    for (const n of [5, 20, 60]) {
      // sorted-window family, Slope/Rsquare/Resi siblings, shared Max/Min, shared Mean of flags
      for (const group of [["QTLU", "QTLD", "RANK"], ["BETA", "RSQR", "RESI"], ["MAX", "MIN", "RSV"], ["CNTP", "CNTN", "CNTD"]]) {
        const tasks = new Set(group.map((g) => taskOf.get(`${g}${n}`)));
        expect(tasks.size, `${group.join("/")}${n}`).toBe(1);
      }
    }
    expect(plan.length).toBeGreaterThanOrEqual(8); // enough tasks to balance two workers
  });

  it("an expression that does not parse still gets a task (the worker reports its error)", () => {
    const plan = planTasks(["Mean($close, 5)", "Mean($close,"], "qlib", 2);
    expect(plan.flat().sort()).toEqual([0, 1]);
  });
});

describe("lookback", () => {
  it("counts window and shift lengths, and is unbounded for history-dependent operators", () => {
    const lb = (t: string, d: "qlib" | "quanta" = "qlib") => lookbackOf(parseExpr(t, d), d);
    expect(lb("($close-$open)/$open")).toBe(0);
    expect(lb("Ref($close, 5)/$close")).toBe(5);
    expect(lb("Mean($close, 20)")).toBe(19);
    expect(lb("Corr($close/Ref($close,1), Log($volume/Ref($volume, 1)+1), 60)")).toBe(60);
    expect(lb("Std(Mean($close, 5), 10)")).toBe(13);
    expect(lb("EMA($close, 10)")).toBe(Infinity);
    expect(lb("Mean($close, 0)")).toBe(Infinity);
    expect(lb("Mean($close, 0.5)")).toBe(Infinity);
    expect(lb("Ref($close, 0)")).toBe(Infinity);
    expect(lb("TS_MEAN($return, 5)", "quanta")).toBe(5);
    expect(lb("RANK(DELTA($close, 3))", "quanta")).toBe(3);
    expect(lb("REGBETA($close, SEQUENCE(10), 20)", "quanta")).toBe(9);
    expect(lb("SMA($close, 10, 1)", "quanta")).toBe(Infinity);
  });

  it("values past the lookback are the same on the panel with spans clipped to [from − lookback, to]", () => {
    const panel = warmupPanel(12, 160);
    const texts = alpha158.map(([, e]) => e!).filter((e) => !e.includes("$vwap"));
    const exprs = texts.map((t) => parseExpr(t, "qlib"));
    const full = evaluateFactors(panel, exprs, "qlib");
    const from = 100;
    const to = 150;
    exprs.forEach((e, k) => {
      const L = lookbackOf(e, "qlib");
      const s0 = from - L;
      const cut = clipSpans(panel, s0, to);
      const part = evaluateFactors(cut, [e], "qlib")[0]!;
      for (let i = 0; i < panel.nInst; i++) {
        for (let t = from; t <= to; t++) {
          const a = full[k]![i * panel.nDates + t]!;
          const b = part[i * panel.nDates + t]!;
          if (Number.isNaN(a)) expect(b, `${texts[k]} i=${i} t=${t}`).toBeNaN();
          else expect(Math.abs(a - b), `${texts[k]} i=${i} t=${t}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a)));
        }
      }
    });
  });
});
