import type { HypothesisInput } from "../roles.ts";
import type { ChatMessage } from "../types.ts";
import { block, messages, systemPrompt } from "./common.ts";

const TASK = `Turn a research direction into one precise, testable market hypothesis: which observable pattern in the
listed fields predicts the cross-section of next-day returns, over which look-back horizon, and why (the mechanism).
Name the fields it is about and the horizon in trading days.`;

export function renderHypothesisPrompt(input: HypothesisInput): ChatMessage[] {
  return messages(
    systemPrompt("hypothesis", TASK, input.fields),
    block("Direction", input.direction),
    input.history?.length ? block("Earlier attempts in this direction and their feedback", input.history.join("\n")) : "",
  );
}
