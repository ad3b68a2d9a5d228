/**
 * Shared prompt pieces: the field list, the operator table (generated from the
 * factor registry, so prompts never drift from the engine), the expression
 * rules and the output contract. Everything here is deterministic text: the
 * prompt hash is the replay key.
 */
import { DEFAULT_COMPLEXITY_LIMITS } from "../../factors/complexity.ts";
import { operatorTable } from "../../factors/registry.ts";
import { DEFAULT_FIELDS } from "../roles.ts";
import { roleJsonSchema } from "../schemas.ts";
import type { ChatMessage, Role } from "../types.ts";

export const FIELD_DOCS: Readonly<Record<string, string>> = {
  $open: "opening price (adjusted)",
  $high: "daily high (adjusted)",
  $low: "daily low (adjusted)",
  $close: "closing price (adjusted)",
  $volume: "traded shares",
  $vwap: "volume-weighted average price",
  $amount: "traded value (price × shares)",
  $factor: "price adjustment factor",
  $return: "daily close-to-close return: $close / DELAY($close, 1) − 1",
};

export function fieldList(fields: readonly string[] = DEFAULT_FIELDS): string {
  return fields.map((f) => `- \`${f}\`: ${FIELD_DOCS[f] ?? "data field"}`).join("\n");
}

let cachedTable: string | undefined;
/** The quanta-dialect operator table (markdown), built once from the registry. */
export function quantaOperatorTable(): string {
  cachedTable ??= operatorTable("quanta");
  return cachedTable;
}

export function expressionRules(): string {
  const L = DEFAULT_COMPLEXITY_LIMITS;
  return [
    "- Write expressions in the quanta dialect only, using the operators in the table and the fields listed; nothing else exists (no Python, no numpy, no variables).",
    "- Fields start with `$`. Windows, lags and quantiles are numeric literals (e.g. `TS_MEAN($close, 20)`), never expressions.",
    "- No look-ahead: a value at day t may use only data up to day t. Lags and windows are ≥ 0; a negative `DELAY`/`DELTA` is rejected.",
    "- Use sensible windows: 1–10 days for short horizons, 20–120 for long ones.",
    `- Keep it simple: at most ${L.maxSymbolLength} characters, at most ${L.maxBaseFields} distinct fields, and fewer than ${L.maxFreeArgRatio * 100}% of the tree nodes may be numeric literals.`,
    "- Avoid copying well-known Alpha158 factors verbatim: a new factor must differ structurally from them.",
    "- Division by zero gives NaN; guard denominators that can be 0 (e.g. `$high - $low`) by adding a small constant like `1e-8`.",
  ].join("\n");
}

const ROLE_TITLES: Readonly<Record<Role, string>> = {
  planner: "research planner",
  hypothesis: "hypothesis generator",
  constructor: "factor constructor",
  judge: "consistency judge",
  repairer: "expression repairer",
  analyst: "results analyst",
  mutator: "mutation operator",
  crossover: "crossover operator",
};

/** Roles whose replies contain expressions get the full operator table. */
const WRITES_EXPRESSIONS: ReadonlySet<Role> = new Set<Role>(["constructor", "judge", "repairer", "mutator", "crossover"]);

export function systemPrompt(role: Role, task: string, fields?: readonly string[]): string {
  const parts = [
    `ROLE: ${role}`,
    `You are the ${ROLE_TITLES[role]} of quanta, a system that mines alpha factors for equity markets: ` +
      "a factor is a formula over daily price/volume history whose cross-sectional ranking predicts the return from the next close to the close after.",
    "",
    "## Task",
    task,
    "",
    "## Data fields",
    fieldList(fields),
  ];
  if (WRITES_EXPRESSIONS.has(role)) {
    parts.push("", "## Expression language (quanta dialect)", quantaOperatorTable(), "", "## Rules for expressions", expressionRules());
  }
  parts.push(
    "",
    "## Output",
    "Reply with ONLY one JSON object (no prose, no code fence) that matches this JSON Schema:",
    JSON.stringify(roleJsonSchema(role)),
  );
  return parts.join("\n");
}

/** A labelled JSON block for the user message. */
export function block(title: string, value: unknown): string {
  return `## ${title}\n${typeof value === "string" ? value : JSON.stringify(value, null, 2)}`;
}

export function messages(system: string, ...userParts: string[]): ChatMessage[] {
  return [
    { role: "system", content: system },
    { role: "user", content: userParts.filter((p) => p.length > 0).join("\n\n") },
  ];
}

/** The turn appended after an invalid reply: the validation error and the contract again. */
export function repairTurn(error: string): ChatMessage {
  return {
    role: "user",
    content:
      `Your previous reply could not be used: ${error}\n` +
      "Reply again with ONLY the corrected JSON object matching the schema in the system message — no prose, no code fence.",
  };
}
