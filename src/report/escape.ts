/**
 * HTML escaping for every piece of text that comes from data, the library or an LLM. Escapes the five
 * characters that matter in element content and in quoted attribute values.
 */
const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(value: unknown): string {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}
