import { describe, expect, it } from "vitest";
import { checkComplexity, complexityOf, DEFAULT_COMPLEXITY_LIMITS } from "../../../factors/complexity.ts";
import { fieldsOf } from "../../../factors/fields.ts";
import { parseExpr, parseSyntax } from "../../../factors/parser.ts";

describe("fieldsOf", () => {
  it("lists distinct fields without the $", () => {
    expect([...fieldsOf(parseSyntax("TS_CORR($close, $volume, 10) + RANK($close) - $vwap"))].sort()).toEqual(["close", "volume", "vwap"]);
    expect(fieldsOf(parseSyntax("1 + 2")).size).toBe(0);
  });
});

describe("complexityOf (hand-counted)", () => {
  it.each([
    // text, SL, baseFields, freeArgs, nodeCount
    ["TS_MEAN($close, 20)", 18, 1, 1, 3],
    ["-$close / $open", 13, 2, 0, 4],
    ["($close - $open) / ($high - $low + 1e-12)", 33, 4, 1, 9],
    ["-5", 2, 0, 1, 2],
    ["RANK(DELTA(LOG($volume), 2)) > 0.5 ? -1 : 1", 36, 1, 4, 11],
  ] as const)("%s", (text, sl, fields, free, nodes) => {
    const c = complexityOf(parseSyntax(text));
    expect(c).toEqual({ symbolLength: sl, baseFields: fields, freeArgs: free, nodeCount: nodes, freeArgRatio: free / nodes });
  });

  it("measures the printed form, not the spelling", () => {
    expect(complexityOf(parseSyntax("  ( ( $close ) )  ")).symbolLength).toBe(6);
  });
});

describe("checkComplexity", () => {
  it("passes an ordinary factor", () => {
    const r = checkComplexity(parseExpr("RANK(TS_CORR($close, $volume, 10))", "quanta"));
    expect(r).toMatchObject({ ok: true, reasons: [] });
    expect(r.complexity.nodeCount).toBe(5);
  });

  it("fails a free-argument ratio at the limit (must be strictly below)", () => {
    const r = checkComplexity(parseSyntax("-5"));
    expect(r.ok).toBe(false);
    expect(r.reasons).toHaveLength(1);
    expect(r.reasons[0]).toContain("1 of 2 nodes are numeric literals");
    expect(checkComplexity(parseSyntax("$a+1")).ok).toBe(true);
  });

  it("fails too many fields and too long expressions, with one reason each", () => {
    const wide = parseSyntax("$a+$b+$c+$d+$e+$f+$g");
    expect(checkComplexity(wide).reasons).toEqual(["expression uses 7 distinct fields (limit 6)"]);
    const long = parseSyntax(Array.from({ length: 30 }, (_, i) => `TS_MEAN($close,${i + 1})`).join("+"));
    const r = checkComplexity(long);
    expect(r.ok).toBe(false);
    expect(r.reasons.join()).toContain("characters long (limit 250)");
    expect(r.reasons).toHaveLength(1); // 30 literals of 119 nodes is fine
    expect(r.complexity).toMatchObject({ freeArgs: 30, nodeCount: 119, baseFields: 1 });
  });

  it("honours custom limits", () => {
    const e = parseSyntax("TS_MEAN($close, 20)");
    expect(checkComplexity(e, { ...DEFAULT_COMPLEXITY_LIMITS, maxSymbolLength: 10 }).ok).toBe(false);
    expect(checkComplexity(e, { ...DEFAULT_COMPLEXITY_LIMITS, maxFreeArgRatio: 0.3 }).ok).toBe(false);
    expect(checkComplexity(e, { ...DEFAULT_COMPLEXITY_LIMITS, maxBaseFields: 0 }).ok).toBe(false);
  });
});
