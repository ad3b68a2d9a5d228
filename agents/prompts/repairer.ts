import type { RepairInput } from "../roles.ts";
import type { ChatMessage } from "../types.ts";
import { block, messages, systemPrompt } from "./common.ts";

const TASK = `Fix a factor expression that the parser or a quality gate rejected. Keep the idea of the factor; change as
little as possible to remove the error. For a complexity error simplify; for a redundancy error change the structure
so it no longer copies the existing factor; for a look-ahead error use only past data; for an unknown field use the
available fields.`;

export function renderRepairerPrompt(input: RepairInput): ChatMessage[] {
  return messages(
    systemPrompt("repairer", TASK, input.fields),
    input.hypothesis ? block("Hypothesis", input.hypothesis) : "",
    block("Factor", input.factor),
    block(`Error${input.kind ? ` (${input.kind})` : ""}`, input.error),
    input.attempt && input.attempt > 1 ? `This is repair attempt ${input.attempt}; earlier repairs failed, so change more.` : "",
  );
}
