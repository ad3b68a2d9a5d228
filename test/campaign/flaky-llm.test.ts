import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseCampaignConfig } from "../../src/campaign/config.ts";
import { runMine } from "../../src/campaign/run.ts";
import { FactorLibrary } from "../../src/library/index.ts";
import { reply, startFakeLlmServer, type Directive, type RecordedRequest } from "../helpers/fake-llm-server.ts";
import { campaignReply, WINDOWS } from "../helpers/campaign-replies.ts";

const dir = mkdtempSync(join(tmpdir(), "quanta-flaky-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


/** A valid reply for the role the request is for; windows vary with the call so factors differ. */
function answer(req: RecordedRequest, n: number): object {
  return campaignReply(req, WINDOWS[n % WINDOWS.length]!);
}

/** 30% of requests fail, in the ways the agents issue lists; the rest answer correctly. */
const FAILURES: Directive[] = [
  { kind: "status", status: 500 },
  { kind: "status", status: 429, headers: { "retry-after": "0" } },
  { kind: "raw", status: 502, body: "<html>bad gateway</html>", contentType: "text/html" },
  { kind: "cut" },
  reply("this is not JSON at all"),
];

describe("a campaign against a flaky OpenAI-compatible endpoint", () => {
  it("completes and records the failed calls in the library", async () => {
    let served = 0;
    const server = await startFakeLlmServer((req, i) => {
      if ((i * 7919) % 10 < 3) return FAILURES[i % FAILURES.length]!;
      return reply(answer(req, served++));
    });
    try {
      const config = parseCampaignConfig({
        id: "flaky",
        seed: 1,
        data: { source: "synthetic:11", synthetic: { instruments: 40, days: 320 } },
        ranges: { miningTrain: "2015-01-01:2015-08-31", miningValid: "2015-09-01:2015-12-31", test: "2016-01-01:2016-12-31" },
        agent: { provider: "openai", model: "fake-model", baseUrl: server.url, maxRetries: 6 },
        evolution: { directions: 2, rounds: 3, factorsPerHypothesis: 2, crossoversPerRound: 2 },
        gates: { minIcDays: 10 },
        finalPool: { model: "linear" },
        output: { runDir: join(dir, "run") },
      });
      const { summary } = await runMine({
        config,
        log: () => {},
        // No real waiting between retries.
        agentDeps: { apiKey: "sk-test-key-123456", clock: { now: () => Date.now(), sleep: () => Promise.resolve() }, random: () => 0.5 },
      });
      expect(summary.status).toBe("finished");
      expect(summary.trajectories).toBeGreaterThanOrEqual(4);
      expect(summary.llm.failures).toBeGreaterThan(0);
      expect(summary.llm.calls).toBeGreaterThan(summary.llm.failures);
      expect(summary.llm.tokensIn).toBeGreaterThan(0);
      const lib = FactorLibrary.open(summary.library, { readonly: true });
      const calls = lib.llmCalls("flaky");
      const failed = calls.filter((c) => c.error !== null);
      expect(failed.length).toBe(summary.llm.failures);
      expect(failed.some((c) => /500|429|502|JSON|connection|terminated|socket/i.test(c.error ?? ""))).toBe(true);
      // Every call is keyed to its trajectory slot and role; the API key never reaches the log.
      expect(calls.every((c) => c.key !== null)).toBe(true);
      expect(JSON.stringify(calls)).not.toContain("sk-test-key-123456");
      lib.close();
    } finally {
      await server.close();
    }
  }, 120_000);
});
