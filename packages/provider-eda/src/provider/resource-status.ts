/**
 * The status of an event's job as the resource tells it: the annotations and the finalizer
 * the playbooks write back (docs/eda-protocol.md), and the time since the event was sent.
 *
 * @module
 */
import {
  JobState,
  type JobState as JobStateType,
  type ProvisionStatus,
  type ResourceObject,
} from "@provisionkit/core";
import type { EdaAnnotationNames } from "../constants.js";
import { parseFailure, type PlaybookFailure } from "./failure.js";
import type { EdaJobId } from "./job-id.js";

/** What judging a job from the resource needs. */
export interface ResourceJudgeContext {
  /** The annotation names. */
  annotations: EdaAnnotationNames;
  /** The finalizer a provision adds and a deprovision removes. */
  finalizer: string;
  /** The job's timeout (provision or deprovision). */
  timeoutMs: number;
  /** The current time. */
  now: number;
  /** Called with a short reason when the failure annotation is malformed. */
  onMalformedFailure: (reason: string) => void;
  /** The state while no answer has come: `Running` (default) or `Pending`. */
  waitingState?: JobStateType;
  /** Says where the job is while no answer has come, e.g. "queued in EDA". */
  waitingNote?: string;
  /**
   * Deprovision only: the finalizer was not on the resource when the event was sent, so
   * its absence says nothing; only the playbook's acknowledgement (or a failure, or the
   * timeout) ends the job.
   */
  acknowledgementOnly?: boolean;
}

/** A judged status and the time left before the job's timeout. */
export interface Judgement {
  /** The status. */
  status: ProvisionStatus;
  /** Milliseconds before the timeout (0 once reached). */
  remainingMs: number;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Whether the resource carries `finalizer`. */
export function hasFinalizer(resource: ResourceObject, finalizer: string): boolean {
  const list = resource.metadata.finalizers;
  return Array.isArray(list) && list.includes(finalizer);
}

function failureFor(
  resource: ResourceObject,
  job: EdaJobId,
  context: ResourceJudgeContext,
): PlaybookFailure | undefined {
  const parsed = parseFailure(resource.metadata.annotations?.[context.annotations.failure]);
  if (parsed === undefined) return undefined;
  if ("malformed" in parsed) {
    context.onMalformedFailure(parsed.malformed);
    return undefined;
  }
  const { failure } = parsed;
  if (failure.correlationId !== job.correlationId) return undefined;
  if (failure.operation !== undefined && failure.operation !== job.operation) return undefined;
  return failure;
}

function failed(
  jobId: string,
  job: EdaJobId,
  failure: PlaybookFailure,
  now: number,
): ProvisionStatus {
  const status: ProvisionStatus = {
    jobId,
    state: JobState.Failed,
    message: `the ${job.operation} playbook reported a failure${failure.message ? `: ${failure.message}` : ""}`,
    startTime: iso(job.sentAt),
    endTime: iso(now),
  };
  if (failure.message) status.errorDetails = failure.message;
  return status;
}

function timing(
  job: EdaJobId,
  context: ResourceJudgeContext,
): { deadline: number; remainingMs: number } {
  const deadline = job.sentAt + context.timeoutMs;
  return { deadline, remainingMs: Math.max(0, deadline - context.now) };
}

/** A timeout for messages: whole minutes as `N min`, else seconds with up to 3 decimals. */
function minutes(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Number((ms / 1000).toFixed(3))} s`;
}

/**
 * A provision job's status: `Succeeded` (reporting the event's config version) when the
 * applied-version annotation equals the version the event carried and, when the
 * applied-correlation-id annotation is present, it names this job; `Failed` when the
 * failure annotation names this job, or once the timeout passed without either; else
 * still waiting.
 *
 * Why the correlation check: the applied-version annotation alone cannot tell this run
 * from an older run of the same version (a spec changed A→B→A, or a retry after a
 * failure): when the playbook also writes the applied correlation id, only this run's
 * id counts. Playbooks that write only the version get the version check alone.
 */
export function judgeProvision(
  resource: ResourceObject,
  jobId: string,
  job: EdaJobId,
  context: ResourceJudgeContext,
): Judgement {
  const names = context.annotations;
  const annotations = resource.metadata.annotations ?? {};
  const version = job.configVersion ?? "";
  const applied = annotations[names.appliedConfigVersion];
  const appliedBy = annotations[names.appliedCorrelationId];
  const { deadline, remainingMs } = timing(job, context);
  const succeeded = (): Judgement => ({
    status: {
      jobId,
      state: JobState.Succeeded,
      message: `the provision playbook applied config version ${version}`,
      startTime: iso(job.sentAt),
      endTime: iso(context.now),
      reconciledVersion: version,
    },
    remainingMs,
  });
  if (applied === version && appliedBy === job.correlationId) return succeeded();
  const failure = failureFor(resource, job, context);
  if (failure) return { status: failed(jobId, job, failure, context.now), remainingMs };
  if (applied === version && appliedBy === undefined) return succeeded();

  const awaited =
    `annotation ${names.appliedConfigVersion}=${version} with ${names.appliedCorrelationId}=` +
    `${job.correlationId} (or without it), or ${names.failure} naming correlation id ${job.correlationId}`;
  const seen =
    applied === undefined
      ? `no ${names.appliedConfigVersion} yet`
      : applied === version
        ? `${names.appliedConfigVersion} is ${version} but was applied by correlation id ${appliedBy ?? "?"} (an older run)`
        : `${names.appliedConfigVersion} is ${applied}`;
  return waitingOrTimedOut(jobId, job, context, deadline, remainingMs, awaited, seen);
}

/**
 * A deprovision job's status: `Succeeded` when the applied-correlation-id annotation names
 * this job (the deprovision playbook's acknowledgement); else `Failed` when the failure
 * annotation names this job; else `Succeeded` when, for playbooks that never write the
 * acknowledgement, the finalizer is gone; `Failed` once the timeout passed; else still
 * waiting. The finalizer counts only when it was there when the event was sent
 * (`acknowledgementOnly` unset).
 *
 * Why not the finalizer alone: a provision that ended after the deletion began cannot add
 * the finalizer (the API server refuses new finalizers on an object being deleted), so
 * "no finalizer" would read as done before the teardown ran. And why the failure first: a
 * failed deprovision playbook removes the finalizer too when its event says
 * `block-deletion-on-failure: "false"` (docs/eda-protocol.md), so a gone finalizer next to
 * this job's failure is that failure, not a success.
 */
export function judgeDeprovision(
  resource: ResourceObject,
  jobId: string,
  job: EdaJobId,
  context: ResourceJudgeContext,
): Judgement {
  const { deadline, remainingMs } = timing(job, context);
  const names = context.annotations;
  const appliedBy = resource.metadata.annotations?.[names.appliedCorrelationId];
  const finalizerGone = !hasFinalizer(resource, context.finalizer);
  const acknowledged = appliedBy === job.correlationId;
  // This job's failure wins over a gone finalizer (see above), never over its acknowledgement.
  const failure = acknowledged ? undefined : failureFor(resource, job, context);
  if (failure) return { status: failed(jobId, job, failure, context.now), remainingMs };
  const finalizerSays = context.acknowledgementOnly !== true && appliedBy === undefined;
  if (acknowledged || (finalizerSays && finalizerGone)) {
    return {
      status: {
        jobId,
        state: JobState.Succeeded,
        message: acknowledged
          ? `the deprovision playbook reported success (${names.appliedCorrelationId})`
          : `the deprovision playbook removed finalizer ${context.finalizer}`,
        startTime: iso(job.sentAt),
        endTime: iso(context.now),
      },
      remainingMs,
    };
  }
  const awaited =
    `${names.appliedCorrelationId}=${job.correlationId} (or, from playbooks that do not write ` +
    `it, finalizer ${context.finalizer} to be removed), or ${names.failure} naming ` +
    `correlation id ${job.correlationId}`;
  const seen = finalizerGone
    ? `the finalizer is gone, but ${names.appliedCorrelationId} is ${appliedBy ?? "unset"}`
    : "the finalizer is still there";
  return waitingOrTimedOut(jobId, job, context, deadline, remainingMs, awaited, seen);
}

function waitingOrTimedOut(
  jobId: string,
  job: EdaJobId,
  context: ResourceJudgeContext,
  deadline: number,
  remainingMs: number,
  awaited: string,
  seen: string,
): Judgement {
  if (remainingMs === 0) {
    return {
      status: {
        jobId,
        state: JobState.Failed,
        message:
          `timed out after ${minutes(context.timeoutMs)} waiting for ${awaited} (${seen}); the event ` +
          "may have been lost (EDA keeps queued events in memory), matched no rule, or its job never reported",
        startTime: iso(job.sentAt),
        endTime: iso(deadline),
      },
      remainingMs,
    };
  }
  const note = context.waitingNote ? `${context.waitingNote}; ` : "";
  return {
    status: {
      jobId,
      state: context.waitingState ?? JobState.Running,
      message:
        `${note}${job.operation} event sent to EDA at ${iso(job.sentAt)}; waiting for ${awaited} ` +
        `(${seen}); times out at ${iso(deadline)}`,
      startTime: iso(job.sentAt),
    },
    remainingMs,
  };
}
