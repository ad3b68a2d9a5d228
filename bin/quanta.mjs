#!/usr/bin/env node
// The `quanta` executable: registers tsx's loader (no build step) and runs the TypeScript CLI.
import { register } from "tsx/esm/api";
import { pathToFileURL, fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

register();
const here = dirname(fileURLToPath(import.meta.url));
await import(pathToFileURL(join(here, "..", "src", "cli", "entry.ts")).href);
