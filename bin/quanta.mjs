#!/bin/sh
":" //; B=; read -r B 2>/dev/null </proc/sys/kernel/random/boot_id; M=; read -r M 2>/dev/null <"${XDG_CACHE_HOME:-$HOME/.cache}/quanta/malloc-$B"; export GLIBC_TUNABLES="glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824:glibc.malloc.top_pad=67108864${M:+:$M}${GLIBC_TUNABLES:+:$GLIBC_TUNABLES}"; exec node --no-concurrent-recompilation "$0" "$@"
// The `quanta` executable, a file both sh and Node read. Run as a program, sh reads the line
// above (to JavaScript a string and a comment): it starts Node on this file with the settings of
// ./runtime.mjs — the V8 flag, glibc's malloc tunables, and the machine's own (huge pages where
// they pay: the file runtime.mjs's machineTunables records per boot), the user's GLIBC_TUNABLES
// last so they win. Started otherwise (`node bin/quanta.mjs ic …`), the commands that gain from
// the settings relaunch Node with them. Then runs the esbuild bundle in dist/ (rebuilt first when
// a source file is newer); if the bundle cannot be built here (e.g. a read-only install), runs the
// TypeScript sources through tsx instead — slower to start, same behaviour.
import { pathToFileURL, fileURLToPath } from "node:url";
import { join } from "node:path";
import { relaunch, relaunchPlan } from "./runtime.mjs";
import { buildBundle, bundleIsStale, currentBuild, root } from "./build.mjs";

const args = process.argv.slice(2);
const plan = relaunchPlan({ args, execArgv: process.execArgv, env: process.env, platform: process.platform });
if (plan === undefined || !(await relaunch(plan, fileURLToPath(import.meta.url), args))) {
  let entry;
  let dir;
  try {
    dir = bundleIsStale() ? await buildBundle() : currentBuild();
    entry = join(dir, "entry.js");
  } catch {
    const { register } = await import("tsx/esm/api");
    register();
    entry = join(root, "src", "cli", "entry.ts");
  }
  if (dir !== undefined) {
    // The pool's workers start booting now, before the CLI loads (src/pool/prestart.ts); should
    // that fail, entry.js starts them as the CLI loads, or the command reports why it cannot.
    await import(pathToFileURL(join(dir, "prestart.js")).href).then((m) => m.prestartFor(args)).catch(() => {});
  }
  await import(pathToFileURL(entry).href);
}
