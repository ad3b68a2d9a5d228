/**
 * Errors a user can cause (bad files, bad expressions, bad flags). The CLI
 * prints their one-line message and exits 2, without a stack trace; anything
 * else is a bug and exits 1 with the stack.
 */
export class QuantaError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A malformed expression. `pos` is the 0-based offset; the message shows `col N` (1-based) and a caret. */
export class ParseError extends QuantaError {
  constructor(
    readonly reason: string,
    readonly pos: number,
    readonly text: string,
  ) {
    super(formatAt(reason, pos, text));
  }
}

/** An expression names a field the data does not have. */
export class FieldError extends QuantaError {}

function formatAt(reason: string, pos: number, text: string): string {
  if (!text) return reason;
  const col = Math.max(0, Math.min(pos, text.length));
  return `${reason} at col ${col + 1}\n  ${text}\n  ${" ".repeat(col)}^`;
}
