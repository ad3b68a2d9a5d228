// Process entry for `quanta` (bin/quanta.mjs and `npm run quanta` land here).
import { hideBin } from "yargs/helpers";
import { main } from "./main.ts";

const code = await main(hideBin(process.argv));
if (code !== 0) process.exitCode = code;
