import type { CrossoverInput } from "../roles.ts";
import type { ChatMessage } from "../types.ts";
import { block, messages, systemPrompt } from "./common.ts";

const TASK = `Recombine several parent trajectories into one child. Keep the segments that carried high reward
(hypothesis ideas, construction patterns, useful sub-expressions) and merge them into one coherent hypothesis with
factors that combine building blocks of at least two parents. List what was inherited from which parent.`;

export function renderCrossoverPrompt(input: CrossoverInput): ChatMessage[] {
  return messages(
    systemPrompt("crossover", TASK, input.fields),
    ...input.parents.map((p, i) => block(`Parent ${i + 1} (reward ${p.reward ?? "n/a"})`, p)),
  );
}
