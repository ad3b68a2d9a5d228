// Bundles the CLI and the pool worker with esbuild (a ~0.3 s build) so `quanta` starts in a
// fraction of the time tsx's per-module transpiling takes. bin/quanta.mjs rebuilds automatically
// when any source file is newer than the bundle, so the bundle is never stale.
//
// Each build goes to its own folder dist/build-<time>-<pid>/ and dist/current.json names the
// newest: a long run that is still importing chunks lazily keeps its own build while a newer one
// appears. Builds other than the current one are removed once they are an hour old.
import { readdirSync, statSync, writeFileSync, mkdirSync, rmSync, renameSync, readFileSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const distDir = join(root, "dist");
const currentFile = join(distDir, "current.json");
const SOURCE_DIRS = ["src", "factors", "backtest", "agents"];
const KEEP_OLD_BUILDS_MS = 60 * 60 * 1000;
// Pure-JS ESM packages on the startup path are bundled: importing yargs and zod as packages costs
// ~0.15 s of CPU in module resolution and loading (their many small files) on every start,
// bundled they cost a fraction of that. Everything else stays external: native addons
// (better-sqlite3), packages that locate files of their own at run time (piscina's workers,
// ml-xgboost's wasm, pino's transports), CommonJS ones (esbuild cannot turn their require() calls
// of Node built-ins into ESM imports: yaml and cli-progress broke that way) and heavy ones only some
// commands load lazily.
const BUNDLED_PACKAGES = new Set(["yargs", "zod"]);

// zod's classic API re-exports all of its ~60 message locales (\`z.locales\`), ~0.4 MB of the bundle
// that every start parses; quanta sets no locale, so only English (zod's default) is bundled.
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${sep}node_modules${sep}zod${sep}`) ? { path: join(args.resolveDir, "..", "locales", "en.js"), namespace: "zod-en" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "zod-en" }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};\n`,
      resolveDir: dirname(args.path),
      loader: "js",
    }));
  },
};

// yargs' helpers (string-width, three copies) build ICU objects at import, though only help text
// and wrapping measure strings with them: an Intl.Segmenter (~15 ms on every start) and, in
// string-width 8, the regular expression /^\p{RGI_Emoji}$/v (~18 ms: V8 expands the emoji
// sequences when it compiles the pattern). Both are built on first use instead. If a package
// update changes such a line, it is bundled as it is.
const LAZY_AT_IMPORT = [
  [
    "const segmenter = new Intl.Segmenter();",
    "let segmenterInstance;\nconst segmenter = { segment: (text) => (segmenterInstance ??= new Intl.Segmenter()).segment(text) };",
  ],
  [
    "const rgiEmojiRegex = /^\\p{RGI_Emoji}$/v;",
    "let rgiEmojiRegexInstance;\nconst rgiEmojiRegex = { test: (text) => (rgiEmojiRegexInstance ??= new RegExp(\"^\\\\p{RGI_Emoji}$\", \"v\")).test(text) };",
  ],
];
const lazyStringWidth = {
  name: "lazy-string-width",
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/].*string-width[\\/]index\.js$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      const lazy = LAZY_AT_IMPORT.reduce((t, [eager, onFirstUse]) => t.replace(eager, onFirstUse), text);
      return lazy !== text ? { contents: lazy, loader: "js" } : undefined;
    });
  },
};

function externalPackages() {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((n) => !BUNDLED_PACKAGES.has(n));
  return names.flatMap((n) => [n, `${n}/*`]);
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // Not path.join: its normalising, once per file, was most of this check's ~10 ms at each start.
    const p = dir + sep + entry.name;
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith(".ts") || entry.name.endsWith(".tsv")) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** The current build's folder, or undefined when there is none. */
export function currentBuild() {
  try {
    const { dir } = JSON.parse(readFileSync(currentFile, "utf8"));
    statSync(join(distDir, dir, "entry.js"));
    return join(distDir, dir);
  } catch {
    return undefined;
  }
}

/** True when there is no build or a source file is newer than it. */
export function bundleIsStale() {
  const dir = currentBuild();
  if (!dir) return true;
  const built = statSync(join(dir, "entry.js")).mtimeMs;
  // The build recipe and the dependency list shape the bundle too (which packages are inlined).
  const recipe = [fileURLToPath(import.meta.url), join(root, "package.json")].map((p) => statSync(p).mtimeMs);
  return recipe.some((m) => m > built) || SOURCE_DIRS.some((d) => newestMtime(join(root, d)) > built);
}

/** Builds a new bundle, makes it current and returns its folder. */
export async function buildBundle() {
  const { build } = await import("esbuild");
  const name = `build-${Date.now()}-${process.pid}`;
  const out = join(distDir, name);
  mkdirSync(out, { recursive: true });
  const result = await build({
    // prestart: imported by bin/quanta.mjs before the CLI (see src/pool/prestart.ts), a module
    // shared with entry's chunks, so both see the same workers.
    entryPoints: { entry: join(root, "src/cli/entry.ts"), worker: join(root, "src/pool/worker.ts"), prestart: join(root, "src/pool/prestart.ts") },
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: externalPackages(),
    outdir: out,
    chunkNames: "chunk-[hash]",
    plugins: [zodEnglishOnly, lazyStringWidth],
    // Whitespace and comments out: 1.19 MB of JavaScript for V8 to scan at every start, not
    // 1.54 MB. Names and code stay as written, so stack traces and profiles name every function.
    minifyWhitespace: true,
    metafile: true,
    logLevel: "warning",
  });
  // Which sources and imports each chunk holds (the comments naming them are minified away):
  // for tests that check what a command loads, and for anyone reading the bundle.
  writeFileSync(join(out, "meta.json"), JSON.stringify(result.metafile));
  writeFileSync(join(out, "package.json"), '{ "type": "module" }\n');
  const tmp = `${currentFile}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify({ dir: name }) + "\n");
  renameSync(tmp, currentFile); // atomic: readers see the old or the new build, never neither
  removeOldBuilds(name);
  return out;
}

function removeOldBuilds(keep) {
  const now = Date.now();
  for (const entry of readdirSync(distDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === keep) continue;
    const p = join(distDir, entry.name);
    if (now - statSync(p).mtimeMs > KEEP_OLD_BUILDS_MS) rmSync(p, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await buildBundle();
  console.log(`built ${out}`);
}
