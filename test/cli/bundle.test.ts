import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error -- the build script is plain JavaScript (bin/), without type declarations
import { buildBundle, bundleIsStale, currentBuild } from "../../bin/build.mjs";

describe("CLI bundle", () => {
  it("builds the CLI and the pool worker, with zod's English messages only (not its ~60 locales)", async () => {
    const dir: string = bundleIsStale() ? await buildBundle() : currentBuild();
    const files = readdirSync(dir);
    expect(files).toEqual(expect.arrayContaining(["entry.js", "worker.js"]));
    const locales = new Set<string>();
    for (const f of files.filter((x) => x.endsWith(".js"))) {
      for (const m of readFileSync(join(dir, f), "utf8").matchAll(/node_modules\/zod\/v4\/locales\/([\w-]+)\.js/g)) locales.add(m[1]!);
    }
    expect([...locales]).toEqual(["en"]);
  });

  it("builds no Intl.Segmenter at import (string-width's are made lazy: built on first use)", async () => {
    const dir: string = bundleIsStale() ? await buildBundle() : currentBuild();
    const code = readdirSync(dir)
      .filter((f) => f.endsWith(".js"))
      .map((f) => readFileSync(join(dir, f), "utf8"))
      .join("\n");
    expect(code).toMatch(/string-width/);
    expect(code).not.toMatch(/^\s*(var|let|const) \w+ = new Intl\.Segmenter\(\);?$/m);
    expect(code.match(/segmenterInstance\d* \?\?= new Intl\.Segmenter\(\)/g)?.length).toBeGreaterThanOrEqual(1);
  });

  it("loading data (a CSV, or a panel-cache hit) does not import the Parquet reader: only parsing a Parquet file does", async () => {
    const dir: string = bundleIsStale() ? await buildBundle() : currentBuild();
    const code = new Map(
      readdirSync(dir)
        .filter((f) => f.endsWith(".js"))
        .map((f) => [f, readFileSync(join(dir, f), "utf8")] as const),
    );
    // The static import closure (import … from / import "…", not import()) of the chunk with workflow/load.ts.
    const start = [...code].find(([, c]) => c.includes("// src/workflow/load.ts"))![0];
    const seen = new Set([start]);
    for (const f of seen) {
      for (const m of code.get(f)!.matchAll(/^import (?:[^"]* from )?"\.\/([\w-]+\.js)";?$/gm)) seen.add(m[1]!);
    }
    expect(seen.size).toBeGreaterThan(3);
    const withParquet = [...seen].filter((f) => /from "hyparquet/.test(code.get(f)!));
    expect(withParquet).toEqual([]);
    // ...while the reader is still in the bundle, behind a dynamic import.
    expect([...code.values()].some((c) => /from "hyparquet"/.test(c))).toBe(true);
  });
});
