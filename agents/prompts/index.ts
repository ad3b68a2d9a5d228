/** Prompt templates per role; `renderPrompt` picks the one for a role. */
import type { RoleInputs } from "../roles.ts";
import type { ChatMessage, Role } from "../types.ts";
import { renderAnalystPrompt } from "./analyst.ts";
import { renderConstructorPrompt } from "./constructor.ts";
import { renderCrossoverPrompt } from "./crossover.ts";
import { renderHypothesisPrompt } from "./hypothesis.ts";
import { renderJudgePrompt } from "./judge.ts";
import { renderMutatorPrompt } from "./mutator.ts";
import { renderPlannerPrompt } from "./planner.ts";
import { renderRepairerPrompt } from "./repairer.ts";

export { FIELD_DOCS, expressionRules, fieldList, quantaOperatorTable, repairTurn, systemPrompt } from "./common.ts";
export {
  renderAnalystPrompt,
  renderConstructorPrompt,
  renderCrossoverPrompt,
  renderHypothesisPrompt,
  renderJudgePrompt,
  renderMutatorPrompt,
  renderPlannerPrompt,
  renderRepairerPrompt,
};

const RENDERERS: { [R in Role]: (input: RoleInputs[R]) => ChatMessage[] } = {
  planner: renderPlannerPrompt,
  hypothesis: renderHypothesisPrompt,
  constructor: renderConstructorPrompt,
  judge: renderJudgePrompt,
  repairer: renderRepairerPrompt,
  analyst: renderAnalystPrompt,
  mutator: renderMutatorPrompt,
  crossover: renderCrossoverPrompt,
};

export function renderPrompt<R extends Role>(role: R, input: RoleInputs[R]): ChatMessage[] {
  return RENDERERS[role](input);
}
