/**
 * bin/runtime.mjs: which starts relaunch Node with quanta's runtime settings, that the launcher
 * line of bin/quanta.mjs carries the same settings (and the machine's, recorded per boot), and
 * that a relaunching parent ends as its child ends (exit code, signal) and passes signals on — a
 * killed `quanta ic` leaves no evaluation running.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error -- a plain .mjs launcher module without type declarations
import { HUGE_PAGES, HUGE_PAGES_ABOVE_US, MALLOC_TUNABLES, V8_FLAGS, chooseMachineTunables, machineFile, machineTunables, relaunchPlan } from "../../bin/runtime.mjs";

const REPO = new URL("../../", import.meta.url);
const dir = mkdtempSync(join(tmpdir(), "quanta-runtime-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Plan {
  execArgv: string[];
  env: Record<string, string>;
}
const plan = (args: string[], execArgv: string[] = [], env: Record<string, string> = {}, platform = "linux", machine = "") =>
  relaunchPlan({ args, execArgv, env, platform, machine }) as Plan | undefined;
const BOOT_ID_FILE = "/proc/sys/kernel/random/boot_id";
const bootId = existsSync(BOOT_ID_FILE) ? readFileSync(BOOT_ID_FILE, "utf8").trim() : undefined;

describe("relaunchPlan", () => {
  it("relaunches ic and eval started without the settings, adding the V8 flag and the tunables", () => {
    for (const cmd of ["ic", "eval"]) {
      const p = plan([cmd, "--data", "x.csv"], ["--trace-warnings"], { HOME: "/h" });
      expect(p).toBeDefined();
      expect(p!.execArgv).toEqual(["--trace-warnings", ...V8_FLAGS]);
      expect(p!.env.GLIBC_TUNABLES).toBe(MALLOC_TUNABLES);
      expect(p!.env.HOME).toBe("/h");
      expect(p!.env.QUANTA_RELAUNCHED).toBe("1");
    }
  });

  it("keeps the user's own tunables, after ours (glibc takes the last value)", () => {
    const p = plan(["ic"], [], { GLIBC_TUNABLES: "glibc.malloc.arena_max=2" });
    expect(p!.env.GLIBC_TUNABLES).toBe(`${MALLOC_TUNABLES}:glibc.malloc.arena_max=2`);
    // A user who chose their own mmap threshold is not overridden, and nothing else is missing.
    expect(plan(["ic"], V8_FLAGS, { GLIBC_TUNABLES: "glibc.malloc.mmap_threshold=131072" })).toBeUndefined();
  });

  it("runs in this process when started with the settings, already relaunched, told not to, or for other commands", () => {
    expect(plan(["ic"], V8_FLAGS, { GLIBC_TUNABLES: MALLOC_TUNABLES })).toBeUndefined();
    expect(plan(["ic"], [], { QUANTA_RELAUNCHED: "1" })).toBeUndefined();
    expect(plan(["ic"], [], { QUANTA_RELAUNCH: "0" })).toBeUndefined();
    expect(plan(["ic", "--help"])).toBeUndefined();
    for (const cmd of ["mine", "schedule", "data", "library", "--version"]) expect(plan([cmd])).toBeUndefined();
    expect(plan([])).toBeUndefined();
  });

  it("off glibc only the V8 flag counts", () => {
    expect(plan(["ic"], V8_FLAGS, {}, "darwin")).toBeUndefined();
    const p = plan(["ic"], [], {}, "darwin");
    expect(p!.execArgv).toEqual(V8_FLAGS);
    expect(p!.env.GLIBC_TUNABLES).toBeUndefined();
  });

  it("adds the machine's tunables when they are missing, before the user's", () => {
    const p = plan(["ic"], V8_FLAGS, { GLIBC_TUNABLES: `${MALLOC_TUNABLES}:glibc.malloc.arena_max=2` }, "linux", HUGE_PAGES);
    expect(p!.execArgv).toEqual(V8_FLAGS);
    expect(p!.env.GLIBC_TUNABLES).toBe(`${HUGE_PAGES}:${MALLOC_TUNABLES}:glibc.malloc.arena_max=2`);
    expect(plan(["ic"], [], {}, "linux", HUGE_PAGES)!.env.GLIBC_TUNABLES).toBe(`${MALLOC_TUNABLES}:${HUGE_PAGES}`);
    // Present (the launcher line added them, or the user chose a value of their own): no relaunch.
    expect(plan(["ic"], V8_FLAGS, { GLIBC_TUNABLES: `${MALLOC_TUNABLES}:${HUGE_PAGES}` }, "linux", HUGE_PAGES)).toBeUndefined();
    expect(plan(["ic"], V8_FLAGS, { GLIBC_TUNABLES: `${MALLOC_TUNABLES}:glibc.malloc.hugetlb=0` }, "linux", HUGE_PAGES)).toBeUndefined();
    expect(plan(["ic"], V8_FLAGS, {}, "darwin", HUGE_PAGES)).toBeUndefined();
  });

  it("huge pages where a fresh page is expensive and transparent huge pages are available", () => {
    expect(chooseMachineTunables(12, "madvise")).toBe(HUGE_PAGES);
    expect(chooseMachineTunables(12, "always")).toBe(HUGE_PAGES);
    expect(chooseMachineTunables(12, "never")).toBe("");
    expect(chooseMachineTunables(12, undefined)).toBe("");
    expect(chooseMachineTunables(2, "madvise")).toBe("");
    expect(chooseMachineTunables(HUGE_PAGES_ABOVE_US, "madvise")).toBe("");
  });

  it.skipIf(bootId === undefined)("measures the machine once per boot and then reads what it recorded", () => {
    const env = { XDG_CACHE_HOME: join(dir, "xdg"), HOME: "/nonexistent" };
    const file = machineFile(env, bootId!);
    expect(file).toBe(join(dir, "xdg", "quanta", `malloc-${bootId!}`));
    const first = machineTunables({ env, platform: "linux" }) as string;
    expect(["", HUGE_PAGES]).toContain(first);
    expect(readFileSync(file, "utf8")).toBe(`${first}\n`);
    writeFileSync(file, "glibc.malloc.arena_max=3\n"); // recorded: not measured again
    expect(machineTunables({ env, platform: "linux" })).toBe("glibc.malloc.arena_max=3");
    expect(machineFile({ XDG_CACHE_HOME: "", HOME: "/h" }, "b")).toBe("/h/.cache/quanta/malloc-b");
    // Off Linux, or with huge pages already chosen by the user: nothing measured or recorded.
    const other = { XDG_CACHE_HOME: join(dir, "xdg2") };
    expect(machineTunables({ env: other, platform: "darwin" })).toBe("");
    expect(machineTunables({ env: { ...other, GLIBC_TUNABLES: "glibc.malloc.hugetlb=0" }, platform: "linux" })).toBe("");
    expect(existsSync(join(dir, "xdg2"))).toBe(false);
  });

  it("the launcher line of bin/quanta.mjs starts Node with the same settings, the machine's and the user's", () => {
    // A stand-in `node` first on PATH reports what it was started with.
    const bin = join(dir, "fakebin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "node"), `#!/bin/sh\nprintf '%s\\n' "$GLIBC_TUNABLES" "$@"\n`);
    chmodSync(join(bin, "node"), 0o755);
    const script = new URL("bin/quanta.mjs", REPO).pathname;
    const run = (env: Record<string, string>) => {
      const r = spawnSync(script, ["ic", "--data", "a b.csv"], { env: { PATH: `${bin}:/usr/bin:/bin`, ...env }, encoding: "utf8" });
      expect(r.stderr).toBe("");
      return r.stdout.split("\n").slice(0, -1);
    };
    const xdg = join(dir, "launcher-xdg");
    expect(run({ XDG_CACHE_HOME: xdg })).toEqual([MALLOC_TUNABLES, ...V8_FLAGS, script, "ic", "--data", "a b.csv"]);
    expect(run({ XDG_CACHE_HOME: xdg, GLIBC_TUNABLES: "glibc.malloc.arena_max=2" })[0]).toBe(`${MALLOC_TUNABLES}:glibc.malloc.arena_max=2`);
    if (bootId !== undefined) {
      mkdirSync(join(xdg, "quanta"), { recursive: true });
      writeFileSync(machineFile({ XDG_CACHE_HOME: xdg }, bootId), `${HUGE_PAGES}\n`);
      expect(run({ XDG_CACHE_HOME: xdg, GLIBC_TUNABLES: "glibc.malloc.hugetlb=0" })[0]).toBe(`${MALLOC_TUNABLES}:${HUGE_PAGES}:glibc.malloc.hugetlb=0`);
    }
  });

  it("the npm scripts start Node with them too", () => {
    const scripts = (JSON.parse(readFileSync(new URL("package.json", REPO), "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(scripts.quanta).toBe("./bin/quanta.mjs"); // through the shebang
    expect(scripts.demo).toMatch(/^\.\/bin\/quanta\.mjs /);
    // --expose-gc: the bench collects one run's outputs before timing the next (bench/alpha158.ts).
    expect(scripts.bench).toBe(`GLIBC_TUNABLES=${MALLOC_TUNABLES} node ${V8_FLAGS.join(" ")} --expose-gc --import tsx bench/alpha158.ts`);
  });
});

/** Runs `relaunch(plan, script, args)` in a parent Node; resolves when the parent ends. */
function relaunchFrom(script: string, env: Record<string, string> = {}) {
  const runtime = pathToFileURL(new URL("bin/runtime.mjs", REPO).pathname).href;
  const parent = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { relaunch, relaunchPlan } from ${JSON.stringify(runtime)};
       const plan = relaunchPlan({ args: ["ic"], execArgv: [], env: process.env, platform: "linux", machine: "" });
       await relaunch(plan, ${JSON.stringify(script)}, ["one", "two"]);`,
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, QUANTA_RELAUNCH: "", QUANTA_RELAUNCHED: "", GLIBC_TUNABLES: "", ...env } },
  );
  let stdout = "";
  parent.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    parent.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return { parent, ended, stdout: () => stdout };
}

describe("relaunch", () => {
  it("the child gets the settings and the arguments, and the parent exits with the child's code", async () => {
    const script = join(dir, "report.mjs");
    writeFileSync(
      script,
      `console.log(JSON.stringify({ execArgv: process.execArgv, tunables: process.env.GLIBC_TUNABLES, args: process.argv.slice(2) }));\nprocess.exitCode = 3;\n`,
    );
    const r = relaunchFrom(script);
    expect(await r.ended).toEqual({ code: 3, signal: null });
    const seen = JSON.parse(r.stdout()) as { execArgv: string[]; tunables: string; args: string[] };
    expect(seen.execArgv).toEqual(V8_FLAGS);
    expect(seen.tunables).toBe(MALLOC_TUNABLES);
    expect(seen.args).toEqual(["one", "two"]);
  });

  it("SIGTERM to the parent ends the child, and the parent ends by the same signal", async () => {
    const script = join(dir, "wait.mjs");
    writeFileSync(script, `console.log(process.pid);\nsetInterval(() => {}, 1 << 30);\n`);
    const r = relaunchFrom(script);
    // The child prints its pid once it runs; then the parent is killed.
    const childPid = await new Promise<number>((resolve) => {
      r.parent.stdout.on("data", () => {
        const line = r.stdout().split("\n")[0]!;
        if (r.stdout().includes("\n")) resolve(Number(line));
      });
    });
    expect(childPid).toBeGreaterThan(0);
    r.parent.kill("SIGTERM");
    expect(await r.ended).toEqual({ code: null, signal: "SIGTERM" });
    // The parent waited for its child's exit before ending: the child is gone.
    expect(() => process.kill(childPid, 0)).toThrow(/ESRCH/);
  });
});
