/**
 * Tokeniser of the factor language (DESIGN.md §3). Hand-written scanner over
 * char codes: no regex per token, positions are 0-based offsets into the text.
 * Token rules follow the reference (`factor_ref.py` `tokenize`): numbers
 * `12 1.5 .5 3. 1e-8`, fields `$name`, names `[A-Za-z_][A-Za-z0-9_]*`,
 * operators `&& || >= <= == != - + * / ( ) < > , ? : ! & |`.
 */
import { ParseError } from "./errors.ts";

export type TokenKind = "num" | "field" | "name" | "op" | "eof";

export interface Token {
  readonly kind: TokenKind;
  /** Source text of the token; for a field, without the `$`. Empty at eof. */
  readonly text: string;
  readonly pos: number;
}

const TWO_CHAR_OPS = new Set(["&&", "||", ">=", "<=", "==", "!="]);
const ONE_CHAR_OPS = new Set([..."-+*/()<>,?:!&|"]);

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95; // A-Z a-z _
const isAlnum = (c: number): boolean => isAlpha(c) || isDigit(c);
// ASCII whitespace on the fast path; other Unicode spaces (NBSP …) via the regex.
const isSpace = (c: number, ch: string): boolean => c === 32 || (c >= 9 && c <= 13) || (c > 127 && /\s/.test(ch));
const DOT = 46;

export function tokenize(text: string): Token[] {
  const toks: Token[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    const ch = text[i] as string;
    if (isSpace(c, ch)) {
      i++;
      continue;
    }
    if (isDigit(c) || (c === DOT && i + 1 < n && isDigit(text.charCodeAt(i + 1)))) {
      const end = scanNumber(text, i);
      // A number glued to more name/number characters (`1.2.3`, `5abc`, `1e`) is
      // malformed rather than two tokens: `5abc` is never meant as `5` then `abc`.
      if (end < n) {
        const next = text.charCodeAt(end);
        if (isAlnum(next) || next === DOT || next === 36 /* $ */) {
          throw new ParseError(`malformed number '${text.slice(i, end + 1)}'`, i, text);
        }
      }
      toks.push({ kind: "num", text: text.slice(i, end), pos: i });
      i = end;
      continue;
    }
    if (c === 36 /* $ */) {
      if (i + 1 >= n || !isAlpha(text.charCodeAt(i + 1))) {
        throw new ParseError("'$' must be followed by a field name", i, text);
      }
      const end = scanName(text, i + 1);
      toks.push({ kind: "field", text: text.slice(i + 1, end), pos: i });
      i = end;
      continue;
    }
    if (isAlpha(c)) {
      const end = scanName(text, i);
      toks.push({ kind: "name", text: text.slice(i, end), pos: i });
      i = end;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (TWO_CHAR_OPS.has(two)) {
      toks.push({ kind: "op", text: two, pos: i });
      i += 2;
      continue;
    }
    if (ONE_CHAR_OPS.has(ch)) {
      toks.push({ kind: "op", text: ch, pos: i });
      i++;
      continue;
    }
    const shown = String.fromCodePoint(text.codePointAt(i) ?? c);
    throw new ParseError(`unexpected character '${shown}'`, i, text);
  }
  toks.push({ kind: "eof", text: "", pos: n });
  return toks;
}

/** End offset of the number starting at `i`: `\d+(\.\d*)?|\.\d+` then an optional `[eE][+-]?\d+`. */
function scanNumber(text: string, i: number): number {
  const n = text.length;
  let j = i;
  while (j < n && isDigit(text.charCodeAt(j))) j++;
  if (j < n && text.charCodeAt(j) === DOT) {
    j++;
    while (j < n && isDigit(text.charCodeAt(j))) j++;
  }
  const e = text.charCodeAt(j);
  if (j < n && (e === 101 || e === 69)) {
    let k = j + 1;
    const s = text.charCodeAt(k);
    if (k < n && (s === 43 || s === 45)) k++;
    if (k < n && isDigit(text.charCodeAt(k))) {
      while (k < n && isDigit(text.charCodeAt(k))) k++;
      j = k;
    }
  }
  return j;
}

function scanName(text: string, i: number): number {
  let j = i;
  while (j < text.length && isAlnum(text.charCodeAt(j))) j++;
  return j;
}
