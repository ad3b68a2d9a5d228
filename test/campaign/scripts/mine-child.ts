/**
 * A tiny mining campaign in a child process, for the SIGKILL/resume test.
 * Usage: mine-child.ts LIBRARY RUN_DIR new|resume [KILL_AFTER_WRITES]
 * Prints `writes N` and exits 0 when it finishes; with KILL_AFTER_WRITES it SIGKILLs itself right
 * after that many library writes of this process (no timing involved).
 */
import { parseCampaignConfig } from "../../../src/campaign/config.ts";
import { runMine } from "../../../src/campaign/run.ts";

const [library, runDir, mode, killArg] = process.argv.slice(2);
if (!library || !runDir || (mode !== "new" && mode !== "resume")) throw new Error("usage: mine-child.ts LIBRARY RUN_DIR new|resume [KILL_AFTER]");
const killAt = killArg ? Number(killArg) : 0;

export const CHILD_CONFIG = {
  id: "crashy",
  name: "crashy",
  seed: 9,
  data: { source: "synthetic:11", synthetic: { instruments: 40, days: 320 } },
  ranges: { miningTrain: "2015-01-01:2015-08-31", miningValid: "2015-09-01:2015-12-31", test: "2016-01-01:2016-12-31" },
  evolution: { directions: 2, rounds: 3, factorsPerHypothesis: 2, crossoversPerRound: 1, concurrency: 2 },
  gates: { minIcDays: 10 },
  output: { library, runDir },
};

let writes = 0;
const config = parseCampaignConfig(CHILD_CONFIG);
await runMine({
  config,
  ...(mode === "resume" ? { resume: { library, campaignId: "crashy" } } : {}),
  miningOnly: true,
  log: () => {},
  onWrite: (n) => {
    writes = n;
    if (n === killAt) process.kill(process.pid, "SIGKILL");
  },
});
process.stdout.write(`writes ${writes}\n`);
