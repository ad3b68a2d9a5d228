#!/usr/bin/env -S GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824:glibc.malloc.top_pad=67108864:${GLIBC_TUNABLES} node --no-concurrent-recompilation
// The `quanta` executable. The line above starts Node with the settings of ./runtime.mjs (env -S:
// GNU coreutils ≥ 8.30, macOS, the BSDs); started otherwise (`node bin/quanta.mjs ic …`), the
// commands that gain from them relaunch Node with them. Then runs the esbuild bundle in dist/
// (rebuilt first when a source file is newer); if the bundle cannot be built here (e.g. a
// read-only install), runs the TypeScript sources through tsx instead — slower to start, same
// behaviour.
import { pathToFileURL, fileURLToPath } from "node:url";
import { join } from "node:path";
import { relaunch, relaunchPlan } from "./runtime.mjs";
import { buildBundle, bundleIsStale, currentBuild, root } from "./build.mjs";

const args = process.argv.slice(2);
const plan = relaunchPlan({ args, execArgv: process.execArgv, env: process.env, platform: process.platform });
if (plan === undefined || !(await relaunch(plan, fileURLToPath(import.meta.url), args))) {
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
}
