/**
 * Writes a command leaves running in the background (the panel cache's new entries, written while
 * the command computes with the panel). `main()` waits for them before it returns, so a command
 * is over only when what it wrote is in place — also when the CLI runs inside another program.
 */
const pending = new Set<Promise<unknown>>();

/** Registers a background write; its failure is the writer's to handle (it is not reported here). */
export function inBackground(write: Promise<unknown>): void {
  const p = write.catch(() => {});
  pending.add(p);
  void p.then(() => pending.delete(p));
}

/** Settles once every background write registered so far (and any they registered) has settled. */
export async function backgroundWritesDone(): Promise<void> {
  while (pending.size > 0) await Promise.all([...pending]);
}
