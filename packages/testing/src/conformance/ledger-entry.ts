/**
 * How the end of a backend's job reads in the conformance ledger, for every backend.
 *
 * @module
 */
import type { ConformanceJob, ConformanceOutcome } from "./types.js";

/** The times a backend keeps about a job's end. */
export interface JobEndTimes {
  /** When it reached its end. */
  finishedAt?: number;
  /** When a cancel was first asked for. */
  cancelRequestedAt?: number;
  /** When it was purged. */
  purgedAt?: number;
}

/**
 * Complete a ledger entry with its job's end: the outcome and its time (only when both are
 * known), the cancel request and the purge. Returns `entry`.
 */
export function withEnd(
  entry: ConformanceJob,
  outcome: ConformanceOutcome | undefined,
  times: JobEndTimes,
): ConformanceJob {
  if (outcome !== undefined && times.finishedAt !== undefined) {
    entry.outcome = outcome;
    entry.finishedAt = times.finishedAt;
  }
  if (times.cancelRequestedAt !== undefined) entry.cancelRequestedAt = times.cancelRequestedAt;
  if (times.purgedAt !== undefined) entry.purgedAt = times.purgedAt;
  return entry;
}
