/**
 * Progress on stderr (stdout stays for results): a bar per round on a terminal, plain log lines
 * otherwise (CI, pipes, files).
 */
import cliProgress from "cli-progress";
import type { EvolutionEvent } from "../evolution/controller.ts";

export interface Progress {
  onEvent(e: EvolutionEvent): void;
  log(line: string): void;
  stop(): void;
}

const r4 = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x.toFixed(4) : "n/a");

export function createProgress(opts: { stream?: NodeJS.WriteStream; tty?: boolean; quiet?: boolean } = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const tty = opts.tty ?? Boolean(stream.isTTY);
  const write = (line: string) => {
    if (!opts.quiet) stream.write(`${line}\n`);
  };
  let bar: cliProgress.SingleBar | undefined;
  let done = 0;
  let best = Number.NaN;
  let rounds = 0;
  const stopBar = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    log(line) {
      if (bar) bar.stop();
      write(line);
      bar = undefined;
    },
    stop: stopBar,
    onEvent(e) {
      if (opts.quiet) return;
      switch (e.type) {
        case "plan":
          write(`planned ${e.directions.length} directions: ${e.directions.map((d) => d.id).join(", ")}`);
          break;
        case "round-start":
          done = e.resumed;
          rounds = e.rounds;
          best = Number.NaN;
          if (tty) {
            bar = new cliProgress.SingleBar(
              {
                stream,
                format: `round ${e.round + 1}/${e.rounds} ${e.phase.padEnd(9)} [{bar}] {value}/{total} trajectories | best reward {best}`,
                hideCursor: true,
                clearOnComplete: true,
              },
              cliProgress.Presets.shades_classic,
            );
            bar.start(e.slots, done, { best: "n/a" });
          } else {
            write(`round ${e.round + 1}/${e.rounds} (${e.phase}): ${e.slots} trajectories${e.resumed ? `, ${e.resumed} already done` : ""}`);
          }
          break;
        case "slot-done":
          done++;
          if (e.reward !== undefined && Number.isFinite(e.reward) && !(e.reward <= best)) best = e.reward;
          if (bar) bar.update(done, { best: r4(best) });
          else write(`  trajectory ${e.slot}: ${e.failed ? `failed (${e.failed})` : `reward ${r4(e.reward)}, ${e.passed} factor(s) passed the gates`}`);
          break;
        case "round-end":
          stopBar();
          write(
            `round ${e.round + 1}/${rounds} done: ${e.trajectories} trajectories, ${e.accepted} factors accepted (zoo: ${e.zooAccepted} mined), best reward ${r4(e.bestReward)}`,
          );
          break;
      }
    },
  };
}
