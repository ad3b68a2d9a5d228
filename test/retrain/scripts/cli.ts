/**
 * The quanta CLI with this area's commands (library, retrain, schedule) registered the way
 * src/cli/main.ts registers its own, for child-process tests that must not depend on how the
 * command index is wired. Same error policy: a QuantaError exits 2 with one line.
 *
 * Test barrier (test code only): with QUANTA_TEST_PAUSE_AFTER=<regex>, the first stderr line that
 * matches is written and then the process blocks (a synchronous read of stdin) until the test
 * writes a line — e.g. a retrain paused while it holds the library lock.
 */
import { readSync } from "node:fs";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { QuantaError } from "../../../factors/errors.ts";
import { reportError } from "../../../src/cli/run.ts";
import { libraryCommand } from "../../../src/cli/commands/library.ts";
import { retrainCommand } from "../../../src/cli/commands/retrain.ts";
import { scheduleCommand } from "../../../src/cli/commands/schedule.ts";

const pauseAfter = process.env["QUANTA_TEST_PAUSE_AFTER"];
if (pauseAfter) {
  const re = new RegExp(pauseAfter, "m");
  const write = process.stderr.write.bind(process.stderr);
  let paused = false;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const ok = (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    if (!paused && re.test(String(chunk))) {
      paused = true;
      const buf = Buffer.alloc(64);
      for (;;) {
        try {
          if (readSync(0, buf, 0, buf.length, null) >= 0) break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
        }
      }
    }
    return ok;
  }) as typeof process.stderr.write;
}

const argv = hideBin(process.argv);
try {
  await yargs(argv)
    .scriptName("quanta")
    .option("verbose", { type: "boolean", default: false })
    .strict()
    .demandCommand(1)
    .version(false)
    .fail((msg, err) => {
      throw err ?? new QuantaError(msg);
    })
    .command(libraryCommand)
    .command(retrainCommand)
    .command(scheduleCommand)
    .parseAsync();
} catch (err) {
  process.exitCode = reportError(err, argv.includes("--verbose"));
}
