import type { CommandModule } from "yargs";
import { mineCommand } from "./mine.ts";
import { evalCommand } from "./eval.ts";
import { icCommand } from "./ic.ts";
import { backtestCommand } from "./backtest.ts";
import { dataCommand } from "./data.ts";
import { llmCommand } from "./llm.ts";
import { libraryCommand } from "./library.ts";
import { retrainCommand } from "./retrain.ts";
import { scheduleCommand } from "./schedule.ts";

/** Every top-level command, in the order `quanta --help` lists them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [
  mineCommand,
  evalCommand,
  icCommand,
  backtestCommand,
  libraryCommand,
  retrainCommand,
  scheduleCommand,
  dataCommand,
  llmCommand,
];
