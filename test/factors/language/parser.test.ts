import { describe, expect, it } from "vitest";
import type { Expr } from "../../../factors/ast.ts";
import { ParseError, QuantaError } from "../../../factors/errors.ts";
import { tokenize } from "../../../factors/lexer.ts";
import { literalValue, MAX_NESTING, MAX_TREE_DEPTH, parseExpr, parseSyntax } from "../../../factors/parser.ts";
import { printExpr, structuralKey } from "../../../factors/printer.ts";

/** Fully parenthesised form, to check the tree shape independently of the printer. */
function shape(e: Expr): string {
  switch (e.kind) {
    case "num":
      return String(e.value);
    case "field":
      return `$${e.name}`;
    case "call":
      return `${e.op}(${e.args.map(shape).join(",")})`;
    case "unary":
      return `(${e.op}${shape(e.arg)})`;
    case "binary":
      return `(${shape(e.left)}${e.op}${shape(e.right)})`;
    case "cond":
      return `(${shape(e.cond)}?${shape(e.then)}:${shape(e.else)})`;
  }
}

const sh = (text: string): string => shape(parseSyntax(text));

function parseError(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ParseError);
    return err as ParseError;
  }
  throw new Error("expected a ParseError");
}

describe("lexer", () => {
  it("reads every number spelling", () => {
    const nums = tokenize("12 1.5 .5 3. 1e-8 2E+3 7e5").filter((t) => t.kind === "num").map((t) => t.text);
    expect(nums).toEqual(["12", "1.5", ".5", "3.", "1e-8", "2E+3", "7e5"]);
  });

  it("gives fields without the $ and keeps positions", () => {
    const toks = tokenize(" $close>=TS_MEAN( $vwap ,5)");
    expect(toks.map((t) => [t.kind, t.text, t.pos])).toEqual([
      ["field", "close", 1], ["op", ">=", 7], ["name", "TS_MEAN", 9], ["op", "(", 16], ["field", "vwap", 18],
      ["op", ",", 24], ["num", "5", 25], ["op", ")", 26], ["eof", "", 27],
    ]);
  });
});

describe("precedence and associativity", () => {
  it.each([
    ["1+2*3", "(1+(2*3))"],
    ["1*2+3", "((1*2)+3)"],
    ["1-2-3", "((1-2)-3)"],
    ["1/2/3", "((1/2)/3)"],
    ["-$a*$b", "((-$a)*$b)"],
    ["$a-$b*$c/$d+$e", "(($a-(($b*$c)/$d))+$e)"],
  ])("%s", (text, want) => {
    expect(sh(text)).toBe(want);
  });

  it("comparisons chain left and bind looser than arithmetic", () => {
    expect(sh("$a<$b<$c")).toBe("(($a<$b)<$c)");
    expect(sh("$a+1>$b*2")).toBe("(($a+1)>($b*2))");
    expect(sh("$a==$b!=$c")).toBe("(($a==$b)!=$c)");
  });

  it("&& binds tighter than ||, comparisons tighter than both; & and | are aliases", () => {
    expect(sh("$a>1 & $b<2")).toBe("(($a>1)&&($b<2))");
    expect(sh("$a||$b&&$c")).toBe("($a||($b&&$c))");
    expect(sh("$a|$b|$c")).toBe("(($a||$b)||$c)");
    expect(sh("$a&&$b||$c&$d")).toBe("(($a&&$b)||($c&&$d))");
  });

  it("?: is right-associative and loosest; branches are full expressions", () => {
    expect(sh("$a?$b:$c?$d:$e")).toBe("($a?$b:($c?$d:$e))");
    expect(sh("$a?$b?$c:$d:$e")).toBe("($a?($b?$c:$d):$e)");
    expect(sh("$a>0||$b ? $c+1 : -$d")).toBe("((($a>0)||$b)?($c+1):(-$d))");
  });

  it("unary operators nest and apply before binary ones", () => {
    expect(sh("--$a")).toBe("(-(-$a))");
    expect(sh("!$a&&$b")).toBe("((!$a)&&$b)");
    expect(sh("!-$a")).toBe("(!(-$a))");
    expect(sh("$a*-2")).toBe("($a*(-2))");
  });

  it("parentheses override precedence and vanish from the tree", () => {
    expect(sh("(1+2)*3")).toBe("((1+2)*3)");
    expect(sh("((($a)))")).toBe("$a");
  });

  it("calls take any expressions as arguments", () => {
    expect(sh("MAX($a+1, $b?1:2, -3)")).toBe("MAX(($a+1),($b?1:2),(-3))");
    expect(sh("F()")).toBe("F()");
  });

  it("records integer-ness and positions", () => {
    const e = parseSyntax("$x + 5.0 * 5");
    expect(e.kind).toBe("binary");
    if (e.kind !== "binary" || e.right.kind !== "binary") throw new Error("shape");
    expect(e.pos).toBe(3);
    expect(e.right.left).toMatchObject({ kind: "num", value: 5, isInt: false, pos: 5 });
    expect(e.right.right).toMatchObject({ kind: "num", value: 5, isInt: true, pos: 11 });
    expect(parseSyntax("1e3")).toMatchObject({ value: 1000, isInt: false });
  });
});

describe("syntax errors name the problem and point at it", () => {
  it.each<[string, string, number]>([
    ["", "empty expression", 0],
    ["   ", "empty expression", 3],
    ["TS_MEAN($close, 5", "missing ')' to close TS_MEAN(", 17],
    ["($a+1", "missing ')' to close the '('", 5],
    ["($a+1 2)", "expected ')', found '2'", 6],
    ["$a+1)", "unbalanced ')'", 4],
    ["$a + #", "unexpected character '#'", 5],
    ["$a = 1", "unexpected character '='", 3],
    ["1.2.3", "malformed number '1.2.'", 0],
    ["$a*5abc", "malformed number '5a'", 3],
    ["1e", "malformed number '1e'", 0],
    ["$ close", "'$' must be followed by a field name", 0],
    ["$1", "'$' must be followed by a field name", 0],
    ["close + 1", "expected '(' after function name 'close' (fields are written with '$'", 6],
    ["$a $b", "unexpected '$b' after a complete expression", 3],
    ["$a+", "unexpected end of expression", 3],
    ["$a ? 1", "expected ':' of the ternary, found end of expression", 6],
    ["RANK($a $b)", "expected ',' or ')' in the arguments of RANK, found '$b'", 8],
    ["RANK($a,)", "unexpected ')'", 8],
    ["*$a", "unexpected '*'", 0],
    ["1e999", "number out of range '1e999'", 0],
  ])("%j", (text, reason, pos) => {
    const err = parseError(() => parseSyntax(text));
    expect(err.reason).toContain(reason);
    expect(err.pos).toBe(pos);
    expect(err.text).toBe(text);
    expect(err).toBeInstanceOf(QuantaError);
    expect(err.exitCode).toBe(2);
    if (text) expect(err.message).toContain(`col ${pos + 1}`);
  });

  it("rejects hostile nesting with a ParseError, not a stack overflow", () => {
    const deep = "(".repeat(MAX_NESTING + 5) + "1" + ")".repeat(MAX_NESTING + 5);
    expect(parseError(() => parseSyntax(deep)).reason).toContain("nested more than");
    const unary = "-".repeat(100_000) + "1";
    expect(parseError(() => parseSyntax(unary)).reason).toContain("nested more than");
    const chain = Array.from({ length: MAX_TREE_DEPTH + 10 }, () => "$a").join("+");
    expect(parseError(() => parseSyntax(chain)).reason).toContain("levels deep");
    // but real-sized expressions are fine
    expect(() => parseSyntax("(".repeat(50) + "1" + ")".repeat(50))).not.toThrow();
  });
});

describe("dialect validation", () => {
  it.each<[string, "quanta" | "qlib", string, number]>([
    ["TS_MEAN($a, 5) + Mean($a, 5)", "quanta", "unknown operator 'Mean' in the quanta dialect (Mean is a qlib-dialect name; the quanta dialect has TS_MEAN(A, n))", 17],
    ["TS_MEAN($a, 5)", "qlib", "(TS_MEAN is a quanta-dialect name; the qlib dialect has Mean(x, N))", 0],
    ["ts_mean($a, 5)", "quanta", "did you mean TS_MEAN?", 0],
    ["TS_AVG($a, 5)", "quanta", "unknown operator 'TS_AVG'", 0],
    ["TS_MEAN($a)", "quanta", "TS_MEAN takes 2 argument(s), got 1: TS_MEAN(A, n)", 0],
    ["MAX($a,$b,$c,$d)", "quanta", "MAX takes 1-3 argument(s), got 4", 0],
    ["TS_MEAN($a, $b)", "quanta", "TS_MEAN: argument 2 (n) must be a numeric literal", 12],
    ["TS_MEAN($a, 2+3)", "quanta", "must be a numeric literal", 13],
    ["TS_MEAN($a, 0)", "quanta", "TS_MEAN: window must be an integer >= 1, got 0", 12],
    ["TS_MEAN($a, 2.5)", "quanta", "window must be an integer >= 1, got 2.5", 12],
    ["TS_QUANTILE($a, 5, 1.5)", "quanta", "quantile must be in [0, 1], got 1.5", 19],
    ["DELAY($close, -1)", "quanta", "DELAY: negative shift -1 looks into the future", 14],
    ["Ref($close, -2)/Ref($close, -1) - 1", "qlib", "Ref: negative N -2 looks into the future", 12],
    ["REGBETA($a, SEQUENCE(0), 5)", "quanta", "SEQUENCE: window must be an integer >= 1", 21],
    ["SEQUENCE(5)", "quanta", "SEQUENCE(n) may only be used as the second argument of REGBETA/REGRESI", 0],
    ["REGBETA(SEQUENCE(5), $a, 5)", "quanta", "SEQUENCE(n) may only be used", 8],
    ["REGBETA($a, -SEQUENCE(5), 5)", "quanta", "SEQUENCE(n) may only be used", 13],
    ["SMA($a, 5, 6)", "quanta", "SMA(A, n, m): need 0 < m <= n", 0],
    ["MACD($a, 26, 12)", "quanta", "MACD(A, s, l): need s < l", 0],
    ["Skew($a, 2)", "qlib", "Skew: the rolling window size should be >= 3", 0],
    ["Kurt($a, 3)", "qlib", "Kurt: the rolling window size should be >= 4", 0],
    ["Mean($a, 5.0)", "qlib", "N must be an integer >= 0 or a float in (0, 1)", 9],
    ["Corr($a, $b, 0)", "qlib", "N = 0 (expanding window) is not supported", 13],
    ["EMA($a, 0)", "qlib", "N must be an integer >= 1 or a float > 0", 8],
    ["Rank($a, 0.5)", "qlib", "N must be an integer >= 0", 9],
  ])("%s (%s)", (text, dialect, reason, pos) => {
    const err = parseError(() => parseExpr(text, dialect));
    expect(err.reason).toContain(reason);
    expect(err.pos).toBe(pos);
  });

  it("accepts what the dialects allow", () => {
    const ok: [string, "quanta" | "qlib"][] = [
      ["TS_MEAN($a, 5.0)", "quanta"], // integral float window
      ["DELAY($a, 0)", "quanta"],
      ["SCALE($a)", "quanta"],
      ["SCALE($a, -2.5)", "quanta"],
      ["SMA($a, 5)", "quanta"],
      ["SMA($a, 5, 2)", "quanta"],
      ["MAX($a)", "quanta"],
      ["MAX($a, $b, 1)", "quanta"],
      ["REGRESI($a, SEQUENCE(10), 20)", "quanta"],
      ["PERCENTILE($a, 0.2, 10)", "quanta"],
      ["Mean($a, 0)", "qlib"],
      ["Mean($a, 0.5)", "qlib"],
      ["Skew($a, 0)", "qlib"],
      ["Kurt($a, 4)", "qlib"],
      ["EMA($a, 0.3)", "qlib"],
      ["EMA($a, 2.5)", "qlib"],
      ["Ref($a, 0)", "qlib"],
      ["Quantile($a, 0, 0.8)", "qlib"],
      ["If($a > 0 & $b < 1, Greater($a, $b), Not($a))", "qlib"],
      ["TS_MEAN(-$a, 5) > 0 ? RANK($a) : -1", "quanta"],
    ];
    for (const [text, dialect] of ok) expect(() => parseExpr(text, dialect), text).not.toThrow();
  });

  it("allowFuture admits look-ahead (labels only)", () => {
    const label = parseExpr("Ref($close,-2)/Ref($close,-1)-1", "qlib", { allowFuture: true });
    expect(printExpr(label)).toBe("Ref($close,-2)/Ref($close,-1)-1");
    expect(() => parseExpr("DELTA($close,-1)", "quanta", { allowFuture: true })).not.toThrow();
    // still integers only
    expect(parseError(() => parseExpr("DELAY($close,-1.5)", "quanta", { allowFuture: true })).reason).toContain("integer");
  });

  it("literalValue reads literal parameters, including a unary minus", () => {
    const e = parseExpr("Ref($close,-2)", "qlib", { allowFuture: true });
    if (e.kind !== "call") throw new Error("shape");
    expect(literalValue(e.args[1] as Expr)).toBe(-2);
    expect(literalValue(parseSyntax("0.25"))).toBe(0.25);
    expect(literalValue(parseSyntax("$a"))).toBeUndefined();
    expect(literalValue(parseSyntax("--1"))).toBeUndefined();
  });

  it("structuralKey ignores commutative operand order but not the rest", () => {
    const k = (t: string): string => structuralKey(parseSyntax(t));
    expect(k("$a+$b*$c")).toBe(k("$c*$b+$a"));
    expect(k("ADD($a,$b)==MULTIPLY(2,$c)")).toBe(k("MULTIPLY($c,2)==ADD($b,$a)"));
    expect(k("$a-$b")).not.toBe(k("$b-$a"));
    expect(k("$a<$b")).not.toBe(k("$b<$a"));
    expect(k("5")).not.toBe(k("5.0"));
    expect(k("$a  +  1")).toBe(k("$a+1"));
  });
});
