// Bundles the CLI and the pool worker with esbuild into dist/ (a ~0.3 s build) so `quanta` starts in
// a fraction of the time tsx's per-module transpiling takes. bin/quanta.mjs rebuilds automatically
// when any source file is newer than the bundle, so the bundle is never stale.
import { readdirSync, statSync, writeFileSync, mkdirSync, rmSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const distDir = join(root, "dist");
const stampFile = join(distDir, ".stamp");
const SOURCE_DIRS = ["src", "factors", "backtest", "agents"];

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith(".ts") || entry.name.endsWith(".tsv")) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** True when dist/ is missing or older than a source file. */
export function bundleIsStale() {
  let built;
  try {
    built = statSync(stampFile).mtimeMs;
  } catch {
    return true;
  }
  return SOURCE_DIRS.some((d) => newestMtime(join(root, d)) > built);
}

export async function buildBundle() {
  const { build } = await import("esbuild");
  // Build into a temp folder and swap it in, so a concurrent `quanta` never sees half a bundle.
  const tmp = `${distDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await build({
    entryPoints: { entry: join(root, "src/cli/entry.ts"), worker: join(root, "src/pool/worker.ts") },
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    outdir: tmp,
    chunkNames: "chunk-[hash]",
    logLevel: "warning",
  });
  writeFileSync(join(tmp, ".stamp"), new Date().toISOString());
  writeFileSync(join(tmp, "package.json"), '{ "type": "module" }\n');
  const old = `${distDir}.old-${process.pid}`;
  try {
    renameSync(distDir, old);
  } catch {
    /* no previous bundle */
  }
  renameSync(tmp, distDir);
  rmSync(old, { recursive: true, force: true });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildBundle();
}
