/**
 * How the controller tells failures apart: a stop (Ctrl-C / abort, budget spent) ends the
 * campaign cleanly and resumably; any other agent failure (LlmError: transport errors already
 * retried, invalid replies, replay misses) costs only the call, candidate or slot it happened in;
 * everything else is a bug and propagates.
 */
import { BudgetExceededError, LlmAbortError, LlmError } from "../../agents/errors.ts";

export class CampaignStopped extends Error {
  constructor(readonly reason: "interrupted" | "budget", message: string) {
    super(message);
    this.name = "CampaignStopped";
  }
}

/** A failure that must end the campaign (cleanly): abort or budget. */
export function isStop(err: unknown): boolean {
  return err instanceof LlmAbortError || err instanceof BudgetExceededError || err instanceof CampaignStopped;
}

/** A failure local to one agent call (the slot or candidate can carry on without it). */
export function isAgentFailure(err: unknown): err is LlmError {
  return err instanceof LlmError && !isStop(err);
}

export function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "error";
}

/** Throws the agents' abort error (a stop, not a bug) when the campaign's signal has fired. */
export function throwIfStopped(signal: AbortSignal): void {
  if (signal.aborted) throw new LlmAbortError("campaign stopped");
}
