import type { AnalystInput } from "../roles.ts";
import type { ChatMessage } from "../types.ts";
import { block, messages, systemPrompt } from "./common.ts";

const TASK = `Analyse the evaluation of a trajectory (hypothesis → factors → metrics) and reflect on why its reward is
what it is. Name the single step most responsible for a low reward:
- "hypothesis": the mechanism does not show up in the data at all (all factors near zero IC);
- "structure": the operators / construction are wrong (gates failed, unstable or overfit: train and valid disagree);
- "parameters": the idea works but windows or constants are off (some signal, weak or noisy).
Give concrete suggestions for the next attempt.`;

export function renderAnalystPrompt(input: AnalystInput): ChatMessage[] {
  return messages(
    systemPrompt("analyst", TASK),
    block("Hypothesis", input.hypothesis),
    block("Factors with metrics (RankIC is the daily cross-sectional Spearman correlation with the next-day return)", input.factors),
    block("Reward", { reward: input.reward, parentReward: input.parentReward ?? null }),
  );
}
