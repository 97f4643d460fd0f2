/**
 * Transitions of a recorded job: a status read applied (or failed), a timeout, a cancel
 * request, and when the job is next looked at.
 *
 * @module
 */
import { ContractViolationError, ErrorCode, RateLimitError, toErrorRecord } from "../errors.js";
import { latestJob, updateJob } from "../history.js";
import type { FailureRecord, JobRecord } from "../job-record.js";
import { JobState, isSuccessful, isTerminal } from "../job-state.js";
import type { ProvisionStatus } from "../results.js";
import type { ProvisioningStatus } from "../status.js";
import type { EngineOptions } from "./options.js";
import { nextPollAt, type PollInputs } from "./poll-policy.js";
import { iso, ms } from "./time.js";
import { failureAfter, isActive, type Transition } from "./transition.js";
import type { EngineEvent } from "./types.js";

/**
 * Apply a status read from the provider to the job it is about.
 *
 * - A succeeded provision job sets `reconciledConfigVersion` to the version recorded on
 *   the job (E3). When the provider reports a different `reconciledVersion`, the job is
 *   marked `Failed` with reason `ReconciledVersionMismatch` and the version is not used
 *   (P4): the engine never trusts a version it did not launch.
 * - A status whose `jobId` differs from the job asked about is a contract violation,
 *   recorded as a failed status read; the job keeps its state.
 * - A job still running is read next as `pollDelay` says, from the caller's `poll`
 *   inputs (without them, after `pollIntervalMs`). A job seen to end gets `finishedAt`
 *   and `endedAfter`.
 */
export function recordJobStatus(
  status: ProvisioningStatus,
  job: JobRecord,
  observed: ProvisionStatus,
  now: number,
  options: EngineOptions,
  poll?: PollInputs,
): Transition {
  if (observed.jobId !== job.jobId) {
    const violation = new ContractViolationError(
      "P3",
      `provider ${job.provider} returned the status of job ${observed.jobId} when asked for job ${job.jobId}`,
    );
    return recordStatusError(status, job, violation, now, options);
  }
  const events: EngineEvent[] = [];
  let state = observed.state;
  let message = observed.message;
  let reason: string | undefined;
  if (
    job.type === "provision" &&
    isSuccessful(state) &&
    observed.reconciledVersion !== undefined &&
    observed.reconciledVersion !== job.configVersion
  ) {
    state = JobState.Failed;
    reason = "ReconciledVersionMismatch";
    message = `P4 violated: provider ${job.provider} reported reconciled version ${observed.reconciledVersion} for job ${job.jobId}, which was launched with ${job.configVersion ?? "no version"}; the version is not used`;
    events.push({ type: "Warning", reason, message });
  }
  const wasActive = isActive(job);
  const updated: JobRecord = {
    ...job,
    state,
    message,
    updatedAt: iso(now),
    nextCheckAt: nextPollAt(job, now, options, poll),
  };
  delete updated.statusError;
  if (reason !== undefined) updated.reason = reason;
  if (observed.progress !== undefined) updated.progress = observed.progress;
  if (observed.errorDetails !== undefined) updated.errorDetails = observed.errorDetails;
  if (job.awaitingEnd) {
    if (isTerminal(state)) {
      // The backend's real outcome replaces the timeout's Failed.
      delete updated.awaitingEnd;
      if (isSuccessful(state)) delete updated.reason;
    } else {
      // Still running after the timeout: it stays Failed(Timeout), and stays active.
      updated.state = job.state;
      updated.message = job.message;
    }
  }
  if (isTerminal(updated.state) && wasActive && !isActive(updated)) {
    updated.finishedAt = iso(now);
    // The record last changed when the job was last known not to have ended (its launch,
    // or a read that saw it run): the end lies between then and now.
    updated.endedAfter = job.updatedAt;
    events.push(terminalEvent(updated));
  }
  let next: ProvisioningStatus = {
    ...status,
    jobs: updateJob(status.jobs, job.jobId, () => updated, job.type),
  };
  if (
    updated.type === "provision" &&
    isSuccessful(updated.state) &&
    updated.configVersion !== undefined &&
    latestJob(next.jobs, "provision") === updated
  ) {
    next = { ...next, reconciledConfigVersion: updated.configVersion };
  }
  return { status: next, events };
}

function terminalEvent(job: JobRecord): EngineEvent {
  const what = job.type === "provision" ? "Provision" : "Deprovision";
  const outcome =
    job.state === JobState.Succeeded
      ? "Succeeded"
      : job.state === JobState.Canceled
        ? "Canceled"
        : "Failed";
  return {
    type: outcome === "Succeeded" ? "Normal" : "Warning",
    reason: `${what}${outcome}`,
    message: `${job.type} job ${job.jobId} ${outcome.toLowerCase()}${job.message ? `: ${job.message}` : ""}`,
  };
}

/**
 * Record a failed status read on the job, keeping the job and its state. A purged job
 * (`JOB_NOT_FOUND`) can never be read again: it becomes `Failed` with reason
 * `JobNotFound` (its real outcome is unknowable, so a provision is retried, the
 * reconciled version becomes unknown (E3), and a blocking deprovision stays blocked). A
 * job the provider shows was launched for another resource (`JOB_NOT_OWNED`, for example
 * a job id copied into this object's status) becomes `Failed` with reason `JobNotOwned`
 * and is never read, adopted or canceled again. Rate limits retry after `retryAfterMs`;
 * other errors with the error backoff.
 */
export function recordStatusError(
  status: ProvisioningStatus,
  job: JobRecord,
  error: unknown,
  now: number,
  options: EngineOptions,
): Transition {
  const record = toErrorRecord(error);
  if (record.code === ErrorCode.JobNotFound || record.code === ErrorCode.JobNotOwned) {
    const gone = record.code === ErrorCode.JobNotFound;
    const reason = gone ? "JobNotFound" : "JobNotOwned";
    const updated: JobRecord = {
      ...job,
      state: JobState.Failed,
      reason,
      message: gone
        ? `job ${job.jobId} is gone from the backend (purged or deleted) before it was seen to finish`
        : `job ${job.jobId} was not launched for this resource (${record.message}); it is never polled, adopted or canceled from here`,
      updatedAt: iso(now),
      finishedAt: iso(now),
    };
    delete updated.statusError;
    delete updated.nextCheckAt;
    delete updated.awaitingEnd;
    let next: ProvisioningStatus = {
      ...status,
      jobs: updateJob(status.jobs, job.jobId, () => updated, job.type),
    };
    // E3: a provision job whose outcome is unknown may have applied its version, so the
    // version the backend last applied is unknown too; the desired one is provisioned
    // again (a spec that went A→C→A while C's job was purged unseen re-provisions A).
    if (
      gone &&
      job.type === "provision" &&
      isActive(job) &&
      latestJob(next.jobs, "provision")?.jobId === job.jobId
    ) {
      const { reconciledConfigVersion: _r, ...rest } = next;
      next = rest;
    }
    return { status: next, events: [{ type: "Warning", reason, message: updated.message }] };
  }
  const count = (job.statusError?.count ?? 0) + 1;
  const failure = failureAfter(error, record, count, now, options);
  const updated: JobRecord = { ...job, statusError: failure, nextCheckAt: failure.retryAt };
  return {
    status: { ...status, jobs: updateJob(status.jobs, job.jobId, () => updated, job.type) },
    events: [
      {
        type: "Warning",
        reason: error instanceof RateLimitError ? "RateLimited" : "StatusReadFailed",
        message: `reading ${job.type} job ${job.jobId} failed (${count} in a row): ${record.message}; retrying at ${failure.retryAt}`,
      },
    ],
  };
}

/**
 * Mark a job that exceeded the job timeout as `Failed` with reason `Timeout` (P3). The
 * backend may still run it, so it stays active (`awaitingEnd`): polled, and blocking
 * launches, until the backend reports an end (E1).
 */
export function markTimedOut(
  status: ProvisioningStatus,
  job: JobRecord,
  now: number,
  timeoutMs: number,
): Transition {
  const updated: JobRecord = {
    ...job,
    state: JobState.Failed,
    reason: "Timeout",
    message: `${job.type} job ${job.jobId} was not terminal ${timeoutMs} ms after its launch (last state ${job.state}); marked Failed, and nothing is launched until the backend reports its end`,
    updatedAt: iso(now),
    finishedAt: iso(now),
    awaitingEnd: true,
    nextCheckAt: iso(now),
  };
  return {
    status: { ...status, jobs: updateJob(status.jobs, job.jobId, () => updated, job.type) },
    events: [{ type: "Warning", reason: "JobTimedOut", message: updated.message }],
  };
}

/** Note that the backend was asked to cancel a job; the next poll is due now. */
export function recordCancelRequested(
  status: ProvisioningStatus,
  job: JobRecord,
  now: number,
): ProvisioningStatus {
  const updated: JobRecord = { ...job, cancelRequestedAt: iso(now), updatedAt: iso(now) };
  if (!isTerminal(updated.state)) updated.nextCheckAt = iso(now);
  return { ...status, jobs: updateJob(status.jobs, job.jobId, () => updated, job.type) };
}

/** When a job's next check is due (epoch ms); immediately when unset. */
export function nextCheckAt(job: JobRecord, now: number): number {
  return ms(job.nextCheckAt, now);
}

/** Convert a failure's `retryAt` to epoch ms. */
export function retryAt(failure: FailureRecord, now: number): number {
  return ms(failure.retryAt, now);
}
