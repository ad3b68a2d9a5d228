/**
 * A deterministic fake campaign that writes to the library the way the controller does (an LLM
 * call, then the trajectory with its checkpoint in one transaction) and resumes from the last
 * checkpoint. Used in-process and by scripts/campaign-writer.ts in a child process.
 */
import { FactorLibrary } from "../../src/library/index.ts";
import type { TrajectoryInput } from "../../src/evolution/types.ts";
import { accepted, crossover, mutation, original, rejected } from "./fixtures.ts";

function trajectory(i: number): TrajectoryInput {
  const round = Math.floor(i / 5);
  const factors = [
    accepted(`f${i}a`, ((i * 37) % 11) / 100 - 0.02, `TS_MEAN($close, ${i + 2})`),
    accepted(`f${i}b`, 0.01 + i / 1000, `RANK($volume) * ${i}`),
    rejected(`f${i}c`),
  ];
  if (round === 0) return original(`t${i}`, "c1", factors, i / 100);
  if (round % 2 === 1) return mutation(`t${i}`, "c1", round, `t${i - 5}`, factors, i / 100);
  return crossover(`t${i}`, "c1", round, [`t${i - 5}`, `t${i - 4}`], factors, i / 100);
}

/**
 * Write trajectories t0..t(total-1), resuming after the last checkpoint; `onCommit(i)` runs after
 * each commit. With `dieAt`, SIGKILL the process inside the transaction of that trajectory.
 */
export function writeCampaign(dbPath: string, total: number, opts: { dieAt?: number; onCommit?: (i: number) => void } = {}): void {
  const lib = FactorLibrary.open(dbPath, { now: () => "2024-01-01T00:00:00.000Z" });
  try {
    const campaign = lib.getCampaign("c1") ?? lib.createCampaign({ id: "c1", name: "crash", seed: 42, dataFingerprint: "fp" });
    if (campaign.status !== "running") lib.resumeCampaign("c1");
    const last = lib.lastCheckpoint("c1");
    const start = last ? (last.state as { next: number }).next : 0;
    for (let i = start; i < total; i++) {
      lib.recordLlmCall({
        campaignId: "c1", key: `t${i}/constructor`, role: "constructor", provider: "offline", model: "m",
        promptHash: `h${i}`, seed: 42, tokensIn: 10 * i, tokensOut: i, reply: `reply ${i}`,
      });
      const checkpoint = { round: Math.floor(i / 5), step: `trajectory:t${i}`, state: { next: i + 1, rng: [i, i * 7] } };
      lib.atomically(() => {
        lib.recordTrajectory(trajectory(i), { checkpoint });
        if (i === opts.dieAt) process.kill(process.pid, "SIGKILL");
      });
      opts.onCommit?.(i);
    }
    lib.finishCampaign("c1", { summary: { trajectories: total } });
  } finally {
    lib.close();
  }
}
