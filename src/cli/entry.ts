// Process entry for `quanta` (bin/quanta.mjs and `npm run quanta` land here).
import { hideBin } from "yargs/helpers";
import { closeUnusedPool, prestartFor } from "../pool/prestart.ts";
import { prefetchDataFile } from "../data/prefetch.ts";
import { panelCacheDir } from "../data/panel-cache-dir.ts";

const argv = hideBin(process.argv);
// A command that evaluates on the worker pool gets its workers booting now (if bin/quanta.mjs has
// not started them already), while the CLI's own modules load (see prestart.ts); the CLI is
// imported only after that.
prestartFor(argv);
// Its data file gets read, hashed and gunzipped meanwhile too (not when the panel cache has it).
const data = dataFileToPrefetch(argv);
if (data !== undefined) {
  prefetchDataFile(data, cacheTurnedOff(argv) ? undefined : panelCacheDir());
}
const { main } = await import("./main.ts");
const code = await main(argv);
await closeUnusedPool();
if (code !== 0) process.exitCode = code;

/** The `--data FILE` of a command that loads it first thing (`ic`, `eval`), else undefined. */
function dataFileToPrefetch(args: readonly string[]): string | undefined {
  if (args[0] !== "ic" && args[0] !== "eval") return undefined;
  if (args.some((a) => a === "--help" || a === "-h")) return undefined;
  for (let k = 1; k < args.length; k++) {
    const a = args[k]!;
    if (a === "--data") return args[k + 1];
    if (a.startsWith("--data=")) return a.slice("--data=".length);
  }
  return undefined;
}

/** `--no-cache`, `--cache=false` or `--cache false` (yargs reads all three as false). */
function cacheTurnedOff(args: readonly string[]): boolean {
  return args.some((a, k) => a === "--no-cache" || a === "--cache=false" || (a === "--cache" && args[k + 1] === "false"));
}
