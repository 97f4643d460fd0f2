import { ConditionType, findCondition } from "../conditions.js";
import { ErrorCode } from "../errors.js";
import type { EngineEvent } from "../engine/types.js";
import type { FailureRecord, JobRecord } from "../job-record.js";
import type { Logger } from "../logger.js";
import type { ProvisioningStatus } from "../status.js";

/**
 * Failure codes that no retry will fix: someone must change a template, a credential or
 * a provider (logged at `error`).
 */
const NEEDS_A_HUMAN: ReadonlySet<string> = new Set([
  ErrorCode.Configuration,
  ErrorCode.Authentication,
  ErrorCode.ContractViolation,
  ErrorCode.JobNotOwned,
]);

/** The fields of one log entry about an engine event (never secrets: the engine's text is secret-free). */
export interface EngineEventLogFields {
  /** `namespace/name` of the resource. */
  key: string;
  /** The event's reason (`LaunchFailed`, `JobAdopted`…), or `DeletionBlocked`. */
  reason: string;
  /** The job the entry is about, when one is known. */
  jobId?: string;
  /** The correlation id of that job, or of the launch the entry is about. */
  correlationId?: string;
  /** The job's provider, or the provider of the launch. */
  provider?: string;
  /** The error code behind a failure (`CONFIGURATION`, `CONTRACT_VIOLATION`…). */
  code?: string;
  /** Whether the entry reports a broken provider contract rule. */
  contractViolation?: boolean;
}

/**
 * Log the engine's events of one reconcile, at the place the controller turns them into
 * Kubernetes Events, so that what a user sees with `kubectl describe` is in the logs too,
 * with the resource key, the job id and the correlation id as fields:
 * - a contract violation (a `CONTRACT_VIOLATION` failure, a reconciled-version mismatch)
 *   at `error`;
 * - a failed launch at `error` when no retry can fix it (configuration, authentication,
 *   ownership), else at `warn` (it is retried with backoff);
 * - an adopted job (`JobAdopted`: a launch answer was lost) and every other Warning at `warn`;
 * - a deletion that becomes blocked (the `DeletionBlocked` condition turns True) at `warn`;
 * - Normal events at `info`.
 */
export function logEngineEvents(
  logger: Logger,
  key: string,
  before: ProvisioningStatus | undefined,
  after: ProvisioningStatus,
  events: readonly EngineEvent[],
): void {
  for (const event of events) {
    const fields: EngineEventLogFields = { key, reason: event.reason };
    const job = jobOf(event.message, before, after);
    const pending = after.pendingLaunch ?? before?.pendingLaunch;
    let failure: FailureRecord | undefined;
    if (job) {
      fields.jobId = job.jobId;
      fields.correlationId = job.correlationId;
      fields.provider = job.provider;
      failure = job.statusError;
    } else if (pending && event.message.includes(pending.correlationId)) {
      fields.correlationId = pending.correlationId;
      fields.provider = pending.provider;
    } else {
      // A launch that failed without a job: its marker is gone, its message names it.
      const named = /correlation id ([\w.:-]+)/.exec(event.message)?.[1];
      if (named) fields.correlationId = named;
    }
    if (event.reason === "LaunchFailed" || event.reason === "RateLimited") {
      failure ??= after.launchFailure;
    }
    if (failure) fields.code = failure.code;
    const violation =
      event.reason === "ReconciledVersionMismatch" || fields.code === ErrorCode.ContractViolation;
    if (violation) fields.contractViolation = true;
    if (violation || (fields.code !== undefined && NEEDS_A_HUMAN.has(fields.code))) {
      logger.error({ ...fields }, event.message);
    } else if (event.type === "Warning" || event.reason === "JobAdopted") {
      logger.warn({ ...fields }, event.message);
    } else {
      logger.info({ ...fields }, event.message);
    }
  }
  const blocked = findCondition(after.conditions, ConditionType.DeletionBlocked);
  const wasBlocked =
    before && findCondition(before.conditions, ConditionType.DeletionBlocked)?.status === "True";
  if (blocked?.status === "True" && !wasBlocked) {
    const job = after.jobs.filter((j) => j.type === "deprovision").at(-1);
    const fields: EngineEventLogFields = { key, reason: "DeletionBlocked" };
    if (job) {
      fields.jobId = job.jobId;
      fields.correlationId = job.correlationId;
      fields.provider = job.provider;
    }
    logger.warn({ ...fields }, `deletion blocked: ${blocked.message ?? blocked.reason ?? ""}`);
  }
}

/**
 * The job an event's message names: the newest job of the status (after, then before)
 * whose id appears in the message as a whole word (`job:12` is not `job:123`).
 */
function jobOf(
  message: string,
  before: ProvisioningStatus | undefined,
  after: ProvisioningStatus,
): JobRecord | undefined {
  for (const jobs of [after.jobs, before?.jobs ?? []]) {
    for (let i = jobs.length - 1; i >= 0; i--) {
      const job = jobs[i]!;
      if (namesWord(message, job.jobId)) return job;
    }
  }
  return undefined;
}

function namesWord(text: string, word: string): boolean {
  if (!word) return false;
  for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
    const left = at === 0 ? "" : text[at - 1]!;
    const right = text[at + word.length] ?? "";
    if (!/[\w:-]/.test(left) && !/[\w:-]/.test(right)) return true;
  }
  return false;
}
