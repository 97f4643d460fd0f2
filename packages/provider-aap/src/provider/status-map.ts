import { JobState } from "@provisionkit/core";

/**
 * Map an AWX status to a provisionkit {@link JobState} (research: `new`, `pending`,
 * `waiting`, `running`, `successful`, `failed`, `error`, `canceled`). `error` means AAP
 * could not run the job at all; it counts as a failure. Any status this table does not
 * know maps to `Unknown`, which the engine keeps polling rather than guessing.
 */
export function toJobState(status: string): JobState {
  switch (status) {
    case "new":
    case "pending":
      return JobState.Pending;
    case "waiting":
      return JobState.Waiting;
    case "running":
      return JobState.Running;
    case "successful":
      return JobState.Succeeded;
    case "failed":
    case "error":
      return JobState.Failed;
    case "canceled":
      return JobState.Canceled;
    default:
      return JobState.Unknown;
  }
}
