import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/** A scratch directory per test file; call cleanup() in afterAll. */
export function scratchDir(prefix: string): { dir: string; write: (name: string, content: string | Buffer, gzip?: boolean) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `quanta-${prefix}-`));
  return {
    dir,
    write(name, content, gzip = false) {
      const path = join(dir, name);
      const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
      writeFileSync(path, gzip ? gzipSync(bytes) : bytes);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const HEADER = "date,instrument,open,high,low,close,volume";
