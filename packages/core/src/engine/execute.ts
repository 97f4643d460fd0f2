import { ContractViolationError, toErrorRecord } from "../errors.js";
import { jobsOfType } from "../history.js";
import type { JobRecord, JobTiming } from "../job-record.js";
import { isTerminal } from "../job-state.js";
import { resourceKey, type ResourceObject } from "../resource.js";
import type { ProvisionStatus } from "../results.js";
import { safely, type JobTracer, type LaunchTrace } from "../tracing/hooks.js";
import { timingOffset } from "../tracing/timing.js";
import type { PendingLaunch, ProvisioningStatus } from "../status.js";
import type { ProviderSet } from "./providers.js";
import { summarize } from "./summary.js";
import { recordCancelRequested, recordJobStatus, recordStatusError } from "./job-transitions.js";
import {
  recordAdopted,
  recordDeprovisionAnswer,
  recordLaunchError,
  recordLaunched,
  recordLookupError,
  recordLookupMiss,
} from "./launch-transitions.js";
import type { PollInputs } from "./poll-policy.js";
import type { Transition } from "./transition.js";
import type { DecideInput, Decision } from "./types.js";
import {
  checkDeprovisionResult,
  checkFoundJob,
  checkProvisionResult,
  checkProvisionStatus,
} from "./validate.js";

/** What {@link execute} needs beyond the decision: the resource, the providers, a clock. */
export interface ExecuteEnv<R extends ResourceObject = ResourceObject> {
  /** The resource, passed to the provider as it is. */
  resource: R;
  /** The providers (see {@link providerSet}). */
  providers: ProviderSet<R>;
  /** Current time in epoch ms; read after each provider call. */
  clock: () => number;
  /** Aborts in-flight provider calls. */
  signal: AbortSignal;
  /**
   * Aborts an in-flight launch (`triggerProvision`, `triggerDeprovision`); default
   * `signal`. A launch aborted after its request left has an unknown outcome (E5), so a
   * caller that shuts down may abort it later than the other calls, giving a launch already
   * sent time to answer and be recorded.
   */
  launchSignal?: AbortSignal;
  /** Receives the job lifecycle as trace spans (see {@link JobTracer}); none by default. */
  tracer?: JobTracer;
  /**
   * When the reconcile's key entered the caller's work queue and when the reconcile
   * started (epoch ms), recorded in a launched job's `timing` (`queuedMs`, `reconcileMs`).
   */
  reconcileTiming?: { queuedAt?: number; startedAt?: number };
}

/** The result of carrying out one decision. */
export interface StepOutcome {
  /** The status after the provider's answer. Persist it, then decide again. */
  status: ProvisioningStatus;
  /** Events to record. */
  events: Transition["events"];
}

/**
 * Carry out a decision's action against the providers and fold the answer into the
 * status. Never throws for a provider failure: failures are recorded in the status
 * (on the job, or as a launch failure) and scheduled for retry. Throws only when
 * `env.signal` is aborted, so a shutdown does not record an abort as a failure.
 *
 * After it, persist `outcome.status` and call {@link decide} again: the decision is the
 * one place that computes waits and next steps.
 *
 * @param decision - from {@link decide}; when `decision.persistFirst` is true its status
 *   must be durably persisted before this is called.
 * @param input - the input the decision was made from (for options and conditions).
 */
export async function execute<R extends ResourceObject>(
  decision: Decision,
  input: DecideInput,
  env: ExecuteEnv<R>,
): Promise<StepOutcome> {
  const transition = await run(decision, input, env);
  const status = summarize(transition.status, {
    deleting: input.deleting,
    now: env.clock(),
    ...(input.generation === undefined ? {} : { generation: input.generation }),
  });
  return { status, events: transition.events };
}

async function run<R extends ResourceObject>(
  decision: Decision,
  input: DecideInput,
  env: ExecuteEnv<R>,
): Promise<Transition> {
  const { action, status } = decision;
  const { options } = input;
  const call = { signal: env.signal };
  switch (action.kind) {
    case "none":
      return { status, events: [] };
    case "launch":
      return launch(status, action.pending, input, env);
    case "poll": {
      const provider = env.providers.get(action.job.provider);
      if (!provider) return { status, events: [] };
      const job = action.job;
      try {
        const raw =
          job.type === "provision"
            ? await provider.getProvisionStatus(env.resource, job.jobId, call)
            : await provider.getDeprovisionStatus(env.resource, job.jobId, call);
        const checked = checkProvisionStatus(raw);
        const next = recordJobStatus(status, job, checked, env.clock(), options, pollInputs(input));
        return isTerminal(checked.state)
          ? { ...next, status: withBackendTimes(next.status, job, checked) }
          : next;
      } catch (error) {
        rethrowIfAborted(env.signal, error);
        return recordStatusError(status, job, error, env.clock(), options);
      }
    }
    case "cancel": {
      const job = action.job;
      const provider = env.providers.get(job.provider);
      if (!provider?.cancelJob) return { status, events: [] };
      try {
        await provider.cancelJob(env.resource, job.jobId, job.type, call);
        const current =
          status.jobs.find((j) => j.jobId === job.jobId && j.type === job.type) ?? job;
        return {
          status: recordCancelRequested(status, current, env.clock()),
          events: [
            {
              type: "Normal",
              reason: "CancelRequested",
              message: `asked provider ${job.provider} to cancel ${job.type} job ${job.jobId} (${cancelWhy(action.reason)})`,
            },
          ],
        };
      } catch (error) {
        rethrowIfAborted(env.signal, error);
        if (action.reason === "timeout") {
          // The job is already marked Failed(Timeout); a failed cancel is only reported.
          return {
            status,
            events: [
              {
                type: "Warning",
                reason: "CancelFailed",
                message: `canceling timed-out ${job.type} job ${job.jobId} failed: ${toErrorRecord(error).message}`,
              },
            ],
          };
        }
        return recordStatusError(status, job, error, env.clock(), options);
      }
    }
    case "adopt": {
      const pending = action.pending;
      const provider = env.providers.get(pending.provider);
      if (!provider?.findJob) return { status, events: [] };
      const startedAt = env.clock();
      try {
        const found = await provider.findJob(
          env.resource,
          {
            correlationId: pending.correlationId,
            type: pending.type,
            launchedAt: pending.createdAt,
          },
          call,
        );
        if (found === undefined) {
          const settleMs = input.providers.get(pending.provider)?.launchSettleMs;
          return recordLookupMiss(status, pending, startedAt, env.clock(), options, settleMs);
        }
        return recordAdopted(
          status,
          pending,
          checkFoundJob(found),
          env.clock(),
          options,
          pollInputs(input),
        );
      } catch (error) {
        rethrowIfAborted(env.signal, error);
        return recordLookupError(status, pending, error, env.clock(), options);
      }
    }
  }
}

/** The caller's adaptive-polling inputs, or `undefined` when it gave none. */
function pollInputs(input: DecideInput): PollInputs | undefined {
  const inputs: PollInputs = {};
  if (input.expectedDurationMs) inputs.expectedDurationMs = input.expectedDurationMs;
  if (input.signalsActive) inputs.signalsActive = input.signalsActive;
  return inputs.expectedDurationMs || inputs.signalsActive ? inputs : undefined;
}

function cancelWhy(reason: "spec-change" | "timeout" | "deletion"): string {
  if (reason === "spec-change") return "the spec changed while it ran";
  if (reason === "timeout") return "it exceeded the job timeout";
  return "the resource is being deleted";
}

async function launch<R extends ResourceObject>(
  status: ProvisioningStatus,
  pending: PendingLaunch,
  input: DecideInput,
  env: ExecuteEnv<R>,
): Promise<Transition> {
  const { options } = input;
  const provider = env.providers.current;
  const signal = env.launchSignal ?? env.signal;
  const launchStart = env.clock();
  const trace = env.tracer ? startLaunchTrace(env, pending, launchStart) : undefined;
  const call = {
    signal,
    correlationId: pending.correlationId,
    ...(trace?.traceparent !== undefined && { traceparent: trace.traceparent }),
  };
  const launched = (
    t: Transition,
    jobId: string | undefined,
    action?: "triggered" | "waiting" | "skipped",
  ): Transition => {
    const end = env.clock();
    const state = t.status.jobs.find((j) => j.jobId === jobId && j.type === pending.type)?.state;
    if (trace) {
      safely(
        () =>
          trace.end(
            {
              ...(jobId !== undefined && { jobId }),
              ...(state !== undefined && { state }),
              ...(action !== undefined && { action }),
            },
            end,
          ),
        undefined,
      );
    }
    if (jobId === undefined) return t;
    return {
      ...t,
      status: withLaunchTiming(t.status, pending, jobId, env, launchStart, end, trace?.traceparent),
    };
  };
  try {
    if (pending.type === "provision") {
      const result = checkProvisionResult(
        await provider.triggerProvision(env.resource, {
          ...call,
          configVersion: pending.configVersion ?? "",
        }),
      );
      assertNewJobId(status.jobs, result.jobId, "provision");
      const recorded = recordLaunched(
        status,
        pending,
        { jobId: result.jobId, state: result.initialState, message: result.message },
        env.clock(),
        options,
        pollInputs(input),
      );
      return launched(
        {
          status: recorded,
          events: [
            {
              type: "Normal",
              reason: "ProvisionTriggered",
              message: `provision job ${result.jobId} launched for config version ${pending.configVersion ?? ""} (attempt ${pending.attempt})`,
            },
          ],
        },
        result.jobId,
      );
    }
    const provisionJobs = jobsOfType(status.jobs, "provision");
    const result = checkDeprovisionResult(
      await provider.triggerDeprovision(env.resource, provisionJobs, call),
    );
    if (result.action === "triggered") assertNewJobId(status.jobs, result.jobId, "deprovision");
    return launched(
      recordDeprovisionAnswer(status, pending, result, env.clock(), options, pollInputs(input)),
      result.action === "triggered" ? result.jobId : undefined,
      result.action,
    );
  } catch (error) {
    if (trace) {
      const { code, message } = toErrorRecord(error);
      safely(() => trace.end({ error: { code, message } }, env.clock()), undefined);
    }
    rethrowIfAborted(signal, error);
    return recordLaunchError(status, pending, error, env.clock(), options);
  }
}

/** Starts the launch's trace; a tracer that throws is ignored. */
function startLaunchTrace<R extends ResourceObject>(
  env: ExecuteEnv<R>,
  pending: PendingLaunch,
  at: number,
): LaunchTrace | undefined {
  const tracer = env.tracer;
  if (!tracer) return undefined;
  const { queuedAt, startedAt } = env.reconcileTiming ?? {};
  const uid = env.resource.metadata.uid;
  return safely(
    () =>
      tracer.startLaunch(
        {
          resource: resourceKey(env.resource),
          ...(uid !== undefined && { resourceUid: uid }),
          type: pending.type,
          provider: pending.provider,
          correlationId: pending.correlationId,
          ...(pending.configVersion !== undefined && { configVersion: pending.configVersion }),
          attempt: pending.attempt,
          launchedAt: Date.parse(pending.createdAt),
          ...(queuedAt !== undefined && { queuedAt }),
          ...(startedAt !== undefined && { reconcileStartedAt: startedAt }),
        },
        at,
      ),
    undefined,
  );
}

/** `status` with the launch's timing (and trace context) on the job it created. */
function withLaunchTiming<R extends ResourceObject>(
  status: ProvisioningStatus,
  pending: PendingLaunch,
  jobId: string,
  env: ExecuteEnv<R>,
  start: number,
  end: number,
  traceparent: string | undefined,
): ProvisioningStatus {
  return mapJob(status, jobId, pending.type, (job) => {
    const timing: JobTiming = { ...job.timing };
    const { queuedAt, startedAt } = env.reconcileTiming ?? {};
    setOffset(timing, "queuedMs", job, queuedAt);
    setOffset(timing, "reconcileMs", job, startedAt);
    setOffset(timing, "launchStartMs", job, start);
    setOffset(timing, "launchEndMs", job, end);
    const out: JobRecord = { ...job, timing };
    if (traceparent !== undefined) out.traceparent = traceparent;
    return out;
  });
}

/** `status` with the backend's own instants of a job seen to end, as `timing` offsets. */
function withBackendTimes(
  status: ProvisioningStatus,
  job: JobRecord,
  answer: ProvisionStatus,
): ProvisioningStatus {
  return mapJob(status, job.jobId, job.type, (record) => {
    const timing: JobTiming = { ...record.timing };
    setOffset(timing, "createdMs", record, answer.createdTime);
    setOffset(timing, "startedMs", record, answer.startTime);
    setOffset(timing, "finishedMs", record, answer.endTime);
    return Object.keys(timing).length > 0 ? { ...record, timing } : record;
  });
}

function setOffset(
  timing: JobTiming,
  field: keyof JobTiming,
  job: JobRecord,
  instant: number | string | undefined,
): void {
  if (instant === undefined) return;
  const offset = timingOffset(job, instant);
  if (offset !== undefined) timing[field] = offset;
}

function mapJob(
  status: ProvisioningStatus,
  jobId: string,
  type: JobRecord["type"],
  fn: (job: JobRecord) => JobRecord,
): ProvisioningStatus {
  return {
    ...status,
    jobs: status.jobs.map((j) => (j.jobId === jobId && j.type === type ? fn(j) : j)),
  };
}

function assertNewJobId(jobs: readonly JobRecord[], jobId: string, type: JobRecord["type"]): void {
  if (jobs.some((j) => j.jobId === jobId && j.type === type)) {
    throw new ContractViolationError(
      "P2",
      `the provider returned job id ${jobId}, which is already in this resource's history`,
      {
        outcomeUnknown: false,
      },
    );
  }
}

function rethrowIfAborted(signal: AbortSignal, error: unknown): void {
  if (signal.aborted) throw error;
}
