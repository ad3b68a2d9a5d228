/**
 * Child process for the crash test: runs writeCampaign and prints the index of each trajectory
 * after it commits.
 *
 * usage: campaign-writer.ts DB TOTAL [DIE_AT] [--gate]
 *   DIE_AT: SIGKILL itself inside the transaction of trajectory DIE_AT (written, not committed).
 *   --gate: print "ready" and wait for a line on stdin before touching the library (lets the
 *           parent pay tsx's start-up cost in parallel and still order the runs).
 */
import { writeCampaign } from "../campaign-writer-lib.ts";

const args = process.argv.slice(2).filter((a) => a !== "--gate");
const [dbPath, totalArg, dieArg] = args as [string, string, string | undefined];
if (process.argv.includes("--gate")) {
  process.stdout.write("ready\n");
  await new Promise((resolve) => process.stdin.once("data", resolve));
  process.stdin.destroy();
}
writeCampaign(dbPath, Number(totalArg), {
  dieAt: dieArg === undefined ? undefined : Number(dieArg),
  onCommit: (i) => process.stdout.write(`${i}\n`),
});
