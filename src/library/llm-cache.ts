/**
 * The factor library as the agents' LLM reply cache store (agents/cache.ts): the agents layer
 * only knows the get/put interface, the library keeps the entries in its `llm_cache` table, so
 * a campaign run again on the same library (same seed) sends no request it already sent.
 */
import type { ReplyCacheStore } from "../../agents/cache.ts";
import type { FactorLibrary } from "./library.ts";

export function libraryReplyCache(library: FactorLibrary): ReplyCacheStore {
  return {
    get: (key) => {
      const e = library.llmCacheGet(key);
      return e === undefined ? undefined : { reply: e.reply };
    },
    put: (e) => {
      library.llmCachePut({ key: e.key, role: e.role, model: e.model, reply: e.reply });
    },
  };
}
