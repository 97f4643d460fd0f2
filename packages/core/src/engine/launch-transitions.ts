/**
 * Transitions of a launch: the job it created recorded (or adopted by correlation id), a
 * launch that threw, the provider's answer to `triggerDeprovision`, and a `findJob` lookup
 * that missed or failed.
 *
 * @module
 */
import { backoffDelay } from "../backoff.js";
import { ConditionType, findCondition, setCondition } from "../conditions.js";
import { RateLimitError, isOutcomeUnknown, toErrorRecord } from "../errors.js";
import { appendJob, latestJob } from "../history.js";
import type { JobRecord } from "../job-record.js";
import { JobState, isSuccessful, isTerminal, type JobType } from "../job-state.js";
import type { DeprovisionResult, FoundJob } from "../results.js";
import type { PendingLaunch, ProvisioningStatus } from "../status.js";
import { recordCancelRequested, recordJobStatus } from "./job-transitions.js";
import type { EngineOptions } from "./options.js";
import { nextPollAt, type PollInputs } from "./poll-policy.js";
import { iso } from "./time.js";
import { failureAfter, type Transition } from "./transition.js";
import type { EngineEvent } from "./types.js";

/** Facts about a newly launched (or adopted) job. */
export interface LaunchedJob {
  /** Backend job id. */
  jobId: string;
  /** State right after the launch. */
  state: JobState;
  /** Message. */
  message: string;
  /** For deprovision jobs. */
  blockDeletionOnFailure?: boolean;
}

/**
 * Record a job created by the launch behind `pending`: append it to the history, clear
 * the marker and any launch failure. The first poll is due as `pollDelay` says from
 * the caller's `poll` inputs (without them, one poll interval later).
 */
export function recordLaunched(
  status: ProvisioningStatus,
  pending: PendingLaunch,
  job: LaunchedJob,
  now: number,
  options: EngineOptions,
  poll?: PollInputs,
): ProvisioningStatus {
  const record: JobRecord = {
    jobId: job.jobId,
    type: pending.type,
    state: job.state,
    message: job.message,
    provider: pending.provider,
    correlationId: pending.correlationId,
    launchedAt: pending.createdAt,
    updatedAt: iso(now),
    attempt: pending.attempt,
  };
  if (pending.configVersion !== undefined) record.configVersion = pending.configVersion;
  if (pending.type === "deprovision")
    record.blockDeletionOnFailure = job.blockDeletionOnFailure ?? true;
  record.nextCheckAt = nextPollAt(record, now, options, poll);
  if (isTerminal(job.state)) record.finishedAt = iso(now);
  const { pendingLaunch: _p, launchFailure: _f, ...rest } = status;
  let jobs = status.jobs;
  const existing = jobs.find((j) => j.jobId === record.jobId && j.type === record.type);
  jobs = existing ? jobs : appendJob(jobs, record, options.historyLimit);
  let next: ProvisioningStatus = { ...rest, jobs };
  if (
    record.type === "provision" &&
    isSuccessful(record.state) &&
    record.configVersion !== undefined
  ) {
    next = { ...next, reconciledConfigVersion: record.configVersion };
  }
  return next;
}

/** Remove the pending-launch marker. */
export function clearPending(status: ProvisioningStatus): ProvisioningStatus {
  const { pendingLaunch: _p, ...rest } = status;
  return rest;
}

/**
 * Record a launch that threw. A rate limit or any other failure with a known outcome
 * clears the marker and schedules a retry (rate limits after their `retryAfterMs`,
 * others with the error backoff). A failure whose outcome is unknown (a timeout after
 * the backend may have accepted the launch) keeps the marker: the next decision adopts
 * the job by correlation id or applies the unknown-launch policy, never relaunches blindly.
 */
export function recordLaunchError(
  status: ProvisioningStatus,
  pending: PendingLaunch,
  error: unknown,
  now: number,
  options: EngineOptions,
): Transition {
  const record = toErrorRecord(error);
  const unknown = !(error instanceof RateLimitError) && isOutcomeUnknown(error);
  const previous = status.launchFailure;
  const count =
    previous && previous.type === pending.type && previous.configVersion === pending.configVersion
      ? previous.count + 1
      : 1;
  const failure = failureAfter(error, record, count, now, options);
  const base: ProvisioningStatus = unknown
    ? { ...status, pendingLaunch: { ...pending, requestEndedAt: iso(now) } }
    : clearPending(status);
  const next: ProvisioningStatus = {
    ...base,
    launchFailure: {
      ...failure,
      type: pending.type,
      ...(pending.configVersion !== undefined ? { configVersion: pending.configVersion } : {}),
    },
  };
  const what = `${pending.type} launch (correlation id ${pending.correlationId})`;
  const events: EngineEvent[] = [
    {
      type: "Warning",
      reason: error instanceof RateLimitError ? "RateLimited" : "LaunchFailed",
      message: unknown
        ? `${what} failed with an unknown outcome: ${record.message}; looking the job up before any new launch`
        : `${what} failed: ${record.message}; retrying at ${failure.retryAt}`,
    },
  ];
  return { status: next, events };
}

/**
 * Record a job found by correlation id (`findJob` or a human's resolution) for the
 * pending launch, as if the launch had returned it. `how` says where the job came from for
 * the event: found in the backend (default), or from the launching controller's memory.
 */
export function recordAdopted(
  status: ProvisioningStatus,
  pending: PendingLaunch,
  found: FoundJob,
  now: number,
  options: EngineOptions,
  poll?: PollInputs,
  how: "found" | "launcher" = "found",
): Transition {
  // Record the job as Unknown first, then apply what was found through the usual path,
  // so the P4 check, terminal handling and reconciled version work as for a poll.
  const launched: LaunchedJob = { jobId: found.jobId, state: JobState.Unknown, message: "adopted" };
  if (found.blockDeletionOnFailure !== undefined)
    launched.blockDeletionOnFailure = found.blockDeletionOnFailure;
  const adopted = recordLaunched(status, pending, launched, now, options, poll);
  const record = adopted.jobs.find((j) => j.jobId === found.jobId && j.type === pending.type);
  const applied = record
    ? recordJobStatus(adopted, record, found, now, options, poll)
    : { status: adopted, events: [] };
  // An adopted job may have ended long before it was found: when it ran is not known.
  const next = {
    ...applied.status,
    jobs: applied.status.jobs.map((j) => {
      if (j.jobId !== found.jobId || j.type !== pending.type || j.endedAfter === undefined) {
        return j;
      }
      const { endedAfter: _e, ...rest } = j;
      return rest;
    }),
  };
  const events = applied.events;
  return {
    status: next,
    events: [
      {
        type: "Normal",
        reason: "JobAdopted",
        message:
          how === "launcher"
            ? `recorded ${pending.type} job ${found.jobId} of the launch with correlation id ${pending.correlationId}: the launching controller's status write of it had failed`
            : `found ${pending.type} job ${found.jobId} launched with correlation id ${pending.correlationId} before a restart; adopted it instead of launching again`,
      },
      ...events,
    ],
  };
}

/**
 * Record the provider's answer to `triggerDeprovision` for the launch behind `pending`.
 * The provision job's status, when reported, is applied first. `triggered` records the
 * deprovision job with its `blockDeletionOnFailure`; `waiting` schedules the next ask;
 * `skipped` records that nothing needs tearing down (the finalizer can go).
 */
export function recordDeprovisionAnswer(
  status: ProvisioningStatus,
  pending: PendingLaunch,
  result: DeprovisionResult,
  now: number,
  options: EngineOptions,
  poll?: PollInputs,
): Transition {
  let next = status;
  const events: EngineEvent[] = [];
  if (result.action !== "skipped" && result.provisionJobStatus) {
    const reported = result.provisionJobStatus;
    const job = next.jobs.find((j) => j.type === "provision" && j.jobId === reported.jobId);
    if (job) {
      const applied = recordJobStatus(next, job, reported, now, options, poll);
      next = applied.status;
      events.push(...applied.events);
    }
  }
  const { deprovisionWaitUntil: _w, ...rest } = next;
  next = rest;
  switch (result.action) {
    case "triggered": {
      next = recordLaunched(
        next,
        pending,
        {
          jobId: result.jobId,
          state: JobState.Pending,
          message: "deprovision triggered",
          blockDeletionOnFailure: result.blockDeletionOnFailure,
        },
        now,
        options,
        poll,
      );
      events.push({
        type: "Normal",
        reason: "DeprovisionTriggered",
        message: `deprovision job ${result.jobId} launched (attempt ${pending.attempt}, blockDeletionOnFailure=${String(result.blockDeletionOnFailure)})`,
      });
      return { status: next, events };
    }
    case "waiting": {
      const delay = result.retryAfterMs ?? options.pollIntervalMs;
      next = clearLaunchFailure(clearPending(next), "deprovision");
      next = { ...next, deprovisionWaitUntil: iso(now + Math.max(0, delay)) };
      const provision = latestJob(next.jobs, "provision");
      if (provision && !isTerminal(provision.state) && !provision.cancelRequestedAt) {
        next = recordCancelRequested(next, provision, now);
      }
      if (status.deprovisionWaitUntil === undefined) {
        events.push({
          type: "Normal",
          reason: "DeprovisionWaiting",
          message: `deprovisioning waits${provision && !isTerminal(provision.state) ? ` for provision job ${provision.jobId} (${provision.state}) to end` : ""}; asking again in ${delay} ms`,
        });
      }
      return { status: next, events };
    }
    case "skipped": {
      next = {
        ...clearLaunchFailure(clearPending(next), "deprovision"),
        deprovisionSkipped: { reason: result.reason, at: iso(now) },
      };
      events.push({
        type: "Normal",
        reason: "DeprovisionSkipped",
        message: `nothing to deprovision: ${result.reason}`,
      });
      return { status: next, events };
    }
  }
}

function clearLaunchFailure(status: ProvisioningStatus, type: JobType): ProvisioningStatus {
  if (status.launchFailure?.type !== type) return status;
  const { launchFailure: _f, ...rest } = status;
  return rest;
}

/**
 * `findJob` found nothing for the pending launch. A launch is adopted or proven absent,
 * never guessed absent (E5): the backend can still create the launch's job until the
 * request ended ({@link PendingLaunch.requestEndedAt}) plus the provider's
 * `launchSettleMs`. Only a lookup that *began* after that instant and found nothing
 * proves that no job exists and none can appear: then the marker is cleared and the next
 * decision launches again. Before it, the marker stays, the job is looked up again (at
 * least once after the instant), and the resource says so with a `LaunchOutcomeUnknown`
 * condition (reason `LookingUp`). When the provider declares no `launchSettleMs`, absence
 * can never be shown: the engine keeps looking (with the error backoff) and a human
 * resolves the launch, or, with `unknownLaunchPolicy: "relaunch"`, it launches again once
 * the request has ended.
 *
 * @param startedAt - when this lookup began (epoch ms): only what the backend held then
 *   is known to be absent.
 * @param settleMs - the provider's `launchSettleMs`, when it declares one.
 */
export function recordLookupMiss(
  status: ProvisioningStatus,
  pending: PendingLaunch,
  startedAt: number,
  now: number,
  options: EngineOptions,
  settleMs: number | undefined,
): Transition {
  const endedAt = requestEndedBy(pending, startedAt, options);
  const lookups = (pending.lookups ?? 0) + 1;
  const what = `${pending.type} launch with correlation id ${pending.correlationId}`;
  if (settleMs !== undefined && startedAt >= endedAt + settleMs) {
    return {
      status: clearPending(status),
      events: [
        {
          type: "Normal",
          reason: "LaunchNotFound",
          message: `no job of the ${what} exists, and none can appear any more: its request ended by ${iso(endedAt)} and the backend creates a launch's job within ${settleMs} ms of that (launchSettleMs); a lookup begun at ${iso(startedAt)} found none (${lookups} lookups); launching again`,
        },
      ],
    };
  }
  if (
    settleMs === undefined &&
    options.unknownLaunchPolicy === "relaunch" &&
    startedAt >= endedAt
  ) {
    return {
      status: clearPending(status),
      events: [
        {
          type: "Warning",
          reason: "LaunchOutcomeUnknown",
          message: `no job of the ${what} found, and provider ${pending.provider} declares no launchSettleMs, so its absence cannot be shown; launching again as unknownLaunchPolicy is "relaunch": a duplicate job may exist`,
        },
      ],
    };
  }
  const lookupAfter =
    settleMs === undefined
      ? now + backoffDelay(options.errorBackoff, lookups)
      : Math.min(now + options.pollIntervalMs, Math.max(endedAt + settleMs, now));
  const next: PendingLaunch = {
    ...pending,
    requestEndedAt: iso(endedAt),
    lookups,
    lookupAfter: iso(lookupAfter),
  };
  const message =
    settleMs === undefined
      ? `the ${what} (request ended by ${iso(endedAt)}) has an unknown outcome and no job was found in ${lookups} lookups; provider ${pending.provider} declares no launchSettleMs, so the engine cannot show that none will appear. It keeps looking (next at ${iso(lookupAfter)}) and launches nothing until the job is found or a human resolves the launch: look for a job with this correlation id in the backend and resolve with its job id (adopt it), or with no job id if there is none (launch again).`
      : `the ${what} (request ended by ${iso(endedAt)}) has an unknown outcome; no job found yet (${lookups} lookups). The backend can still create it until ${iso(endedAt + settleMs)} (launchSettleMs ${settleMs} ms); looking again at ${iso(lookupAfter)}, and launching again only if no job exists after that.`;
  const reason = settleMs === undefined ? "NeedsResolution" : "LookingUp";
  const already = findCondition(status.conditions, ConditionType.LaunchOutcomeUnknown);
  const conditions = setCondition(
    status.conditions,
    { type: ConditionType.LaunchOutcomeUnknown, status: "True", reason, message },
    iso(now),
  );
  const first = already?.status !== "True" || already.reason !== reason;
  return {
    status: { ...status, pendingLaunch: next, conditions },
    events: first
      ? [
          {
            type: settleMs === undefined ? "Warning" : "Normal",
            reason: "LaunchOutcomeUnknown",
            message,
          },
        ]
      : [],
  };
}

/**
 * By when the pending launch's request had ended (epoch ms). Recorded on the marker
 * when the call failed; for a marker left by a process that stopped, or by another
 * replica whose request may still be in flight, the later of this lookup's start and
 * `createdAt` plus the pending-launch grace (which the grace's documentation asks to keep
 * above the provider's own launch timeout).
 */
function requestEndedBy(pending: PendingLaunch, startedAt: number, options: EngineOptions): number {
  const recorded = Date.parse(pending.requestEndedAt ?? "");
  // Never later than the engine itself could have written it (a hand-edited far-future
  // value would otherwise keep the launch undecided for ever).
  if (!Number.isNaN(recorded)) return Math.min(recorded, startedAt + options.pendingLaunchGraceMs);
  const created = Date.parse(pending.createdAt);
  const createdAt = Number.isNaN(created) ? startedAt : Math.min(created, startedAt);
  return Math.max(startedAt, createdAt + options.pendingLaunchGraceMs);
}

/** `findJob` failed: keep the marker and look again after the error backoff. */
export function recordLookupError(
  status: ProvisioningStatus,
  pending: PendingLaunch,
  error: unknown,
  now: number,
  options: EngineOptions,
): Transition {
  const record = toErrorRecord(error);
  const delay =
    error instanceof RateLimitError ? error.retryAfterMs : options.errorBackoff.initialMs;
  return {
    status: { ...status, pendingLaunch: { ...pending, lookupAfter: iso(now + delay) } },
    events: [
      {
        type: "Warning",
        reason: "JobLookupFailed",
        message: `looking up the ${pending.type} job with correlation id ${pending.correlationId} failed: ${record.message}`,
      },
    ],
  };
}
