/** Scheduling: cron validation, the long-running scheduler, and spawning a CLI job. */
export { parseCron, nextRuns, type CronSpec } from "./cron.ts";
export { Scheduler, type JobExit, type JobHandle, type JobStarter, type RunRecord, type SchedulerOptions } from "./scheduler.ts";
export { spawnCliJob, selfInvocation, type Invocation, type SpawnJobOptions } from "./spawn.ts";
