#!/usr/bin/env node
// The `quanta` executable. Runs the esbuild bundle in dist/ (rebuilt first when a source file is
// newer); if the bundle cannot be built here (e.g. a read-only install), runs the TypeScript
// sources through tsx instead — slower to start, same behaviour.
import { pathToFileURL } from "node:url";
import { join } from "node:path";
import { buildBundle, bundleIsStale, currentBuild, root } from "./build.mjs";

let entry;
try {
  const dir = bundleIsStale() ? await buildBundle() : currentBuild();
  entry = join(dir, "entry.js");
} catch {
  const { register } = await import("tsx/esm/api");
  register();
  entry = join(root, "src", "cli", "entry.ts");
}
await import(pathToFileURL(entry).href);
