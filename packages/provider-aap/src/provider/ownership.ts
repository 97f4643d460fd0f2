/**
 * Whether an AAP job was launched for the resource in hand: checked before its status is
 * returned, before `findJob` answers it and before it is cancelled (issue 13), from the
 * job's own launch record ({@link readLaunchRecord}). A job id in a resource's status may
 * have been written by anyone who can edit that status; the job's extra vars were written
 * by the launch.
 *
 * The rule, in order:
 * 1. A job with no launch record (no `provisionkit` extra var and no correlation-id
 *    annotation: launched by hand, by another tool, or with its extra vars ignored) is no
 *    resource's: refused.
 * 2. Its operation must be the one asked about (a provision poll never reads a
 *    deprovision job).
 * 3. Where the caller knows the launch's correlation id (a `JobRecord`, a `FindJobQuery`),
 *    the record's must be exactly it (never a substring or prefix).
 * 4. When the record names a resource uid (every `AapProvider` launch does, from
 *    `metadata.uid`; an EDA event's payload does with the default payload), it must be
 *    the resource's `metadata.uid`. When it names none but a resource key (an `AapProvider`
 *    launch for a resource without a uid), the key must be the resource's.
 * 5. A record that names no resource at all (an EDA rulebook fed a custom payload without
 *    `metadata.uid`) is accepted on the checks above: the correlation id, a fresh id per
 *    launch, is then the only evidence, and a poll that does not know it accepts the job.
 *
 * @module
 */
import {
  JobOwnershipError,
  resourceKey,
  type JobType,
  type ResourceObject,
} from "@provisionkit/core";
import type { AapJob } from "../client/index.js";
import type { AapAnnotationNames } from "./extra-vars.js";
import { kindWord } from "./launch.js";
import { readLaunchRecord } from "./launch-record.js";

/** What the caller expects of a job's launch record. */
export interface ExpectedLaunch {
  /** The resource the job must have been launched for. */
  resource: ResourceObject;
  /** The operation it must have been launched for. */
  operation: JobType;
  /** The launch's correlation id, when the caller knows it. */
  correlationId?: string;
}

/**
 * Why `job` was not launched for `expected`, in words (uids, keys and correlation ids
 * only: never a secret), or `undefined` when it was.
 */
export function ownershipProblem(
  job: AapJob,
  expected: ExpectedLaunch,
  names: AapAnnotationNames,
): string | undefined {
  const record = readLaunchRecord(job.extraVars, names);
  const what = `AAP ${kindWord(job.kind)} ${job.id}`;
  const mine = resourceKey(expected.resource);
  if (record === undefined) {
    return (
      `${what} carries no provisionkit launch record (no "provisionkit" extra var and no ` +
      `correlation-id annotation), so it was not launched for ${mine}`
    );
  }
  if (record.operation !== expected.operation) {
    return `${what} was launched to ${record.operation}, not to ${expected.operation}`;
  }
  if (expected.correlationId !== undefined && record.correlationId !== expected.correlationId) {
    return (
      `${what} was launched with correlation id "${record.correlationId}", ` +
      `not "${expected.correlationId}"`
    );
  }
  const uid = expected.resource.metadata.uid;
  if (record.resourceUid !== undefined) {
    if (record.resourceUid === uid) return undefined;
    return (
      `${what} was launched for the resource with uid "${record.resourceUid}", ` +
      (uid === undefined ? `and ${mine} has no uid` : `not for ${mine}, whose uid is "${uid}"`)
    );
  }
  if (record.resourceKey !== undefined && record.resourceKey !== mine) {
    return `${what} was launched for resource ${record.resourceKey}, not for ${mine}`;
  }
  return undefined;
}

/**
 * Throws {@link JobOwnershipError} (code `JOB_NOT_OWNED`, not retryable) unless `job` was
 * launched for `expected` (see the module's rule).
 */
export function assertOwned(
  jobId: string,
  job: AapJob,
  expected: ExpectedLaunch,
  names: AapAnnotationNames,
): void {
  const problem = ownershipProblem(job, expected, names);
  if (problem !== undefined) {
    throw new JobOwnershipError(jobId, `${problem}: not acted on`, {
      details: { jobId, operation: expected.operation },
    });
  }
}
