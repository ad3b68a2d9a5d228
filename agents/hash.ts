import { createHash } from "node:crypto";
import type { ChatMessage } from "./types.ts";

/** SHA-256 (hex) of the messages sent; the replay and cache key (with role and seed). */
export function promptHash(messages: readonly ChatMessage[]): string {
  const h = createHash("sha256");
  for (const m of messages) {
    h.update(m.role);
    h.update("\u0000");
    h.update(m.content);
    h.update("\u0001");
  }
  return h.digest("hex");
}

/** JSON with object keys sorted, so equal values hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) out[k] = (v as Record<string, unknown>)[k];
      return out;
    }
    return v;
  });
}
