/**
 * `quanta` command line. Each command lives in src/cli/commands/ and loads its heavy modules lazily, so
 * `quanta --help` stays instant. User errors exit 2 with one line; `--verbose` shows details.
 */
import yargs from "yargs";
import { QuantaError } from "../../factors/errors.ts";
import { reportError } from "./run.ts";
import { commands } from "./commands/index.ts";
import pkg from "../../package.json" with { type: "json" };
import { backgroundWritesDone } from "../io/background-writes.ts";

export async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes("--verbose");
  let code = 0;
  const cli = yargs(argv)
    .scriptName("quanta")
    .usage("$0 <command> [options]\n\nMine, evaluate and backtest alpha factors (QuantaAlpha method).")
    .option("verbose", { type: "boolean", default: false, describe: "Show details (stacks) on errors" })
    .strict()
    .demandCommand(1, "Name a command.")
    .recommendCommands()
    .help()
    .alias("h", "help")
    .version(pkg.version)
    // Never process.exit() from inside yargs (`--help`): main() returns the code, so it can be embedded and tested.
    .exitProcess(false)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      // yargs validation failures (unknown flag, missing option) are user errors: exit 2, one line.
      throw err ?? new QuantaError(`${msg}\n(run with --help for usage)`);
    });
  for (const c of commands) cli.command(c);
  skipHelpPrerender(cli);
  try {
    await cli.parseAsync();
  } catch (err) {
    code = reportError(err, verbose);
  }
  await backgroundWritesDone();
  return code;
}

interface YargsInternals {
  getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } };
}

/**
 * yargs renders the running command's whole help text (~60 ms of string-width and wrapping work
 * on the main thread) just after starting its handler, in case the handler's failure wants to
 * print it. Our `.fail` handler never prints help (a user error is one line), so that text is
 * never read: skip it. `--help` still renders on demand. Internal API (yargs is pinned); if it
 * ever moves, this does nothing.
 */
function skipHelpPrerender(cli: unknown): void {
  const usage = (cli as YargsInternals).getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === "function") usage.cacheHelpMessage = () => {};
}

