import { backoffDelay } from "../backoff.js";
import { ConditionType, findCondition, setCondition } from "../conditions.js";
import { latestJob } from "../history.js";
import type { JobRecord } from "../job-record.js";
import { JobState, isSuccessful, isTerminal, isUnsuccessful, type JobType } from "../job-state.js";
import type { PendingLaunch, ProvisioningStatus } from "../status.js";
import { summarize } from "./summary.js";
import { iso, ms } from "./time.js";
import { markTimedOut, nextCheckAt, retryAt } from "./job-transitions.js";
import { clearPending, recordAdopted } from "./launch-transitions.js";
import { isActive } from "./transition.js";
import type { Decision, DecideInput, EngineAction, EngineEvent, FinalizerAction } from "./types.js";

/**
 * Decide the next step for one resource. Pure: no I/O, no clock, no randomness other
 * than `input.newCorrelationId`. The same input always gives the same decision.
 *
 * Order of concerns:
 * 1. a pending launch (E5) is resolved first: adopted through `findJob`, left alone
 *    during the grace period, or handled by the unknown-launch policy;
 * 2. a job past the job timeout is marked `Failed` with reason `Timeout` (P3);
 * 3. a job that is not terminal blocks every launch (E1): it is polled (or, on a spec
 *    change with `onSpecChangeWhileRunning: "cancel"`, canceled first);
 * 4. when deleting: deprovision, release the finalizer, or keep it blocked (E4);
 * 5. otherwise: nothing to do when desired == reconciled, else launch a provision job,
 *    after the backoff when the same version failed before (E2, E3).
 */
export function decide(input: DecideInput): Decision {
  const status: ProvisioningStatus = {
    ...input.status,
    desiredConfigVersion: input.desiredConfigVersion,
  };
  return finish(input, route(input, normalize(status)));
}

interface Step {
  action: EngineAction;
  status: ProvisioningStatus;
  persistFirst?: boolean;
  finalizer?: FinalizerAction;
  requeueAfterMs?: number;
  events?: EngineEvent[];
}

function finish(input: DecideInput, step: Step): Decision {
  const status = summarize(step.status, {
    deleting: input.deleting,
    now: input.now,
    ...(input.generation === undefined ? {} : { generation: input.generation }),
  });
  const decision: Decision = {
    action: step.action,
    status,
    persistFirst: step.persistFirst ?? false,
    finalizer: step.finalizer ?? (input.deleting ? "keep" : "ensure"),
    events: step.events ?? [],
  };
  if (step.requeueAfterMs !== undefined) decision.requeueAfterMs = Math.max(0, step.requeueAfterMs);
  return decision;
}

/** E3: the reconciled version is the one of the latest succeeded provision job. */
function normalize(status: ProvisioningStatus): ProvisioningStatus {
  const job = latestJob(status.jobs, "provision");
  if (
    job &&
    isSuccessful(job.state) &&
    job.configVersion !== undefined &&
    status.reconciledConfigVersion !== job.configVersion
  ) {
    return { ...status, reconciledConfigVersion: job.configVersion };
  }
  return status;
}

function route(input: DecideInput, status: ProvisioningStatus): Step {
  if (status.pendingLaunch) return decidePending(input, status, status.pendingLaunch);
  const timedOut = decideTimeouts(input, status);
  if (timedOut) return timedOut;
  if (input.deleting) return decideDeletion(input, status);
  const running = nonTerminalJobs(status)[0];
  if (running) return decideRunning(input, status, running);
  return decideProvision(input, status);
}

function withEvents(step: Step, events: EngineEvent[]): Step {
  return { ...step, events: [...events, ...(step.events ?? [])] };
}

// ---------------------------------------------------------------- pending launch (E5)

function decidePending(
  input: DecideInput,
  status: ProvisioningStatus,
  pending: PendingLaunch,
): Step {
  const { now, options } = input;
  if (status.jobs.some((j) => j.correlationId === pending.correlationId)) {
    // The launch was recorded (for example by another replica); the marker is stale.
    return route(input, clearPending(status));
  }
  const resolution = input.resolution;
  if (resolution && resolution.correlationId === pending.correlationId) {
    if (resolution.jobId !== undefined) {
      const adopted = recordAdopted(
        status,
        pending,
        {
          jobId: resolution.jobId,
          state: JobState.Unknown,
          message:
            resolution.source === "launcher"
              ? "recorded from the launching controller, whose status write of it failed"
              : "adopted by a human's resolution",
          ...(resolution.blockDeletionOnFailure === undefined
            ? {}
            : { blockDeletionOnFailure: resolution.blockDeletionOnFailure }),
        },
        now,
        options,
        undefined,
        resolution.source === "launcher" ? "launcher" : "found",
      );
      const next = {
        ...adopted.status,
        jobs: markDueNow(adopted.status.jobs, resolution.jobId, now),
      };
      return withEvents(route(input, next), adopted.events);
    }
    const event: EngineEvent = {
      type: "Normal",
      reason: "LaunchResolved",
      message: `resolved: the ${pending.type} launch with correlation id ${pending.correlationId} created no job; launching again`,
    };
    return withEvents(route(input, clearPending(status)), [event]);
  }
  const provider = input.providers.get(pending.provider);
  const created = Date.parse(pending.createdAt);
  if (!provider?.canFindJob && (Number.isNaN(created) || created > now)) {
    // A marker whose time cannot be trusted would never age out: count from now.
    const fixed = { ...pending, createdAt: iso(now) };
    const event: EngineEvent = {
      type: "Warning",
      reason: "PendingLaunchRepaired",
      message: `the pending ${pending.type} launch's createdAt ${JSON.stringify(pending.createdAt).slice(0, 80)} is not a past timestamp; its grace period is counted from ${iso(now)}`,
    };
    return withEvents(route(input, { ...status, pendingLaunch: fixed }), [event]);
  }
  const age = now - created;
  if (provider?.canFindJob) {
    const after = ms(pending.lookupAfter, now);
    if (now >= after) return { action: { kind: "adopt", pending }, status };
    return { action: { kind: "none" }, status, requeueAfterMs: after - now };
  }
  if (age < options.pendingLaunchGraceMs) {
    // Another replica may be launching right now; give it time to record the job.
    return { action: { kind: "none" }, status, requeueAfterMs: options.pendingLaunchGraceMs - age };
  }
  const who = `provider ${pending.provider}${provider ? " cannot look jobs up (no findJob)" : " is not available"}`;
  if (options.unknownLaunchPolicy === "relaunch") {
    const event: EngineEvent = {
      type: "Warning",
      reason: "LaunchOutcomeUnknown",
      message: `the ${pending.type} launch with correlation id ${pending.correlationId} (at ${pending.createdAt}) has an unknown outcome and ${who}; launching again as unknownLaunchPolicy is "relaunch": a duplicate job may exist`,
    };
    return withEvents(route(input, clearPending(status)), [event]);
  }
  const message =
    `the ${pending.type} launch with correlation id ${pending.correlationId} (at ${pending.createdAt}) ` +
    `has an unknown outcome and ${who}. Nothing more is launched until a human resolves it: look for a ` +
    `job with this correlation id in the backend and resolve with its job id (adopt it), or with no job ` +
    `id if there is none (launch again).`;
  const already =
    findCondition(status.conditions, ConditionType.LaunchOutcomeUnknown)?.status === "True";
  const conditions = setCondition(
    status.conditions,
    {
      type: ConditionType.LaunchOutcomeUnknown,
      status: "True",
      reason: "NeedsResolution",
      message,
      ...gen(input),
    },
    iso(now),
  );
  return {
    action: { kind: "none" },
    status: { ...status, conditions },
    events: already ? [] : [{ type: "Warning", reason: "LaunchOutcomeUnknown", message }],
  };
}

function gen(input: DecideInput): { observedGeneration?: number } {
  return input.generation === undefined ? {} : { observedGeneration: input.generation };
}

function markDueNow(jobs: JobRecord[], jobId: string, now: number): JobRecord[] {
  return jobs.map((j) =>
    j.jobId === jobId && !isTerminal(j.state) ? { ...j, nextCheckAt: iso(now) } : j,
  );
}

// ---------------------------------------------------------------- timeouts (P3)

function decideTimeouts(input: DecideInput, status: ProvisioningStatus): Step | undefined {
  const timeout = input.options.jobTimeoutMs;
  if (timeout === undefined) return undefined;
  for (const job of nonTerminalJobs(status)) {
    if (isTerminal(job.state)) continue; // already timed out, awaiting its end
    const deadline = ms(job.launchedAt, input.now) + timeout;
    if (input.now < deadline) continue;
    // Read the job once after its deadline before giving up on it: it may have ended.
    const lastRead = Math.max(ms(job.updatedAt, 0), ms(job.statusError?.at, 0));
    if (lastRead < deadline && input.providers.get(job.provider)) {
      return { action: { kind: "poll", job }, status };
    }
    const marked = markTimedOut(status, job, input.now, timeout);
    const provider = input.providers.get(job.provider);
    if (provider?.canCancel) {
      return {
        action: { kind: "cancel", job, reason: "timeout" },
        status: marked.status,
        events: marked.events,
      };
    }
    return {
      action: { kind: "none" },
      status: marked.status,
      events: marked.events,
      requeueAfterMs: 0,
    };
  }
  return undefined;
}

// ---------------------------------------------------------------- running jobs (E1)

function nonTerminalJobs(status: ProvisioningStatus): JobRecord[] {
  const jobs: JobRecord[] = [];
  for (const type of ["provision", "deprovision"] as const) {
    const job = latestJob(status.jobs, type);
    if (job && isActive(job)) jobs.push(job);
  }
  return jobs;
}

/** Not deleting: a running job blocks launches (E1); poll it, or cancel it on a spec change. */
function decideRunning(input: DecideInput, status: ProvisioningStatus, job: JobRecord): Step {
  const provider = input.providers.get(job.provider);
  if (
    job.type === "provision" &&
    job.configVersion !== input.desiredConfigVersion &&
    input.options.onSpecChangeWhileRunning === "cancel" &&
    provider?.canCancel &&
    !job.cancelRequestedAt
  ) {
    return cancelWhenDue(input, status, job, "spec-change");
  }
  return pollWhenDue(input, status, job);
}

/**
 * Cancel a job once its cancel is due (see {@link cancelDueAt}); until then, poll it when
 * due, and come back no later than the cancel.
 */
function cancelWhenDue(
  input: DecideInput,
  status: ProvisioningStatus,
  job: JobRecord,
  reason: "spec-change" | "deletion",
): Step {
  const at = cancelDueAt(input, job);
  if (input.now >= at) return { action: { kind: "cancel", job, reason }, status };
  const step = pollWhenDue(input, status, job);
  if (step.action.kind === "none" && step.requeueAfterMs !== undefined) {
    return { ...step, requeueAfterMs: Math.min(step.requeueAfterMs, at - input.now) };
  }
  return step;
}

/**
 * When a cancel of a running job is due: at its next read, and no later than
 * `pollIntervalMs` after the record last changed (as with the fixed poll, however far the
 * adaptive schedule put the next read), except while a failed call's `retryAt` is ahead.
 */
function cancelDueAt(input: DecideInput, job: JobRecord): number {
  const due = dueAt(input, job);
  if (job.statusError) return due;
  return Math.min(due, ms(job.updatedAt, input.now) + input.options.pollIntervalMs);
}

/** Poll a job through the provider that launched it, once its next check is due. */
function pollWhenDue(input: DecideInput, status: ProvisioningStatus, job: JobRecord): Step {
  const { now } = input;
  if (!input.providers.get(job.provider)) {
    return {
      action: { kind: "none" },
      status,
      requeueAfterMs: input.options.pollIntervalMs,
      events: [
        {
          type: "Warning",
          reason: "ProviderUnavailable",
          message: `${job.type} job ${job.jobId} was launched by provider ${job.provider}, which is not configured; it cannot be polled until it is`,
        },
      ],
    };
  }
  const due = dueAt(input, job);
  if (now >= due) return { action: { kind: "poll", job }, status };
  return { action: { kind: "none" }, status, requeueAfterMs: withTimeout(input, job, due - now) };
}

/**
 * When a job is next due for a read: its `nextCheckAt`, or now when a completion signal
 * reported it (`signaledJobIds`), unless a failed read's `retryAt` is still ahead.
 */
function dueAt(input: DecideInput, job: JobRecord): number {
  const scheduled = nextCheckAt(job, input.now);
  if (!input.signaledJobIds?.has(job.jobId)) return scheduled;
  const retry = job.statusError ? retryAt(job.statusError, input.now) : input.now;
  return Math.min(scheduled, Math.max(input.now, retry));
}

/** Never sleep past a job's timeout. */
function withTimeout(input: DecideInput, job: JobRecord, delay: number): number {
  const timeout = input.options.jobTimeoutMs;
  if (timeout === undefined || isTerminal(job.state)) return delay;
  const untilDeadline = ms(job.launchedAt, input.now) + timeout - input.now;
  return untilDeadline > 0 ? Math.min(delay, untilDeadline) : delay;
}

// ---------------------------------------------------------------- deletion (E4)

function decideDeletion(input: DecideInput, status: ProvisioningStatus): Step {
  const { now, options } = input;
  const job = latestJob(status.jobs, "deprovision");
  if (job && isActive(job)) return pollWhenDue(input, status, job);
  if ((job && isSuccessful(job.state)) || status.deprovisionSkipped) {
    return { action: { kind: "none" }, status, finalizer: "release" };
  }
  if (job && isUnsuccessful(job.state)) {
    if (job.blockDeletionOnFailure === false) {
      return {
        action: { kind: "none" },
        status,
        finalizer: "release",
        events: [
          {
            type: "Warning",
            reason: "DeletionAllowedAfterFailure",
            message: `deprovision job ${job.jobId} ended ${job.state} and does not block deletion; releasing the finalizer`,
          },
        ],
      };
    }
    const due =
      ms(job.finishedAt ?? job.updatedAt, now) +
      backoffDelay(options.deprovisionBackoff, job.attempt);
    if (now < due) return { action: { kind: "none" }, status, requeueAfterMs: due - now };
  }
  const provision = latestJob(status.jobs, "provision");
  if (provision && isActive(provision)) {
    if (provision.provider !== input.providers.current.name) {
      // Launched by another provider: the current one cannot cancel it, so the engine
      // drives it to a terminal state through its own provider first (E1, E6).
      const owner = input.providers.get(provision.provider);
      if (owner?.canCancel && !provision.cancelRequestedAt) {
        return cancelWhenDue(input, status, provision, "deletion");
      }
      return pollWhenDue(input, status, provision);
    }
    // Otherwise P5: the provider cancels its running provision job and answers
    // `waiting` until that job is terminal.
  }
  const waitUntil = ms(status.deprovisionWaitUntil, now);
  if (now < waitUntil) return { action: { kind: "none" }, status, requeueAfterMs: waitUntil - now };
  return launchDeprovision(input, status);
}

function launchDeprovision(input: DecideInput, status: ProvisioningStatus): Step {
  const failure = status.launchFailure;
  if (failure?.type === "deprovision" && input.now < retryAt(failure, input.now)) {
    return {
      action: { kind: "none" },
      status,
      requeueAfterMs: retryAt(failure, input.now) - input.now,
    };
  }
  const previous = latestJob(status.jobs, "deprovision");
  const attempt = previous && isUnsuccessful(previous.state) ? previous.attempt + 1 : 1;
  return launch(input, status, "deprovision", attempt);
}

// ---------------------------------------------------------------- provisioning (E2, E3)

function decideProvision(input: DecideInput, status: ProvisioningStatus): Step {
  const { now, options } = input;
  const desired = input.desiredConfigVersion;
  if (status.reconciledConfigVersion === desired) return { action: { kind: "none" }, status };
  const failure = status.launchFailure;
  if (
    failure?.type === "provision" &&
    failure.configVersion === desired &&
    now < retryAt(failure, now)
  ) {
    return { action: { kind: "none" }, status, requeueAfterMs: retryAt(failure, now) - now };
  }
  const job = latestJob(status.jobs, "provision");
  let attempt = 1;
  if (job && job.configVersion === desired && isUnsuccessful(job.state)) {
    const due =
      ms(job.finishedAt ?? job.updatedAt, now) +
      backoffDelay(options.provisionBackoff, job.attempt);
    if (now < due) return { action: { kind: "none" }, status, requeueAfterMs: due - now };
    attempt = job.attempt + 1;
  }
  return launch(input, status, "provision", attempt);
}

function launch(
  input: DecideInput,
  status: ProvisioningStatus,
  type: JobType,
  attempt: number,
): Step {
  const pending: PendingLaunch = {
    type,
    correlationId: input.newCorrelationId(),
    provider: input.providers.current.name,
    attempt,
    createdAt: iso(input.now),
  };
  if (type === "provision") pending.configVersion = input.desiredConfigVersion;
  return {
    action: { kind: "launch", type, pending },
    status: { ...status, pendingLaunch: pending },
    persistFirst: true,
  };
}
