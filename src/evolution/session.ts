/**
 * One slot's view of the agent: every role call gets a seed derived from (campaign seed, slot,
 * role, call number) and runs in a call scope keyed the same way, so the answers (offline) and
 * the call log (all providers) are the same whatever order concurrent slots run in.
 */
import type { Agent, CallOptions } from "../../agents/roles.ts";
import type { Role } from "../../agents/types.ts";
import { withCallScope } from "./recorder.ts";
import { deriveSeed } from "./seeds.ts";

export class AgentSession {
  private readonly counts = new Map<Role, number>();

  constructor(
    readonly agent: Agent,
    private readonly opts: {
      readonly campaignSeed: number;
      /** e.g. `r2/s5` or `r0/plan`. */
      readonly key: string;
      readonly round: number | null;
      readonly trajectoryId: string | null;
      readonly signal?: AbortSignal;
    },
  ) {}

  /** Calls one role: `fn` receives the call options to pass to the agent. */
  call<T>(role: Role, fn: (agent: Agent, opts: CallOptions) => Promise<T>): Promise<T> {
    const n = (this.counts.get(role) ?? 0) + 1;
    this.counts.set(role, n);
    const seed = deriveSeed(this.opts.campaignSeed, this.opts.key, role, n);
    const callOpts: CallOptions = { seed, ...(this.opts.signal ? { signal: this.opts.signal } : {}) };
    return withCallScope({ key: `${this.opts.key}/${role}#${n}`, round: this.opts.round, trajectoryId: this.opts.trajectoryId }, () =>
      fn(this.agent, callOpts),
    );
  }
}
