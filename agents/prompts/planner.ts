import type { PlannerInput } from "../roles.ts";
import type { ChatMessage } from "../types.ts";
import { block, messages, systemPrompt } from "./common.ts";

const TASK = `Propose diversified research directions for mining alpha factors. Cover different economic mechanisms
(momentum, short-term reversal, volatility / low-volatility premium, liquidity, volume-price divergence,
range and candle shape, regime-conditioned effects), both price and volume data, and both short (≤ 10 days)
and long (≥ 20 days) horizons. Each direction must be distinct from the others and from those listed to avoid.`;

export function renderPlannerPrompt(input: PlannerInput): ChatMessage[] {
  return messages(
    systemPrompt("planner", TASK, input.fields),
    `Propose exactly ${input.n} directions.`,
    input.avoid?.length ? block("Directions already explored (avoid)", input.avoid.join("\n")) : "",
    input.notes ? block("Notes", input.notes) : "",
  );
}
