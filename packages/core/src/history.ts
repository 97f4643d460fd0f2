import type { JobRecord } from "./job-record.js";
import type { JobType } from "./job-state.js";

/** Default number of job records kept in status. */
export const DEFAULT_HISTORY_LIMIT = 10;

/**
 * Append a job record (oldest first), then drop the oldest records beyond `limit`, never
 * dropping the newest record of either type. With `limit` 1 and both types present, two
 * records remain: the bound yields to that guarantee.
 *
 * @throws RangeError when `limit` is not an integer of at least 1, or when a record with
 *   the same job id and type already exists (job ids are unique within a history, P2).
 */
export function appendJob(
  history: readonly JobRecord[],
  record: JobRecord,
  limit: number = DEFAULT_HISTORY_LIMIT,
): JobRecord[] {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`history limit must be an integer >= 1, got ${String(limit)}`);
  }
  if (history.some((j) => j.jobId === record.jobId && j.type === record.type)) {
    throw new RangeError(`job ${record.jobId} (${record.type}) is already in the history`);
  }
  const all = [...history, record];
  if (all.length <= limit) return all;
  const keep = new Set<JobRecord>();
  for (const type of ["provision", "deprovision"] as const) {
    const newest = latestJob(all, type);
    if (newest) keep.add(newest);
  }
  let excess = all.length - limit;
  return all.filter((job) => {
    if (excess > 0 && !keep.has(job)) {
      excess--;
      return false;
    }
    return true;
  });
}

/** The newest record of a type, or `undefined`. */
export function latestJob(history: readonly JobRecord[], type: JobType): JobRecord | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const job = history[i];
    if (job?.type === type) return job;
  }
  return undefined;
}

/** All records of a type, oldest first. */
export function jobsOfType(history: readonly JobRecord[], type: JobType): JobRecord[] {
  return history.filter((j) => j.type === type);
}

/**
 * Replace the record with `jobId` (and `type`, when given) by `update(record)`, returning
 * a new array. Records are matched by id; the history is returned unchanged when none
 * matches.
 */
export function updateJob(
  history: readonly JobRecord[],
  jobId: string,
  update: (record: JobRecord) => JobRecord,
  type?: JobType,
): JobRecord[] {
  return history.map((j) =>
    j.jobId === jobId && (type === undefined || j.type === type) ? update(j) : j,
  );
}
