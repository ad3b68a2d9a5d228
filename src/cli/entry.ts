// Process entry for `quanta` (bin/quanta.mjs and `npm run quanta` land here).
import { hideBin } from "yargs/helpers";
import { closeUnusedPool, prestartPool, wantsPrestartedPool } from "../pool/prestart.ts";

const argv = hideBin(process.argv);
// A command that evaluates on the worker pool gets its workers booting now, while the CLI's own
// modules load (see prestart.ts); the CLI is imported only after that.
if (wantsPrestartedPool(argv)) void prestartPool();
const { main } = await import("./main.ts");
const code = await main(argv);
await closeUnusedPool();
if (code !== 0) process.exitCode = code;
