import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { FactorLibrary } from "../../src/library/index.ts";
import { SeededRandom } from "../../src/evolution/seeds.ts";
import { dumpLibrary } from "../evolution/helpers.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SCRIPT = fileURLToPath(new URL("./scripts/mine-child.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "quanta-mine-resume-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function child(library: string, mode: "new" | "resume", killAfter?: number): Promise<Exit> {
  const args = ["--import", "tsx", SCRIPT, library, join(dir, "run"), mode, ...(killAfter ? [String(killAfter)] : [])];
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  proc.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  proc.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  return new Promise((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr })));
}

function dump(path: string): Record<string, unknown[]> {
  const lib = FactorLibrary.open(path, { readonly: true });
  try {
    return dumpLibrary(lib.db);
  } finally {
    lib.close();
  }
}

describe("resume after SIGKILL", () => {
  it("a campaign killed at random moments and resumed each time ends with the uninterrupted library", async () => {
    const clean = join(dir, "clean.db");
    const crashed = join(dir, "crashed.db");
    const rng = new SeededRandom(2024);
    // The whole campaign makes ~54 writes: the first kill lands in round 0 or 1, the later ones
    // wherever the resumed process has got to.
    const kills = [8 + rng.int(20), 3 + rng.int(15), 2 + rng.int(10)];
    const [whole, first] = await Promise.all([child(clean, "new"), child(crashed, "new", kills[0])]);
    expect(whole.code, whole.stderr).toBe(0);
    expect(first.signal, first.stderr).toBe("SIGKILL");
    const total = Number(/writes (\d+)/.exec(whole.stdout)?.[1]);
    expect(total).toBeGreaterThan(kills[0]!);

    const mid = FactorLibrary.open(crashed, { readonly: true });
    const partial = mid.listTrajectories({ campaign: "crashy" }).length;
    expect(mid.getCampaign("crashy")!.status).toBe("running");
    mid.close();

    let resumedRuns = 0;
    for (const k of kills.slice(1)) {
      const r = await child(crashed, "resume", k);
      expect(r.signal === "SIGKILL" || r.code === 0, r.stderr).toBe(true);
      resumedRuns++;
      if (r.code === 0) break;
    }
    const last = await child(crashed, "resume");
    // A campaign that already finished refuses a resume (exit 2); otherwise this one finishes it.
    expect([0, 2], last.stderr).toContain(last.code);
    expect(resumedRuns).toBeGreaterThan(0);

    const a = dump(clean);
    const b = dump(crashed);
    expect(a["trajectories"]!.length).toBeGreaterThan(partial);
    expect(b).toEqual(a); // nothing lost, nothing duplicated
    const lib = FactorLibrary.open(crashed, { readonly: true });
    expect(lib.getCampaign("crashy")!.status).toBe("finished");
    lib.close();
  }, 240_000); // four child processes, each starting tsx and mining: slow on a busy 2-core machine
});
