/**
 * Which changes of a provisioning status a user can see, and which are the engine's
 * bookkeeping only: the controller writes status only for the former (issue 17).
 *
 * @module
 */
import type { JobRecord } from "../job-record.js";
import type { ProvisioningStatus } from "../status.js";

/**
 * The fields of a job record that are bookkeeping only: `updatedAt` (when the record was
 * last read or changed) and `nextCheckAt` (when the engine looks at the job next). Every
 * poll of a running job moves both and nothing else; writing them would cost a status
 * write (and the watch event it causes) per poll, whatever the job's length.
 */
export const BOOKKEEPING_JOB_FIELDS = ["updatedAt", "nextCheckAt"] as const;

/**
 * Bookkeeping-only fields of the status itself: `deprovisionWaitUntil`, the instant before
 * which a provider that answered `waiting` is not asked again (a schedule, like
 * `nextCheckAt`).
 */
export const BOOKKEEPING_STATUS_FIELDS = ["deprovisionWaitUntil"] as const;

/**
 * `next` with its bookkeeping fields ({@link BOOKKEEPING_JOB_FIELDS},
 * {@link BOOKKEEPING_STATUS_FIELDS}) taken from `stored`: what `next` would look like had
 * only visible fields changed. When the result is equal to `stored` (as the caller writes
 * them), only bookkeeping changed and the write can be skipped.
 *
 * A job of `next` that `stored` does not hold keeps its own values (it is a new job: a
 * visible change anyway). Returns `undefined` when a bookkeeping change must be written
 * all the same: a job's `updatedAt` moving across its timeout deadline (`launchedAt +
 * jobTimeoutMs`). The engine reads a job once after its deadline before it gives up on it,
 * judging "after" by `updatedAt`; that one read is persisted, so a controller that lost
 * its in-memory copy (a restart, or a foreign write that changed the resourceVersion)
 * never reads such a job again and again.
 *
 * Pure: no clock, no I/O.
 *
 * @param stored - the status as persisted on the object; `undefined` for none.
 * @param next - the status the engine wants persisted.
 * @param jobTimeoutMs - the engine's `jobTimeoutMs`, if any.
 */
export function withStoredBookkeeping(
  stored: ProvisioningStatus | undefined,
  next: ProvisioningStatus,
  jobTimeoutMs?: number,
): ProvisioningStatus | undefined {
  if (!stored) return next;
  const byKey = new Map(stored.jobs.map((j) => [jobKey(j), j]));
  const jobs: JobRecord[] = [];
  for (const job of next.jobs) {
    const old = byKey.get(jobKey(job));
    if (!old) {
      jobs.push(job);
      continue;
    }
    if (jobTimeoutMs !== undefined && crossesDeadline(old, job, jobTimeoutMs)) return undefined;
    // The fields of BOOKKEEPING_JOB_FIELDS.
    const merged: JobRecord = { ...job, updatedAt: old.updatedAt };
    if (old.nextCheckAt === undefined) delete merged.nextCheckAt;
    else merged.nextCheckAt = old.nextCheckAt;
    jobs.push(merged);
  }
  const result: ProvisioningStatus = { ...next, jobs };
  // The fields of BOOKKEEPING_STATUS_FIELDS.
  if (stored.deprovisionWaitUntil === undefined) delete result.deprovisionWaitUntil;
  else result.deprovisionWaitUntil = stored.deprovisionWaitUntil;
  return result;
}

function jobKey(job: JobRecord): string {
  return `${job.type}:${job.jobId}`;
}

/** Whether `updatedAt` moved from before the job's deadline to at or after it. */
function crossesDeadline(old: JobRecord, job: JobRecord, timeoutMs: number): boolean {
  const deadline = Date.parse(job.launchedAt) + timeoutMs;
  if (!Number.isFinite(deadline)) return false;
  const before = Date.parse(old.updatedAt);
  const after = Date.parse(job.updatedAt);
  return !(before >= deadline) && after >= deadline;
}
