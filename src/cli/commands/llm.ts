/**
 * `quanta llm check [--provider --model --base-url --timeout]`: one tiny
 * structured request; prints latency, tokens and whether structured output
 * works. An unreachable endpoint or a failed structured reply exits 2.
 */
import type { Argv, CommandModule } from "yargs";
import { z } from "zod";
import { QuantaError } from "../../../factors/errors.ts";

const CheckArgsSchema = z.object({
  provider: z.enum(["openai", "langchain", "offline", "replay"]).default("openai"),
  model: z.string().min(1).optional(),
  baseUrl: z.string().url("--base-url must be a URL such as http://localhost:11434/v1").optional(),
  /** Seconds. */
  timeout: z.number().positive().default(30),
  stream: z.boolean().default(false),
  json: z.boolean().default(false),
});
export type LlmCheckArgs = z.input<typeof CheckArgsSchema>;

/**
 * The handler, callable directly (tests): validates the flags, runs the check,
 * writes the report through `write`, returns it. Throws QuantaError (exit 2).
 */
export async function llmCheckHandler(raw: unknown, write: (text: string) => void = (t) => process.stdout.write(`${t}\n`), env: NodeJS.ProcessEnv = process.env) {
  const parsed = CheckArgsSchema.safeParse(raw);
  if (!parsed.success) throw new QuantaError(`llm check: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
  const args = parsed.data;
  if (args.provider === "replay") throw new QuantaError("llm check: the replay provider answers only recorded prompts; check the provider the campaign recorded with");
  const { runLlmCheck, formatCheckReport } = await import("../../../agents/check.ts");
  const report = await runLlmCheck({
    provider: args.provider,
    timeoutMs: Math.round(args.timeout * 1000),
    stream: args.stream,
    env,
    ...(args.model ? { model: args.model } : {}),
    ...(args.baseUrl ? { baseUrl: args.baseUrl } : {}),
  });
  write(args.json ? JSON.stringify(report) : formatCheckReport(report));
  if (!report.structuredOk) throw new QuantaError(`llm check: the endpoint answered but structured output failed: ${report.problem ?? "invalid reply"}`);
  return report;
}

export const llmCommand: CommandModule = {
  command: "llm <action>",
  describe: "Check the LLM provider configuration",
  builder: (y: Argv) =>
    y
      .positional("action", { choices: ["check"] as const, describe: "check: send one tiny structured request" })
      .option("provider", { choices: ["openai", "langchain", "offline"] as const, default: "openai", describe: "LLM provider" })
      .option("model", { type: "string", describe: "model name (default: $OPENAI_MODEL or gpt-4o-mini)" })
      .option("base-url", { type: "string", describe: "OpenAI-compatible endpoint (default: $OPENAI_BASE_URL)" })
      .option("timeout", { type: "number", default: 30, describe: "seconds before giving up" })
      .option("stream", { type: "boolean", default: false, describe: "request a streamed (SSE) reply" })
      .option("json", { type: "boolean", default: false, describe: "print the report as JSON" }),
  handler: async (argv) => {
    const a = argv as Record<string, unknown>;
    await llmCheckHandler({
      provider: a.provider,
      model: a.model,
      baseUrl: a["base-url"] ?? a.baseUrl,
      timeout: a.timeout,
      stream: a.stream,
      json: a.json,
    });
  },
};
