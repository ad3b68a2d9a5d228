/** Runs `quanta mine ARGS` in this process (the real yargs command) and returns its stdout. */
import yargs from "yargs";
import { mineCommand } from "../../src/cli/commands/mine.ts";

export async function runMineCli(args: string[]): Promise<string> {
  let out = "";
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    return true;
  }) as typeof process.stdout.write;
  try {
    await yargs(args)
      .command(mineCommand)
      .strict()
      .fail((msg, err) => {
        throw err ?? new Error(msg);
      })
      .parseAsync();
  } finally {
    process.stdout.write = write;
  }
  return out;
}
