import type { ConstructorInput } from "../roles.ts";
import type { ChatMessage } from "../types.ts";
import { block, messages, systemPrompt } from "./common.ts";

const TASK = `Implement a hypothesis as alpha factors. For each factor give a unique name, a one-sentence description,
the formulation (in words or LaTeX) and the expression. Every factor must test the hypothesis: use the fields and
the horizon it names. Make the factors different from each other (different construction, not just another window).`;

export function renderConstructorPrompt(input: ConstructorInput): ChatMessage[] {
  return messages(
    systemPrompt("constructor", TASK, input.fields),
    block("Hypothesis", input.hypothesis),
    `Write ${input.n} factors.`,
    input.avoid?.length ? block("Expressions already in the library (do not repeat)", input.avoid.join("\n")) : "",
  );
}
