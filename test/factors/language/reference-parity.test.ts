/**
 * Parser/validator parity with the pandas reference (shared/reference/factor_ref.py):
 * the same texts — valid random expressions, noisy spellings, random one- and
 * two-character corruptions, cross-dialect names — must give the same tree, or a
 * ParseError at the same position. One python process checks the whole batch.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Dialect, Expr } from "../../../factors/ast.ts";
import { ParseError } from "../../../factors/errors.ts";
import { parseExpr } from "../../../factors/parser.ts";
import { printExpr } from "../../../factors/printer.ts";
import type { Rng } from "./gen.ts";
import { mulberry32, printNoisy, randomExprs } from "./gen.ts";

const REF_DIR = fileURLToPath(new URL("../../../../shared/reference/", import.meta.url));
const PYTHON = "/usr/bin/python3";

const SCRIPT = `
import json, sys
sys.path.insert(0, sys.argv[1])
sys.setrecursionlimit(10000)
import factor_ref as f

def tree(n):
    if isinstance(n, f.Num): return {"kind": "num", "value": n.value, "isInt": n.is_int}
    if isinstance(n, f.Field): return {"kind": "field", "name": n.name}
    if isinstance(n, f.Call): return {"kind": "call", "op": n.name, "args": [tree(a) for a in n.args]}
    if isinstance(n, f.Unary): return {"kind": "unary", "op": n.op, "arg": tree(n.arg)}
    if isinstance(n, f.Binary): return {"kind": "binary", "op": n.op, "left": tree(n.left), "right": tree(n.right)}
    return {"kind": "cond", "cond": tree(n.cond), "then": tree(n.a), "else": tree(n.b)}

out = []
for item in json.load(sys.stdin):
    try:
        out.append({"tree": tree(f.compile_expr(item["text"], item["dialect"], allow_future=item["future"]))})
    except f.ParseError as e:
        out.append({"pos": e.pos, "msg": e.msg})
    except RecursionError:
        out.append({"skip": True})
print(json.dumps(out))
`;

interface Case {
  text: string;
  dialect: Dialect;
  future: boolean;
}
type RefResult = { tree: unknown } | { pos: number; msg: string } | { skip: true };

const available = existsSync(PYTHON) && existsSync(`${REF_DIR}factor_ref.py`) &&
  spawnSync(PYTHON, ["-c", "import pandas"], { encoding: "utf8" }).status === 0;

/** Tree without positions, in the reference's JSON shape. */
function strip(e: Expr): unknown {
  switch (e.kind) {
    case "num":
      return { kind: "num", value: e.value, isInt: e.isInt };
    case "field":
      return { kind: "field", name: e.name };
    case "call":
      return { kind: "call", op: e.op, args: e.args.map(strip) };
    case "unary":
      return { kind: "unary", op: e.op, arg: strip(e.arg) };
    case "binary":
      return { kind: "binary", op: e.op, left: strip(e.left), right: strip(e.right) };
    case "cond":
      return { kind: "cond", cond: strip(e.cond), then: strip(e.then), else: strip(e.else) };
  }
}

const NOISE = "()$,+-*/<>=!&|?:. 0123456789eE_aZx#";

function corrupt(text: string, rng: Rng): string {
  let s = text;
  const edits = rng() < 0.7 ? 1 : 2;
  for (let k = 0; k < edits; k++) {
    const i = Math.floor(rng() * (s.length + 1));
    const ch = NOISE[Math.floor(rng() * NOISE.length)] as string;
    const r = rng();
    if (r < 0.4) s = s.slice(0, i) + s.slice(i + 1);
    else if (r < 0.8) s = s.slice(0, i) + ch + s.slice(i);
    else s = s.slice(0, i) + ch + s.slice(i + 1);
  }
  return s;
}

function buildCases(): Case[] {
  const rng = mulberry32(2024);
  const cases: Case[] = [];
  for (const dialect of ["quanta", "qlib"] as const) {
    for (const e of randomExprs(dialect === "quanta" ? 71 : 72, dialect, 250, { maxDepth: 4 })) {
      const plain = printExpr(e);
      const noisy = printNoisy(e, rng);
      cases.push({ text: plain, dialect, future: false }, { text: noisy, dialect, future: false });
      // the other dialect rejects (or, for shared names like EMA, may accept) the same text
      cases.push({ text: plain, dialect: dialect === "quanta" ? "qlib" : "quanta", future: false });
      for (let k = 0; k < 4; k++) cases.push({ text: corrupt(noisy, rng), dialect, future: false });
    }
  }
  const extra = [
    "", " ", "(", ")", "()", "$", "$a$b", "1..2", ".", "5.", "..5", "1e5e", "$a&&&$b", "$a|||$b", "$a===$b", "!", "!!$a",
    "$a ? : 1", "$a ? 1 :", "TS_MEAN", "TS_MEAN(", "TS_MEAN($a,", "TS_MEAN($a,5", "TS_MEAN($a,5))", "TS_MEAN(,5)",
    "DELAY($a,-1)", "DELAY($a,-0)", "Ref($a,-1)", "Ref($a,1.0)", "Ref($a,1.5)", "Mean($a,-0)", "Corr($a,$b,-0)", "EMA($a,-0)",
    "Skew($a,0.5)", "Skew($a,-0)", "Kurt($a,3.0)", "SMA($a,5,0)", "SMA($a,5,5)", "SMA($a,5,-1)", "MACD($a,5,5)",
    "REGBETA($a,SEQUENCE(5.0),3)", "REGRESI($a,(SEQUENCE(5)),3)", "TS_MEAN($a,(5))", "TS_MEAN($a,-(5))", "TS_MEAN($a,--5)",
    "PERCENTILE($a,5,0.5)", "TS_QUANTILE($a,5,-0)", "SCALE($a,$b)", "SCALE($a,1e400)", "mean($a,5)", "Ts_Mean($a,5)",
    "TS_MEAN(Mean($a,5),5)", "abs($a)", "ABS($a)+Abs($a)", "1e999", "$a<$b<$c", "3 < $x", "$a ? $b : $c ? $d : $e",
  ];
  for (const text of extra) {
    for (const dialect of ["quanta", "qlib"] as const) {
      cases.push({ text, dialect, future: false }, { text, dialect, future: true });
    }
  }
  return cases;
}

describe.runIf(available)("parity with the reference parser", () => {
  it("gives the same tree or an error at the same position", () => {
    const cases = buildCases();
    const run = spawnSync(PYTHON, ["-c", SCRIPT, REF_DIR], { input: JSON.stringify(cases), encoding: "utf8", maxBuffer: 1 << 28 });
    expect(run.status, run.stderr).toBe(0);
    const ref = JSON.parse(run.stdout) as RefResult[];
    expect(ref.length).toBe(cases.length);
    let valid = 0;
    let errors = 0;
    const mismatches: string[] = [];
    cases.forEach((c, i) => {
      const r = ref[i] as RefResult;
      if ("skip" in r) return;
      let mine: { tree: unknown } | { pos: number; msg: string };
      try {
        mine = { tree: strip(parseExpr(c.text, c.dialect, { allowFuture: c.future })) };
      } catch (err) {
        if (!(err instanceof ParseError)) throw err;
        mine = { pos: err.pos, msg: err.reason };
      }
      if ("tree" in r) {
        valid++;
        if (!("tree" in mine)) mismatches.push(`${c.dialect} ${JSON.stringify(c.text)}: reference ok, ours ${JSON.stringify(mine)}`);
        else if (JSON.stringify(mine.tree) !== JSON.stringify(r.tree)) mismatches.push(`${c.dialect} ${JSON.stringify(c.text)}: trees differ`);
      } else {
        errors++;
        if (!("pos" in mine)) mismatches.push(`${c.dialect} ${JSON.stringify(c.text)}: reference error ${r.msg} @${r.pos}, ours ok`);
        else if (mine.pos !== r.pos) mismatches.push(`${c.dialect} ${JSON.stringify(c.text)}: reference ${r.msg} @${r.pos}, ours ${mine.msg} @${mine.pos}`);
      }
    });
    expect(mismatches.slice(0, 20)).toEqual([]);
    // the corpus exercises both sides
    expect(valid).toBeGreaterThan(1000);
    expect(errors).toBeGreaterThan(1000);
  });
});
