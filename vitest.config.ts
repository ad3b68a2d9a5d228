import { defineConfig } from "vitest/config";

// .ci/run sets QUANTA_VITEST_JSON so it can print the closing `N passed, N failed` line CI reads.
const jsonOut = process.env.QUANTA_VITEST_JSON;

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Tests load data uncached (and so never write to ~/.cache); the cache's own tests set a directory.
    env: { QUANTA_CACHE_DIR: "off" },
    reporters: jsonOut ? ["default", "json"] : ["default"],
    ...(jsonOut ? { outputFile: { json: jsonOut } } : {}),
  },
});
