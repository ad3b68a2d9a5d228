import type { CommandModule } from "yargs";
import { evalCommand } from "./eval.ts";
import { icCommand } from "./ic.ts";
import { dataCommand } from "./data.ts";
import { llmCommand } from "./llm.ts";

/** Every top-level command, in the order `quanta --help` lists them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [evalCommand, icCommand, dataCommand, llmCommand];
