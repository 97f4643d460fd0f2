import type { Condition } from "./conditions.js";
import type { FailureRecord, JobRecord } from "./job-record.js";
import type { JobType } from "./job-state.js";

/**
 * The crash-safety marker (E5). The engine asks the caller to persist it *before* a
 * launch and clears it when the launch's outcome is recorded. Found on its own (with no
 * job recorded for its correlation id), it means the process stopped between the launch
 * and the record: the outcome is unknown.
 */
export interface PendingLaunch {
  /** The kind of job being launched. */
  type: JobType;
  /** The correlation id passed to the provider. */
  correlationId: string;
  /** The provider asked to launch. */
  provider: string;
  /** For provision launches: the config version being applied. */
  configVersion?: string;
  /** Attempt number the job will get. */
  attempt: number;
  /** When the marker was written (ISO-8601). */
  createdAt: string;
  /** Not before this instant is the job looked up again with `findJob` (ISO-8601). */
  lookupAfter?: string;
  /**
   * By when the launch request had ended on the client's side (ISO-8601): when its call
   * failed with an unknown outcome, or, for a marker left by a process that stopped (or
   * by another replica), the first lookup's start or `createdAt` plus the pending-launch
   * grace, whichever is later. The backend can create the launch's job until this
   * instant plus the provider's `launchSettleMs`; absence is concluded only from a lookup
   * that began after that (E5).
   */
  requestEndedAt?: string;
  /** How many `findJob` lookups found nothing so far. */
  lookups?: number;
}

/** A launch that failed without creating a job: the engine retries it with backoff. */
export interface LaunchFailure extends FailureRecord {
  /** The kind of launch that failed. */
  type: JobType;
  /** For provision launches: the config version it tried to apply. */
  configVersion?: string;
}

/**
 * Everything the engine keeps in the resource's status. Persist it as a whole (the
 * Kubernetes runtime writes it under `status`); the engine reads nothing else.
 */
export interface ProvisioningStatus {
  /** Job history, oldest first, bounded, never without the newest job of each type. */
  jobs: JobRecord[];
  /** The config version the resource asks for, as last seen by the engine. */
  desiredConfigVersion?: string;
  /** The config version applied by the latest succeeded provision job (E3). */
  reconciledConfigVersion?: string;
  /** A launch whose outcome is not recorded yet (E5). */
  pendingLaunch?: PendingLaunch;
  /** The last failed launch (no job created), cleared by the next successful launch. */
  launchFailure?: LaunchFailure;
  /**
   * While deleting: the provider answered `waiting`; it is not asked again before this
   * instant (ISO-8601).
   */
  deprovisionWaitUntil?: string;
  /** While deleting: the provider answered `skipped` (nothing to tear down, P6). */
  deprovisionSkipped?: { reason: string; at: string };
  /** Conditions: Ready, Provisioned, Deleting, DeletionBlocked, LaunchOutcomeUnknown. */
  conditions: Condition[];
}

/** A status with no jobs and no conditions: where every resource starts. */
export function emptyStatus(): ProvisioningStatus {
  return { jobs: [], conditions: [] };
}
