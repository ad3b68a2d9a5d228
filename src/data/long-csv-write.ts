/**
 * The one long-CSV writer: `date,instrument,<names>` rows for the given panel cells (instrument-
 * major cell indices), NaN as an empty field, numbers in JS's shortest round-trip form (the file
 * reloads bit-exactly); `.gz` → gzip level 1. Written to a temp file and renamed, so a failure
 * never leaves half a file. Used by `quanta data synth` (panel fields) and `quanta eval` (factors).
 */
import { createWriteStream, renameSync, rmSync } from "node:fs";
import { once } from "node:events";
import { createGzip } from "node:zlib";
import type { Writable } from "node:stream";
import type { Panel } from "../../factors/panel.ts";

export async function writeLongCsvCells(
  path: string,
  panel: Panel,
  names: readonly string[],
  columns: readonly Float64Array[],
  cells: Int32Array,
): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const file = createWriteStream(tmp);
  const out: Writable = /\.gz$/i.test(path) ? createGzip({ level: 1 }) : file;
  if (out !== file) out.pipe(file);
  const closed = once(file, "close");
  // A write error rejects `closed` while the loop below may still be running: mark it handled now
  // (it is awaited, and rethrown, below) so it cannot crash the process as an unhandled rejection.
  closed.catch(() => {});
  try {
    const { nDates } = panel;
    const parts: string[] = [`date,instrument,${names.join(",")}\n`];
    let pending = 0;
    for (let r = 0; r < cells.length; r++) {
      const c = cells[r]!;
      let line = panel.dates[c % nDates]! + "," + panel.instruments[(c / nDates) | 0]!;
      for (let k = 0; k < columns.length; k++) {
        const v = columns[k]![c]!;
        line += v - v === 0 ? "," + v : ",";
      }
      parts.push(line, "\n");
      pending += line.length;
      if (pending > 1 << 20) {
        // Race with `closed`: when the file fails behind a gzip stream, "drain" never comes.
        if (!out.write(parts.join(""))) await Promise.race([once(out, "drain"), closed]);
        parts.length = 0;
        pending = 0;
      }
    }
    out.end(parts.join(""));
    await closed;
    renameSync(tmp, path);
  } catch (e) {
    out.destroy();
    file.destroy();
    rmSync(tmp, { force: true });
    throw e;
  }
}
