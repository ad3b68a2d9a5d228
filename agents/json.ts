/**
 * Pulls one JSON object out of a model reply: bare JSON, JSON in a code fence,
 * or the first balanced {...} in prose. Reasoning models' <think> blocks are
 * dropped first. Never evaluates anything.
 */
export type JsonExtraction = { ok: true; value: unknown } | { ok: false; error: string };

export function extractJson(text: string): JsonExtraction {
  const cleaned = text.replace(/<think>[\s\S]*?<\/think>/gi, "").trim();
  if (!cleaned) return { ok: false, error: "the reply is empty" };
  const direct = tryParse(cleaned);
  if (direct.ok) return direct;
  const fence = /```(?:json|JSON)?\s*\n?([\s\S]*?)```/.exec(cleaned);
  if (fence?.[1]) {
    const inner = tryParse(fence[1].trim());
    if (inner.ok) return inner;
  }
  const start = cleaned.indexOf("{");
  if (start < 0) return { ok: false, error: "the reply contains no JSON object" };
  const end = balancedEnd(cleaned, start);
  if (end < 0) return { ok: false, error: "the JSON object in the reply is incomplete (truncated?)" };
  const block = tryParse(cleaned.slice(start, end + 1));
  if (block.ok) return block;
  return { ok: false, error: `the reply is not valid JSON: ${direct.error}` };
}

function tryParse(s: string): JsonExtraction {
  try {
    return { ok: true, value: JSON.parse(s) as unknown };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/** Index of the `}` closing the object opened at `start`, string-aware; −1 if it never closes. */
function balancedEnd(s: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}
