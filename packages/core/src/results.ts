import type { JobState } from "./job-state.js";

/** What `triggerProvision` answers: the backend accepted a job. */
export interface ProvisionResult {
  /** Backend job id, unique within the resource's history (P2). */
  jobId: string;
  /** The job's state right after the launch, usually `Pending`. */
  initialState: JobState;
  /** Human-readable, secret-free message. */
  message: string;
}

/** A job's current status, as the provider reads it from the backend. */
export interface ProvisionStatus {
  /** The job this status is about. */
  jobId: string;
  /** Current state. */
  state: JobState;
  /** Human-readable, secret-free message. */
  message: string;
  /** Progress from 0 to 100, when the backend knows. */
  progress?: number;
  /**
   * When the backend created (accepted) the job (ISO-8601), such as AAP's `created`. With
   * `startTime` and `endTime` it splits the job's time into queued in the backend and
   * running (the latency breakdown, docs/tracing.md).
   */
  createdTime?: string;
  /** When the job started running (ISO-8601). */
  startTime?: string;
  /** When the job reached a terminal state (ISO-8601). */
  endTime?: string;
  /**
   * For a succeeded provision job: the config version the job applied. Must equal the
   * `configVersion` it was triggered with, or be omitted (P4). The engine treats any
   * other value as a contract violation and never uses it.
   */
  reconciledVersion?: string;
  /** Secret-free diagnostic detail for a failed job (a traceback excerpt, say). */
  errorDetails?: string;
}

/** The deprovision started a job; the engine polls it with `getDeprovisionStatus`. */
export interface DeprovisionTriggered {
  /** Discriminant. */
  action: "triggered";
  /** Backend id of the deprovision job. */
  jobId: string;
  /** When true, a failed deprovision keeps the finalizer and blocks deletion (E4). */
  blockDeletionOnFailure: boolean;
  /** The latest provision job's status, when the provider looked at it. */
  provisionJobStatus?: ProvisionStatus;
}

/**
 * The deprovision cannot start yet, typically because the provision job is still
 * running: the provider asked the backend to cancel it (P5) and the engine asks again
 * later.
 */
export interface DeprovisionWaiting {
  /** Discriminant. */
  action: "waiting";
  /** What the deprovision will declare once triggered (P7). */
  blockDeletionOnFailure: boolean;
  /** The provision job's current status; the engine records it. */
  provisionJobStatus?: ProvisionStatus;
  /** When to ask again; defaults to the engine's poll interval. */
  retryAfterMs?: number;
}

/** Nothing was ever provisioned in the backend, so there is nothing to tear down (P6). */
export interface DeprovisionSkipped {
  /** Discriminant. */
  action: "skipped";
  /** Why nothing needs doing. */
  reason: string;
}

/** What `triggerDeprovision` answers. Discriminated on `action`. */
export type DeprovisionResult = DeprovisionTriggered | DeprovisionWaiting | DeprovisionSkipped;

/** A job found again by correlation id after a crash (see `Provider.findJob`). */
export interface FoundJob extends ProvisionStatus {
  /** For a deprovision job: its `blockDeletionOnFailure`. Defaults to `true` when absent. */
  blockDeletionOnFailure?: boolean;
}
