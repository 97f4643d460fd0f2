import type { JobState, JobType } from "./job-state.js";

/** A failure recorded on a job or a launch: what went wrong and when to try again. */
export interface FailureRecord {
  /** Stable error code (see `ErrorCode`). */
  code: string;
  /** Secret-free message. */
  message: string;
  /** How many times in a row this operation failed. */
  count: number;
  /** When the last failure happened (ISO-8601). */
  at: string;
  /** Not before this instant will the engine try again (ISO-8601). */
  retryAt: string;
}

/**
 * One job as kept in the resource's status. The history is bounded (default 10) and
 * never drops the newest job of either type.
 */
export interface JobRecord {
  /** Backend job id. */
  jobId: string;
  /** Provision or deprovision. */
  type: JobType;
  /** Last known state. */
  state: JobState;
  /** Last human-readable message. */
  message: string;
  /** Name of the provider that launched the job; it is the one asked about it (E6). */
  provider: string;
  /** The correlation id the job was launched with (for adoption after a crash). */
  correlationId: string;
  /** When the job was launched (ISO-8601). */
  launchedAt: string;
  /** When this record last changed (ISO-8601); DESIGN's `timestamp`. */
  updatedAt: string;
  /** When the engine saw the job reach a terminal state (ISO-8601). */
  finishedAt?: string;
  /**
   * For a job a status read saw end: the last instant before that read when the job was
   * known not to have ended (its launch, or the previous read) (ISO-8601). The job ended
   * between this and `finishedAt`; a `JobDurationEstimator` learns from it.
   */
  endedAfter?: string;
  /** For provision jobs: the config version the job was launched with. */
  configVersion?: string;
  /** For deprovision jobs: whether a failure blocks deletion (E4). */
  blockDeletionOnFailure?: boolean;
  /**
   * 1 for the first launch of this type (and, for provision, of this config version);
   * one more for each retry after a failure. Drives the retry backoff.
   */
  attempt: number;
  /** Machine-readable reason for the last state, such as `Timeout` or `JobNotFound`. */
  reason?: string;
  /** Progress from 0 to 100, when the provider reports it. */
  progress?: number;
  /** Secret-free diagnostic detail from the provider, for failed jobs. */
  errorDetails?: string;
  /** When the engine asked the backend to cancel this job (ISO-8601). */
  cancelRequestedAt?: string;
  /** When the engine next looks at this job (poll, or while deleting, asks to deprovision again) (ISO-8601). */
  nextCheckAt?: string;
  /**
   * Set when the job timeout marked the job `Failed` while the backend may still be
   * running it: the job is still polled and still blocks every launch (E1) until the
   * backend reports an end, whose real outcome then replaces `Failed`.
   */
  awaitingEnd?: boolean;
  /** The last failed status read, cleared by the next successful one. */
  statusError?: FailureRecord;
  /**
   * Where the job's time went: its phases as millisecond offsets from `launchedAt` (see
   * {@link JobTiming}). Absent on records written by versions before it; partial on jobs
   * adopted after a crash or still running.
   */
  timing?: JobTiming;
  /**
   * The W3C trace context (`traceparent`) of the job's span, when the runtime traces
   * jobs: later reconciles link their spans to it, and it is what the backend was sent.
   */
  traceparent?: string;
}

/**
 * The latency breakdown of one job, each field a whole number of milliseconds from the
 * record's `launchedAt` (the instant the engine decided to launch, just before it wrote the
 * pending-launch marker); negative for what happened before it. Every field is optional:
 * a field is set when its instant is known. Backend instants (`createdMs`, `startedMs`,
 * `finishedMs`) come from the backend's clock, the others from the controller's: a clock
 * skew between the two shows as a shifted backend phase. See docs/tracing.md.
 */
export interface JobTiming {
  /** When the key of the reconcile that launched the job entered the controller's work queue (≤ 0). */
  queuedMs?: number;
  /** When that reconcile started (≤ 0). */
  reconcileMs?: number;
  /** When the launch call (`triggerProvision` / `triggerDeprovision`) was made. */
  launchStartMs?: number;
  /** When the launch call answered. */
  launchEndMs?: number;
  /** When the backend created the job (AAP: the job's `created`). */
  createdMs?: number;
  /** When the backend started running it (AAP: `started`). */
  startedMs?: number;
  /** When the backend says it ended (AAP: `finished`). */
  finishedMs?: number;
  /** When the engine saw it end (the record's `finishedAt`). */
  seenMs?: number;
  /** When the status holding its end was handed to the status write. */
  writtenMs?: number;
}
