/**
 * Options several commands share, and their validation (yargs types command options as unknown at
 * the top level, so each handler re-reads its arguments through zod).
 */
import type { Argv, Options } from "yargs";
import { z } from "zod";
import { QuantaError } from "../../factors/errors.ts";

export const dataOption: Options = {
  type: "string",
  describe: "Market data: long CSV (.csv/.csv.gz), .parquet, a qlib data directory, or synthetic[:SEED]",
  demandOption: true,
};
export const exprsOption: Options = { type: "string", describe: "TSV of name<TAB>expression lines", demandOption: true };
export const dialectOption: Options = {
  choices: ["quanta", "qlib"],
  default: "quanta",
  describe: "Expression dialect: quanta (TS_MEAN, RANK, …) or qlib (Mean, Ref, … with qlib's semantics)",
};
export const startOption: Options = { type: "string", describe: "First date of the range of interest (YYYY-MM-DD); earlier data is still history" };
export const endOption: Options = { type: "string", describe: "Last date (YYYY-MM-DD); later data is not read" };
export const universeOption: Options = {
  type: "string",
  describe: "Membership file instrument,start_date,end_date: outside it an instrument is in no cross-section",
};
export const threadsOption: Options = { type: "number", describe: "Worker threads for evaluation (default: all cores)" };
export const jsonOption: Options = { type: "boolean", default: false, describe: "Print machine-readable JSON on stdout" };
export const strictOption: Options = {
  type: "boolean",
  default: false,
  describe: "Implausible ticks (high<low, negative volume, non-positive price) and factors needing absent fields are errors",
};

export const cacheOption: Options = {
  type: "boolean",
  default: true,
  describe: "Read a CSV/Parquet file parsed before from the panel cache (keyed by its bytes); --no-cache parses it again. QUANTA_CACHE_DIR sets the directory, =off disables",
};

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD");

export const commonArgs = z.object({
  data: z.string().min(1),
  dialect: z.enum(["quanta", "qlib"]).default("quanta"),
  start: isoDate.optional(),
  end: isoDate.optional(),
  universe: z.string().min(1).optional(),
  threads: z.number().int().min(1).max(256).optional(),
  json: z.boolean().default(false),
  strict: z.boolean().default(false),
  cache: z.boolean().default(true),
  verbose: z.boolean().default(false),
});

/** Validate parsed argv with a schema; a failure is a user error naming the option. */
export function readArgs<S extends z.ZodType>(schema: S, argv: unknown): z.infer<S> {
  const r = schema.safeParse(argv);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  // Name the option as typed (`--gbdt-seeds`, not the parsed `gbdtSeeds`); list indices mean nothing to the user.
  const key = issue.path
    .filter((p) => typeof p !== "number")
    .map((p) => String(p).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`))
    .join(".");
  throw new QuantaError(`--${key}: ${issue.message}`);
}

/**
 * The options every factor-set command takes (`eval`, `ic`): data, expressions, dialect, date range,
 * universe, threads and strict loading.
 */
export function factorSetOptions<T>(y: Argv<T>) {
  return y
    .option("data", dataOption)
    .option("exprs", exprsOption)
    .option("dialect", dialectOption)
    .option("start", startOption)
    .option("end", endOption)
    .option("universe", universeOption)
    .option("threads", threadsOption)
    .option("strict", strictOption)
    .option("cache", cacheOption);
}
