import { randomUUID } from "node:crypto";
import { configVersion, sameJson } from "../config-version.js";
import { AbortedError, ConfigurationError } from "../errors.js";
import type { JobRecord } from "../job-record.js";
import { isTerminal } from "../job-state.js";
import type { Provider } from "../provider.js";
import { resourceKey, type ResourceObject } from "../resource.js";
import { safely, type JobTracer, type ReconcileTrace } from "../tracing/hooks.js";
import { MAX_TIMING_OFFSET_MS, timingOffset } from "../tracing/timing.js";
import { emptyStatus, type ProvisioningStatus } from "../status.js";
import { MAX_OPERATOR_STRING_CHARS } from "../text-bounds.js";
import { decide } from "./decide.js";
import { execute } from "./execute.js";
import { resolveEngineOptions, type EngineOptions, type EngineOptionsInput } from "./options.js";
import { providerSet, type ProviderSet } from "./providers.js";
import { boundStatus, parseProvisioningStatus } from "./status-check.js";
import type {
  DecideInput,
  EngineAction,
  EngineEvent,
  FinalizerAction,
  LaunchResolution,
} from "./types.js";

/** Why {@link ReconcileArgs.persist} is called. */
export type PersistReason =
  /** Before a launch: the status holds the pending marker (E5). Must be durable and conditional. */
  | "before-launch"
  /** After a provider answer, or when only conditions changed. */
  | "update";

/** Arguments of {@link reconcile}. */
export interface ReconcileArgs<R extends ResourceObject = ResourceObject> {
  /** The resource as last read. */
  resource: R;
  /**
   * Its provisioning status as last persisted; `undefined` for a new resource. Checked
   * before any provider call (see `parseProvisioningStatus`): a status that is not one
   * makes {@link reconcile} throw an `InvalidStatusError` naming the field at fault.
   */
  status: ProvisioningStatus | undefined;
  /** The provider, or a set when jobs of other providers may be on record. */
  providers: Provider<R> | ProviderSet<R>;
  /**
   * Persist a status durably, with optimistic concurrency (the resource version read).
   * Throw on a conflict: the reconcile stops, and the caller re-reads and reconciles
   * again. Called before every launch, and after every step that changed the status.
   */
  persist(status: ProvisioningStatus, reason: PersistReason): Promise<void>;
  /** Desired config version; default `configVersion(resource.spec ?? {})`. */
  desiredConfigVersion?: string;
  /** Whether the resource is being deleted; default: it has a `deletionTimestamp`. */
  deleting?: boolean;
  /** Engine options (partial; defaults filled). */
  options?: EngineOptionsInput;
  /** Clock in epoch ms; default `Date.now`. */
  clock?: () => number;
  /** Aborts in-flight provider calls. */
  signal?: AbortSignal;
  /**
   * Aborts an in-flight launch (`triggerProvision`, `triggerDeprovision`); default `signal`.
   * While it is not aborted, a launch under way when `signal` aborts is answered, its job
   * persisted, and only then does the reconcile throw `AbortedError`: an aborted launch
   * whose request had left has an unknown outcome, which a provider without `findJob`
   * cannot resolve (E5). The controller's `stop()` uses it (see `stopLaunchGraceMs`).
   */
  launchSignal?: AbortSignal;
  /** Correlation id source; default `crypto.randomUUID`. */
  newCorrelationId?: () => string;
  /** A human's resolution of an unknown launch outcome. */
  resolution?: LaunchResolution;
  /**
   * Ids of jobs a completion signal reported as changed (see
   * {@link DecideInput.signaledJobIds}): each is read in this call when it is still active,
   * and at most once.
   */
  signaledJobIds?: ReadonlySet<string>;
  /** The caller's estimate of a job's total duration (see {@link DecideInput.expectedDurationMs}). */
  expectedDurationMs?: (job: JobRecord) => number | undefined;
  /** Whether the caller receives completion signals for a job (see {@link DecideInput.signalsActive}). */
  signalsActive?: (job: JobRecord) => boolean;
  /** Upper bound of decide/execute steps in one call. Default 8. */
  maxSteps?: number;
  /**
   * Asked before every decision that calls the provider. Answer false to withhold it:
   * the reconcile then returns at once with that action in {@link ReconcileResult.withheld},
   * without persisting the decision. The Kubernetes runtime's observe-only mode lets polls
   * and adoptions through and withholds launches and cancels.
   */
  mayAct?: (action: Exclude<EngineAction, { kind: "none" }>) => boolean;
  /**
   * When the resource's key entered the caller's work queue (epoch ms, the clock's time
   * base): a job this reconcile launches records it as `timing.queuedMs`.
   */
  queuedAt?: number;
  /**
   * When the reconcile started, for the caller (epoch ms; default: when this call began):
   * a job it launches records it as `timing.reconcileMs`.
   */
  startedAt?: number;
  /** Receives the job lifecycle as trace spans (see {@link JobTracer}); none by default. */
  tracer?: JobTracer;
}

/** The result of {@link reconcile}: what the caller does next. */
export interface ReconcileResult {
  /** The status as last persisted. */
  status: ProvisioningStatus;
  /** Ensure, keep or release the finalizer. */
  finalizer: FinalizerAction;
  /** Reconcile again after this many ms; undefined when only a change should wake it. */
  requeueAfterMs?: number;
  /** Events to record, in order. */
  events: EngineEvent[];
  /** How many decisions were carried out. */
  steps: number;
  /** The action {@link ReconcileArgs.mayAct} withheld, if any. */
  withheld?: Exclude<EngineAction, { kind: "none" }>;
}

/**
 * Reconcile one resource: decide, persist when the decision says so, execute, persist,
 * and decide again, until the engine has nothing more to do now (or `maxSteps` is
 * reached, in which case it asks to be requeued at once).
 *
 * This is the driver the Kubernetes runtime uses; it works with any persistence that can
 * do a conditional write. Every status it persists is within the status budget
 * (`boundStatus`).
 *
 * @throws InvalidStatusError when `args.status` is not a provisioning status; no provider
 *   is called then.
 */
export async function reconcile<R extends ResourceObject>(
  args: ReconcileArgs<R>,
): Promise<ReconcileResult> {
  const providers = "directory" in args.providers ? args.providers : providerSet(args.providers);
  const options: EngineOptions = resolveEngineOptions(args.options);
  const clock = args.clock ?? Date.now;
  const signal = args.signal ?? new AbortController().signal;
  const maxSteps = args.maxSteps ?? 8;
  const desiredConfigVersion = bounded(
    "desiredConfigVersion",
    args.desiredConfigVersion ?? configVersion(args.resource.spec ?? {}),
  );
  const correlationIds = args.newCorrelationId ?? randomUUID;
  const newCorrelationId = () =>
    bounded("a correlation id from newCorrelationId", correlationIds());
  const deleting = args.deleting ?? Boolean(args.resource.metadata.deletionTimestamp);
  // Checked before anything else, so no provider is called on a status the engine could
  // misread or could not record a job in (InvalidStatusError names the field at fault).
  let status = args.status === undefined ? emptyStatus() : parseProvisioningStatus(args.status);
  const startedAt = args.startedAt ?? clock();
  // A queue time on another time base than the clock (or in the future) is not used.
  const queuedAt =
    args.queuedAt !== undefined &&
    args.queuedAt <= startedAt &&
    startedAt - args.queuedAt <= MAX_TIMING_OFFSET_MS
      ? args.queuedAt
      : undefined;
  const key = resourceKey(args.resource);
  const tracer = args.tracer;
  const trace = tracer ? safely(() => tracer.startReconcile(key, startedAt), undefined) : undefined;
  if (!trace) return run();
  try {
    const result = await run();
    safely(() => trace.end(clock()), undefined);
    return result;
  } catch (error) {
    safely(() => trace.end(clock(), error), undefined);
    throw error;
  }

  async function run(): Promise<ReconcileResult> {
    /** The status last persisted: a job is stamped `timing.writtenMs` once, when its end first is. */
    let persistedStatus = status;
    const events: EngineEvent[] = [];
    /** Persist `next` within the status budget; returns what was persisted. */
    const save = async (
      next: ProvisioningStatus,
      reason: PersistReason,
    ): Promise<ProvisioningStatus> => {
      const { status: stamped, ended } = stampEnds(persistedStatus, next, clock());
      const bounded = boundStatus(stamped);
      if (reason === "update" && sameJson(bounded, persistedStatus)) return bounded;
      await args.persist(bounded, reason);
      persistedStatus = bounded;
      if (tracer) {
        for (const job of bounded.jobs) {
          if (ended.has(`${job.type}:${job.jobId}`))
            safely(() => tracer.jobEnded(key, job), undefined);
        }
      }
      return bounded;
    };
    // A signal brings one read forward: once read, its job is not read again for it.
    let signaled = args.signaledJobIds;
    for (let step = 0; step < maxSteps; step++) {
      if (signal.aborted) throw new AbortedError("reconcile aborted");
      const input: DecideInput = {
        status,
        desiredConfigVersion,
        deleting,
        now: clock(),
        providers: providers.directory,
        options,
        newCorrelationId,
      };
      const generation = args.resource.metadata.generation;
      if (generation !== undefined) input.generation = generation;
      if (args.resolution) input.resolution = args.resolution;
      if (signaled && signaled.size > 0) input.signaledJobIds = signaled;
      if (args.expectedDurationMs) input.expectedDurationMs = args.expectedDurationMs;
      if (args.signalsActive) input.signalsActive = args.signalsActive;
      const decision = decide(input);
      if (decision.action.kind !== "none" && args.mayAct && !args.mayAct(decision.action)) {
        return {
          status,
          finalizer: deleting ? "keep" : "ensure",
          requeueAfterMs: options.pollIntervalMs,
          events,
          steps: step,
          withheld: decision.action,
        };
      }
      events.push(...decision.events);
      if (decision.action.kind === "none") {
        const saved = await save(decision.status, "update");
        const result: ReconcileResult = {
          status: saved,
          finalizer: decision.finalizer,
          events,
          steps: step,
        };
        if (decision.requeueAfterMs !== undefined) result.requeueAfterMs = decision.requeueAfterMs;
        return result;
      }
      if (trace) traceStep(trace, decision.action);
      if (decision.action.kind === "poll" && signaled?.has(decision.action.job.jobId)) {
        const read = decision.action.job.jobId;
        signaled = new Set([...signaled].filter((id) => id !== read));
      }
      if (decision.persistFirst) await save(decision.status, "before-launch");
      const outcome = await execute(decision, input, {
        resource: args.resource,
        providers,
        clock,
        signal,
        ...(args.launchSignal === undefined ? {} : { launchSignal: args.launchSignal }),
        ...(tracer === undefined ? {} : { tracer }),
        reconcileTiming: {
          startedAt,
          ...(queuedAt === undefined ? {} : { queuedAt }),
        },
      });
      events.push(...outcome.events);
      if (trace && decision.action.kind === "launch") {
        for (const job of outcome.status.jobs) {
          const launched = job.correlationId === decision.action.pending.correlationId;
          if (launched && job.traceparent) safely(() => trace.link(job.traceparent!), undefined);
        }
      }
      status = await save(outcome.status, "update");
    }
    return {
      status,
      finalizer: deleting ? "keep" : "ensure",
      requeueAfterMs: 0,
      events,
      steps: maxSteps,
    };
  }
}

/** Records a decision's action on the reconcile's span, linked to its job's span. */
function traceStep(trace: ReconcileTrace, action: EngineAction): void {
  safely(() => {
    if (action.kind === "poll" || action.kind === "cancel") {
      trace.step(action.kind, action.job.jobId);
      if (action.job.traceparent) trace.link(action.job.traceparent);
    } else {
      trace.step(action.kind === "launch" ? `launch ${action.type}` : action.kind);
    }
  }, undefined);
}

/**
 * `next` with `timing.seenMs` and `timing.writtenMs` (now) on every job whose end it holds
 * and `before` (the status last persisted) did not; `ended` holds their `type:jobId` keys.
 */
function stampEnds(
  before: ProvisioningStatus,
  next: ProvisioningStatus,
  now: number,
): { status: ProvisioningStatus; ended: Set<string> } {
  const ended = new Set<string>();
  const endedBefore = new Set(
    before.jobs.filter((j) => isTerminal(j.state)).map((j) => `${j.type}:${j.jobId}`),
  );
  const jobs = next.jobs.map((job) => {
    if (!isTerminal(job.state) || job.timing?.writtenMs !== undefined) return job;
    if (endedBefore.has(`${job.type}:${job.jobId}`)) return job;
    const timing = { ...job.timing };
    const seen = job.finishedAt === undefined ? undefined : timingOffset(job, job.finishedAt);
    if (timing.seenMs === undefined && seen !== undefined) timing.seenMs = seen;
    const written = timingOffset(job, now);
    if (written !== undefined) timing.writtenMs = written;
    const stamped: JobRecord = { ...job, timing };
    ended.add(`${job.type}:${job.jobId}`);
    return stamped;
  });
  return ended.size === 0 ? { status: next, ended } : { status: { ...next, jobs }, ended };
}

/** `value`, when it fits the status budget's `MAX_OPERATOR_STRING_CHARS`. */
function bounded(what: string, value: string): string {
  if (value.length > MAX_OPERATOR_STRING_CHARS) {
    throw new ConfigurationError(
      `${what} must be at most ${MAX_OPERATOR_STRING_CHARS} characters (it is stored in status), got ${value.length}`,
    );
  }
  return value;
}
