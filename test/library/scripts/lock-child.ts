/**
 * Child process for the lock test.
 *  hold: take the "retrain" lock via withLibraryLock, print "acquired PID", hold it until a line
 *        arrives on stdin, then release, print "released" and exit 0.
 *  try:  print "ready", wait for a line on stdin (so the parent can pay tsx's start-up cost in
 *        parallel and still order the attempts), take the lock, print "acquired PID", release, exit 0.
 * A QuantaError (lock held) prints its message on stderr and exits 2.
 */
import { QuantaError } from "../../../factors/errors.ts";
import { acquireLibraryLock, withLibraryLock } from "../../../src/library/index.ts";

const [dbPath, mode] = process.argv.slice(2) as [string, string];
const nextLine = (): Promise<unknown> => new Promise((resolve) => process.stdin.once("data", resolve));

try {
  if (mode === "hold") {
    await withLibraryLock(dbPath, "retrain", async () => {
      process.stdout.write(`acquired ${process.pid}\n`);
      await nextLine();
    });
    process.stdout.write("released\n");
  } else {
    process.stdout.write("ready\n");
    await nextLine();
    const lock = acquireLibraryLock(dbPath, "retrain");
    process.stdout.write(`acquired ${process.pid}\n`);
    lock.release();
  }
} catch (err) {
  if (!(err instanceof QuantaError)) throw err;
  process.stderr.write(`error: ${err.message}\n`);
  process.exitCode = 2;
} finally {
  process.stdin.destroy();
}
