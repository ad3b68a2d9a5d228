/**
 * Process-level error policy for the CLI: a user error (QuantaError, exit 2) prints one line, a bug
 * prints its stack (exit 1). `--verbose` adds the stack for user errors too.
 */
import { QuantaError } from "../../factors/errors.ts";

export function reportError(err: unknown, verbose: boolean): number {
  if (err instanceof QuantaError) {
    process.stderr.write(`error: ${err.message}\n`);
    if (verbose && err.stack) process.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  process.stderr.write(`internal error: ${e.message}\n${e.stack ?? ""}\n`);
  return 1;
}
