#!/usr/bin/env node
// The `quanta` executable: runs the TypeScript CLI through tsx's loader (no build step).
import { register } from "node:module";
import { pathToFileURL, fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

register("tsx/esm", pathToFileURL("./"));
const here = dirname(fileURLToPath(import.meta.url));
await import(pathToFileURL(join(here, "..", "src", "cli", "main.ts")).href);
