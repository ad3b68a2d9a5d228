import type { JudgeInput } from "../roles.ts";
import type { ChatMessage } from "../types.ts";
import { block, messages, systemPrompt } from "./common.ts";

const TASK = `Check that a factor is consistent along the chain hypothesis → description → expression: the expression
must compute what the description says, use the fields the hypothesis is about, and look back over the horizon the
hypothesis names. Verdict "consistent" (severity none or minor) or "inconsistent" (minor or major). When
inconsistent, give a corrected expression that implements the description faithfully; otherwise null.`;

export function renderJudgePrompt(input: JudgeInput): ChatMessage[] {
  return messages(systemPrompt("judge", TASK, input.fields), block("Hypothesis", input.hypothesis), block("Factor", input.factor));
}
