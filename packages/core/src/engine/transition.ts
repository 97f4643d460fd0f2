/**
 * What every status transition shares: its result shape, whether a job still counts as
 * running, and how a failed call is recorded for a retry.
 *
 * @module
 */
import { backoffDelay } from "../backoff.js";
import { RateLimitError, type toErrorRecord } from "../errors.js";
import type { FailureRecord, JobRecord } from "../job-record.js";
import { isTerminal } from "../job-state.js";
import type { ProvisioningStatus } from "../status.js";
import type { EngineOptions } from "./options.js";
import { iso } from "./time.js";
import type { EngineEvent } from "./types.js";

/**
 * Whether a job may still be running in the backend: not terminal, or timed out by the
 * engine but not yet seen to end (see `JobRecord.awaitingEnd`). Active jobs block launches.
 */
export function isActive(job: JobRecord): boolean {
  return !isTerminal(job.state) || job.awaitingEnd === true;
}

/** A status and the events a transition produced. */
export interface Transition {
  /** The next status. */
  status: ProvisioningStatus;
  /** Events to record. */
  events: EngineEvent[];
}

/**
 * The failure record of the `count`-th failed call in a row: retried after a rate limit's
 * `retryAfterMs`, or else after the error backoff of that attempt.
 */
export function failureAfter(
  error: unknown,
  record: ReturnType<typeof toErrorRecord>,
  count: number,
  now: number,
  options: EngineOptions,
): FailureRecord {
  const delay =
    error instanceof RateLimitError
      ? error.retryAfterMs
      : backoffDelay(options.errorBackoff, count);
  return {
    code: record.code,
    message: record.message,
    count,
    at: iso(now),
    retryAt: iso(now + delay),
  };
}
