import type { MutatorInput } from "../roles.ts";
import type { ChatMessage } from "../types.ts";
import { block, messages, systemPrompt } from "./common.ts";

const TARGETED = `Improve a trajectory by revising only the step the analyst blamed, keeping everything before it:
- blamed "parameters": keep the hypothesis and the structure of every expression; change only windows / constants;
- blamed "structure": keep the hypothesis; change operators, fields or add a regime condition;
- blamed "hypothesis": revise the hypothesis (same direction) and rebuild the factors from it.
Return the (possibly unchanged) hypothesis, the new factors, the blamed step and what you changed.`;

const ORTHOGONAL = `Propose a new hypothesis orthogonal to the parent's: a different mechanism or data source that is
unlikely to be correlated with it, and factors implementing it. Set blamedStep to "hypothesis".`;

export function renderMutatorPrompt(input: MutatorInput): ChatMessage[] {
  const orthogonal = input.mode === "orthogonal";
  return messages(
    systemPrompt("mutator", orthogonal ? ORTHOGONAL : TARGETED, input.fields),
    input.direction ? block("Direction", input.direction) : "",
    block("Parent hypothesis", input.hypothesis),
    block("Parent factors with metrics", input.factors),
    block("Analyst feedback", input.feedback),
  );
}
