import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error -- the build script is plain JavaScript (bin/), without type declarations
import { buildBundle, bundleIsStale, currentBuild } from "../../bin/build.mjs";

/** esbuild's metafile of the current build (meta.json): each chunk's sources and imports. */
interface Meta {
  outputs: Record<string, { inputs: Record<string, unknown>; imports: { path: string; kind: string; external?: boolean }[] }>;
}

async function current(): Promise<{ dir: string; meta: Meta }> {
  const dir: string = bundleIsStale() ? await buildBundle() : currentBuild();
  return { dir, meta: JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) as Meta };
}

describe("CLI bundle", () => {
  it("builds the CLI and the pool worker, with zod's English messages only (not its ~60 locales)", async () => {
    const { dir, meta } = await current();
    expect(readdirSync(dir)).toEqual(expect.arrayContaining(["entry.js", "worker.js"]));
    const inputs = Object.values(meta.outputs).flatMap((o) => Object.keys(o.inputs));
    const locales = new Set(inputs.flatMap((p) => p.match(/node_modules\/zod\/v4\/locales\/([\w-]+)\.js$/)?.[1] ?? []));
    expect([...locales]).toEqual(["en"]);
  });

  it("builds no Intl.Segmenter at import (string-width's are made lazy: built on first use)", async () => {
    const { dir, meta } = await current();
    const inputs = Object.values(meta.outputs).flatMap((o) => Object.keys(o.inputs));
    expect(inputs.some((p) => /node_modules\/string-width\//.test(p))).toBe(true);
    const code = readdirSync(dir)
      .filter((f) => f.endsWith(".js"))
      .map((f) => readFileSync(join(dir, f), "utf8"))
      .join("\n");
    // (minified: `new Intl.Segmenter` has no parentheses)
    const all = code.match(/new Intl\.Segmenter\b/g)?.length ?? 0;
    const lazy = code.match(/segmenterInstance\d*\s*\?\?=\s*new Intl\.Segmenter\b/g)?.length ?? 0;
    expect(lazy).toBeGreaterThanOrEqual(1);
    expect(all).toBe(lazy); // every Segmenter is made on first use, none at import
    // Nor string-width 8's emoji expression (~18 ms to compile): only inside a first-use getter.
    const emoji = code.match(/\\p\{RGI_Emoji\}/g)?.length ?? 0;
    const lazyEmoji = code.match(/rgiEmojiRegexInstance\d*\s*\?\?=\s*new RegExp\("\^\\\\p\{RGI_Emoji\}\$"/g)?.length ?? 0;
    expect(emoji).toBeGreaterThanOrEqual(1);
    expect(emoji).toBe(lazyEmoji);
  });

  it("bin/quanta.mjs's early prestart.js and the CLI share one copy of the pool's prestart module (the workers started early are the ones the CLI adopts)", async () => {
    const { dir, meta } = await current();
    expect(readdirSync(dir)).toContain("prestart.js");
    const holding = Object.keys(meta.outputs).filter((k) => "src/pool/prestart.ts" in meta.outputs[k]!.inputs);
    expect(holding).toHaveLength(1);
    const importers = Object.keys(meta.outputs).filter((k) => meta.outputs[k]!.imports.some((i) => i.path === holding[0]));
    expect(importers.map((k) => k.split("/").pop())).toEqual(expect.arrayContaining(["entry.js", "prestart.js"]));
    // and it loads nothing of the CLI: node:os, and piscina's chunk only when it starts workers
    expect(meta.outputs[holding[0]!]!.imports.filter((i) => i.kind === "import-statement").map((i) => i.path)).toEqual(["node:os"]);
  });

  it("is minified (whitespace and comments only: functions keep their names for stack traces)", async () => {
    const { dir } = await current();
    const kernels = readdirSync(dir)
      .filter((f) => f.endsWith(".js"))
      .map((f) => readFileSync(join(dir, f), "utf8"))
      .find((c) => c.includes("function moments2MultiInto("));
    expect(kernels).toBeDefined();
    expect(kernels).not.toMatch(/^\s*\/\*\*/m);
  });

  it("loading data (a CSV, or a panel-cache hit) does not import the Parquet reader: only parsing a Parquet file does", async () => {
    const { meta } = await current();
    const start = Object.keys(meta.outputs).find((k) => "src/workflow/load.ts" in meta.outputs[k]!.inputs)!;
    // The static import closure (import statements, not import()) of the chunk with workflow/load.ts.
    const seen = new Set([start]);
    const external = new Set<string>();
    for (const f of seen) {
      for (const i of meta.outputs[f]!.imports) {
        if (i.kind !== "import-statement") continue;
        if (i.external) external.add(i.path);
        else seen.add(i.path);
      }
    }
    expect(seen.size).toBeGreaterThan(3);
    expect([...external].filter((p) => p.startsWith("hyparquet"))).toEqual([]);
    // ...while the reader is still in the bundle, behind a dynamic import.
    const dynamic = Object.values(meta.outputs).flatMap((o) => o.imports.filter((i) => i.external && i.path.startsWith("hyparquet")));
    expect(dynamic.length).toBeGreaterThan(0);
  });
});
