/**
 * Recursive-descent parser of the factor language (DESIGN.md §3):
 *
 *   expr    := ternary
 *   ternary := or ('?' expr ':' expr)?          right-associative
 *   or      := and (('||' | '|') and)*
 *   and     := cmp (('&&' | '&') cmp)*
 *   cmp     := add (('>' | '<' | '>=' | '<=' | '==' | '!=') add)*   chains left: a<b<c = (a<b)<c
 *   add     := mul (('+' | '-') mul)*
 *   mul     := unary (('*' | '/') unary)*
 *   unary   := '-' unary | '!' unary | primary
 *   primary := number | '$'name | NAME '(' args ')' | '(' expr ')'
 *
 * Node positions: number/field/call = first character, unary/binary = the
 * operator, cond = the '?'. Error positions match the reference parser.
 */
import type { BinaryOp, Dialect, Expr } from "./ast.ts";
import { children } from "./ast.ts";
import { ParseError } from "./errors.ts";
import type { Token } from "./lexer.ts";
import { tokenize } from "./lexer.ts";
import { lookupOp } from "./registry.ts";
import type { ValidateOptions } from "./validate.ts";
import { validateExpr } from "./validate.ts";

export { literalOf, literalValue } from "./validate.ts";
export type { Literal } from "./validate.ts";

export type ParseOptions = ValidateOptions;

/** Parse and validate against `dialect`. Throws ParseError (with position) on any problem. */
export function parseExpr(text: string, dialect: Dialect, opts: ParseOptions = {}): Expr {
  const tree = parseSyntax(text);
  validateExpr(tree, dialect, text, opts);
  return tree;
}

/** Grammar only, no dialect checks (operator names, arity and parameters are not looked at). */
export function parseSyntax(text: string): Expr {
  return new Parser(text).parse();
}

/** Deeper nesting than any real factor; guards the parser's recursion against hostile input. */
export const MAX_NESTING = 200;
/** Maximum height of a parsed tree (a long `a+b+c+…` chain is deep without nesting), so that
 *  recursive consumers (validator, printer, evaluator) stay far from the stack limit. */
export const MAX_TREE_DEPTH = 400;

const CMP_OPS = new Set([">", "<", ">=", "<=", "==", "!="]);
const INT_RE = /^\d+$/;

class Parser {
  private readonly toks: Token[];
  private i = 0;
  private depth = 0;
  private readonly heights = new WeakMap<Expr, number>();

  constructor(private readonly text: string) {
    this.toks = tokenize(text);
  }

  parse(): Expr {
    if (this.peek().kind === "eof") this.fail("empty expression");
    const e = this.expr();
    const t = this.peek();
    if (t.kind !== "eof") {
      if (t.text === ")") this.fail("unbalanced ')': no '(' to close");
      this.fail(`unexpected ${show(t)} after a complete expression`);
    }
    return e;
  }

  private peek(): Token {
    return this.toks[this.i] as Token;
  }

  private take(): Token {
    return this.toks[this.i++] as Token;
  }

  private isOp(op: string): boolean {
    const t = this.peek();
    return t.kind === "op" && t.text === op;
  }

  private fail(reason: string, pos = this.peek().pos): never {
    throw new ParseError(reason, pos, this.text);
  }

  private enter(pos: number): void {
    if (++this.depth > MAX_NESTING) this.fail(`expression nested more than ${MAX_NESTING} levels deep`, pos);
  }

  /** Registers a node's height and rejects trees deeper than MAX_TREE_DEPTH. */
  private node<T extends Expr>(e: T): T {
    let h = 0;
    for (const c of children(e)) h = Math.max(h, this.heights.get(c) ?? 1);
    if (h + 1 > MAX_TREE_DEPTH) this.fail(`expression more than ${MAX_TREE_DEPTH} levels deep`, e.pos);
    this.heights.set(e, h + 1);
    return e;
  }

  private expr(): Expr {
    return this.ternary();
  }

  private ternary(): Expr {
    const cond = this.or();
    if (!this.isOp("?")) return cond;
    const pos = this.take().pos;
    this.enter(pos);
    const then = this.expr();
    if (!this.isOp(":")) this.fail(`expected ':' of the ternary, found ${show(this.peek())}`);
    this.take();
    const otherwise = this.expr();
    this.depth--;
    return this.node({ kind: "cond", cond, then, else: otherwise, pos });
  }

  private or(): Expr {
    let left = this.and();
    while (this.isOp("||") || this.isOp("|")) {
      const pos = this.take().pos;
      left = this.node({ kind: "binary", op: "||", left, right: this.and(), pos });
    }
    return left;
  }

  private and(): Expr {
    let left = this.cmp();
    while (this.isOp("&&") || this.isOp("&")) {
      const pos = this.take().pos;
      left = this.node({ kind: "binary", op: "&&", left, right: this.cmp(), pos });
    }
    return left;
  }

  private cmp(): Expr {
    let left = this.add();
    while (this.peek().kind === "op" && CMP_OPS.has(this.peek().text)) {
      const t = this.take();
      left = this.node({ kind: "binary", op: t.text as BinaryOp, left, right: this.add(), pos: t.pos });
    }
    return left;
  }

  private add(): Expr {
    let left = this.mul();
    while (this.isOp("+") || this.isOp("-")) {
      const t = this.take();
      left = this.node({ kind: "binary", op: t.text as BinaryOp, left, right: this.mul(), pos: t.pos });
    }
    return left;
  }

  private mul(): Expr {
    let left = this.unary();
    while (this.isOp("*") || this.isOp("/")) {
      const t = this.take();
      left = this.node({ kind: "binary", op: t.text as BinaryOp, left, right: this.unary(), pos: t.pos });
    }
    return left;
  }

  private unary(): Expr {
    if (this.isOp("-") || this.isOp("!")) {
      const t = this.take();
      this.enter(t.pos);
      const arg = this.unary();
      this.depth--;
      return this.node({ kind: "unary", op: t.text as "-" | "!", arg, pos: t.pos });
    }
    return this.primary();
  }

  private primary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case "num": {
        this.take();
        const value = Number(t.text);
        if (!Number.isFinite(value)) this.fail(`number out of range '${t.text}'`, t.pos);
        return { kind: "num", value, isInt: INT_RE.test(t.text), pos: t.pos };
      }
      case "field":
        this.take();
        return { kind: "field", name: t.text, pos: t.pos };
      case "name":
        return this.call();
      case "eof":
        return this.fail("unexpected end of expression");
      case "op":
        if (t.text === "(") {
          this.take();
          this.enter(t.pos);
          const e = this.expr();
          if (this.peek().kind === "eof") this.fail(`missing ')' to close the '(' opened at col ${t.pos + 1}`);
          if (!this.isOp(")")) this.fail(`expected ')', found ${show(this.peek())}`);
          this.take();
          this.depth--;
          return e;
        }
        return this.fail(`unexpected ${show(t)}`);
    }
  }

  private call(): Expr {
    const name = this.take();
    if (!this.isOp("(")) {
      const known = lookupOp("quanta", name.text) ?? lookupOp("qlib", name.text);
      const hint = known
        ? ""
        : ` (fields are written with '$', as in $${name.text.toLowerCase()}; operators are called as NAME(...))`;
      this.fail(`expected '(' after function name '${name.text}'${hint}`);
    }
    this.take();
    this.enter(name.pos);
    const args: Expr[] = [];
    const missing = (): never => this.fail(`missing ')' to close ${name.text}( opened at col ${name.pos + 1}`);
    if (!this.isOp(")")) {
      for (;;) {
        if (this.peek().kind === "eof") missing();
        args.push(this.expr());
        if (!this.isOp(",")) break;
        this.take();
      }
    }
    if (this.peek().kind === "eof") missing();
    if (!this.isOp(")")) this.fail(`expected ',' or ')' in the arguments of ${name.text}, found ${show(this.peek())}`);
    this.take();
    this.depth--;
    return this.node({ kind: "call", op: name.text, args, pos: name.pos });
  }
}

function show(t: Token): string {
  if (t.kind === "eof") return "end of expression";
  return t.kind === "field" ? `'$${t.text}'` : `'${t.text}'`;
}
