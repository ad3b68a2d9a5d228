/**
 * The Agent interface's one method per role, each a call of `run(role, input)`: every agent
 * implementation (the LLM agent, the offline proposer) extends this and implements `run` only.
 */
import type { UsageLedger } from "./accounting.ts";
import type { Agent, CallOptions, RoleInputs } from "./roles.ts";
import type { RoleOutputs } from "./schemas.ts";
import type { Role } from "./types.ts";

export abstract class RoleAgent implements Agent {
  abstract readonly provider: string;
  abstract readonly model: string;
  abstract readonly ledger: UsageLedger;

  /** Answers one role's input. */
  abstract run<R extends Role>(role: R, input: RoleInputs[R], call?: CallOptions): Promise<RoleOutputs[R]>;

  plan(input: RoleInputs["planner"], opts?: CallOptions) {
    return this.run("planner", input, opts);
  }
  hypothesize(input: RoleInputs["hypothesis"], opts?: CallOptions) {
    return this.run("hypothesis", input, opts);
  }
  construct(input: RoleInputs["constructor"], opts?: CallOptions) {
    return this.run("constructor", input, opts);
  }
  judge(input: RoleInputs["judge"], opts?: CallOptions) {
    return this.run("judge", input, opts);
  }
  repair(input: RoleInputs["repairer"], opts?: CallOptions) {
    return this.run("repairer", input, opts);
  }
  analyze(input: RoleInputs["analyst"], opts?: CallOptions) {
    return this.run("analyst", input, opts);
  }
  mutate(input: RoleInputs["mutator"], opts?: CallOptions) {
    return this.run("mutator", input, opts);
  }
  crossover(input: RoleInputs["crossover"], opts?: CallOptions) {
    return this.run("crossover", input, opts);
  }
}
