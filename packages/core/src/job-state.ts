/**
 * The state of a job in an automation backend, as the SDK sees it.
 *
 * `Succeeded`, `Failed` and `Canceled` are terminal. `Unknown` is **not** terminal: a
 * provider that cannot tell what a job is doing answers `Unknown` and the engine keeps
 * polling (bounded by the optional per-job timeout).
 */
export const JobState = {
  /** Accepted by the backend, not yet scheduled. */
  Pending: "Pending",
  /** Scheduled, waiting for capacity or for another job to finish. */
  Waiting: "Waiting",
  /** Running. */
  Running: "Running",
  /** Finished successfully. Terminal. */
  Succeeded: "Succeeded",
  /** Finished unsuccessfully (including backend errors). Terminal. */
  Failed: "Failed",
  /** Canceled before it finished. Terminal. */
  Canceled: "Canceled",
  /** The provider could not tell. Not terminal. */
  Unknown: "Unknown",
} as const;

/** One of the values of {@link JobState}. */
export type JobState = (typeof JobState)[keyof typeof JobState];

/** The kind of work a job does for a resource. */
export type JobType = "provision" | "deprovision";

const TERMINAL: ReadonlySet<string> = new Set([
  JobState.Succeeded,
  JobState.Failed,
  JobState.Canceled,
]);
const ALL: ReadonlySet<string> = new Set(Object.values(JobState));

/** True for `Succeeded`, `Failed` and `Canceled`: the job will not change state again. */
export function isTerminal(state: JobState): boolean {
  return TERMINAL.has(state);
}

/** True only for `Succeeded`. */
export function isSuccessful(state: JobState): boolean {
  return state === JobState.Succeeded;
}

/** True for `Failed` and `Canceled`: terminal and not successful. */
export function isUnsuccessful(state: JobState): boolean {
  return state === JobState.Failed || state === JobState.Canceled;
}

/** Type guard: is `value` one of the {@link JobState} strings? */
export function isJobState(value: unknown): value is JobState {
  return typeof value === "string" && ALL.has(value);
}
