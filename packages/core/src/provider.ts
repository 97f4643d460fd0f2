import type { JobRecord } from "./job-record.js";
import type { JobState, JobType } from "./job-state.js";
import type { ResourceObject } from "./resource.js";
import type { DeprovisionResult, FoundJob, ProvisionResult, ProvisionStatus } from "./results.js";

/** Options of every provider call. */
export interface CallOptions {
  /** Aborted when the caller gives up (shutdown, reconcile timeout). Honour it. */
  signal: AbortSignal;
}

/** Options of {@link Provider.triggerProvision}. */
export interface TriggerProvisionOptions extends CallOptions {
  /** The config version this job applies; a succeeded job reports it back or omits it (P4). */
  configVersion: string;
  /**
   * A fresh id for this launch. Pass it to the backend (an extra var, a label) so that
   * {@link Provider.findJob} can find the job again after a crash.
   */
  correlationId: string;
  /**
   * The W3C trace context of the job's span (`00-<trace id>-<span id>-<flags>`), present
   * when the runtime traces jobs. Pass it to the backend where it can carry it (an extra
   * var, an event field) so that the backend's own traces join the job's; never required.
   */
  traceparent?: string;
}

/** Options of {@link Provider.triggerDeprovision}. */
export interface TriggerDeprovisionOptions extends CallOptions {
  /** A fresh id for this launch, as for {@link TriggerProvisionOptions.correlationId}. */
  correlationId: string;
  /** The job span's W3C trace context, as for {@link TriggerProvisionOptions.traceparent}. */
  traceparent?: string;
}

/** What {@link Provider.findJob} looks for. */
export interface FindJobQuery {
  /** The correlation id the launch was made with. */
  correlationId: string;
  /** The kind of job that was launched. */
  type: JobType;
  /**
   * When the engine wrote the pending-launch marker (ISO-8601), just before it called
   * the launch: no job of this launch was created before it. A provider may use it to
   * bound its search (AAP: jobs created since then, less a clock-skew margin).
   */
  launchedAt?: string;
}

/**
 * A hint from a backend that one of its jobs may have changed state (it started or ended):
 * what {@link Provider.jobSignals} delivers. It is a hint, never a fact: the engine does not
 * trust it, it only reads the job through the status call sooner than its poll schedule
 * would. A signal that is lost, late, duplicated, reordered or forged therefore costs latency
 * (or one extra read), never correctness.
 */
export interface JobSignal {
  /** The job id, in the form the provider's launch calls return (e.g. `job:42`). */
  readonly jobId: string;
  /**
   * The state the sender claimed, when it said one. Informative only (logs, metrics): the
   * engine reads the job before it acts.
   */
  readonly stateHint?: JobState;
}

/** Receives {@link JobSignal}s; must not throw (what it throws is ignored). */
export type JobSignalListener = (signal: JobSignal) => void;

/** A subscription returned by {@link Provider.jobSignals}. */
export interface JobSignalSubscription {
  /** Stops delivering signals to this listener and releases what it holds. Idempotent. */
  close(): Promise<void>;
}

/**
 * The contract between the engine and an automation backend.
 *
 * Rules (each a conformance test): P1 `name` is stable and non-empty, nothing returned
 * carries secrets; P2 job ids are unique within a resource's history; P3 every job
 * reaches a terminal state through the status calls; P4 a succeeded provision reports the
 * version it was triggered with or none; P5 while the latest provision job is not
 * terminal, `triggerDeprovision` asks the backend to cancel it and answers `waiting`;
 * P6 `skipped` only when nothing was ever provisioned; P7 `triggered` and `waiting`
 * declare `blockDeletionOnFailure`; P8 rate limits throw `RateLimitError`, and transient
 * failures are told apart from permanent ones.
 *
 * Providers never touch Kubernetes: they get the resource as it is and return results.
 *
 * @typeParam R - the resource type the provider works with.
 */
export interface Provider<R extends ResourceObject = ResourceObject> {
  /** Stable, non-empty identifier recorded on every job this provider launches (P1). */
  readonly name: string;

  /**
   * Optional: the longest time, in ms, during which the backend can still create a
   * launch's job after the launch request ended on the client's side (answered, timed
   * out, reset, or the process stopped). With {@link Provider.findJob}, the engine
   * concludes that a launch whose outcome is unknown created no job only from a lookup
   * that began at least this long after the request ended, and launches again only then
   * (E5). Leave it undefined when the backend gives no such bound: the engine then never
   * concludes absence on its own; it keeps looking and a human resolves the launch.
   * `0` declares that a job exists as soon as its launch request ends.
   */
  readonly launchSettleMs?: number;

  /** Launch a provision job applying `options.configVersion`. Never retried blindly by the engine. */
  triggerProvision(resource: R, options: TriggerProvisionOptions): Promise<ProvisionResult>;

  /** Read a provision job's status. Throw `JobNotFoundError` when it is gone. */
  getProvisionStatus(resource: R, jobId: string, options: CallOptions): Promise<ProvisionStatus>;

  /**
   * Start tearing down, or say why not yet (see {@link DeprovisionResult}).
   *
   * @param provisionJobs - the resource's provision job records, oldest first, each naming
   *   the provider that launched it.
   */
  triggerDeprovision(
    resource: R,
    provisionJobs: readonly JobRecord[],
    options: TriggerDeprovisionOptions,
  ): Promise<DeprovisionResult>;

  /** Read a deprovision job's status. Throw `JobNotFoundError` when it is gone. */
  getDeprovisionStatus(resource: R, jobId: string, options: CallOptions): Promise<ProvisionStatus>;

  /**
   * Optional capability: find a job launched with `query.correlationId`, or `undefined`
   * when the backend has none. Lets the engine adopt a job launched just before a crash
   * instead of launching a duplicate (E5).
   */
  findJob?(resource: R, query: FindJobQuery, options: CallOptions): Promise<FoundJob | undefined>;

  /**
   * Optional capability: ask the backend to cancel a job. Idempotent; resolves once the
   * request was accepted (the job may take a while to reach `Canceled`). Used when the
   * spec changes while a provision job runs (with `onSpecChangeWhileRunning: "cancel"`)
   * and when a job exceeds its timeout.
   */
  cancelJob?(resource: R, jobId: string, type: JobType, options: CallOptions): Promise<void>;

  /**
   * Optional capability: subscribe to hints that jobs changed state, pushed by the backend
   * (for AAP: webhook notifications attached to the templates), so that a job's end is
   * noticed without waiting for the next poll. The Kubernetes runtime subscribes when it
   * starts and closes the subscription when it stops.
   *
   * Rules: a signal is a hint ({@link JobSignal}); the engine always reads the job through
   * {@link Provider.getProvisionStatus} / {@link Provider.getDeprovisionStatus} before it
   * acts, and polling stays on as the safety net, so a lost, late, duplicated or forged
   * signal costs latency only. A provider authenticates what it receives before it calls
   * the listener, and never puts a secret in a signal. Signals for jobs the runtime does
   * not know are ignored.
   */
  jobSignals?(listener: JobSignalListener): JobSignalSubscription;
}

/** What the pure engine needs to know about a provider: its name and capabilities. */
export interface ProviderCapabilities {
  /** The provider's name. */
  name: string;
  /** Whether it implements `findJob`. */
  canFindJob: boolean;
  /** Whether it implements `cancelJob`. */
  canCancel: boolean;
  /** {@link Provider.launchSettleMs}, when the provider declares it. */
  launchSettleMs?: number;
}

/**
 * The properties a provider declares about itself, apart from its name and methods: what a
 * wrapper that rebuilds a provider object must carry over so that the engine is told the
 * same thing about the wrapper as about the provider it wraps. Today that is
 * {@link Provider.launchSettleMs}; a wrapper that drops it silently turns automatic recovery
 * of a lost launch answer into a wait for a human (E5).
 */
export interface ProviderDeclarations {
  /** {@link Provider.launchSettleMs}, when the provider declares it. */
  readonly launchSettleMs?: number;
}

/**
 * The declarations of `provider` ({@link ProviderDeclarations}), to spread into a wrapper:
 * `{ name, ...providerDeclarations(inner), triggerProvision: ..., ... }`. Only the properties
 * the provider actually declares are present, so the result suits `exactOptionalPropertyTypes`.
 *
 * @param provider - the provider being wrapped.
 */
export function providerDeclarations(provider: Provider<never>): ProviderDeclarations {
  return provider.launchSettleMs === undefined ? {} : { launchSettleMs: provider.launchSettleMs };
}

/** The capabilities of a provider object. */
export function capabilitiesOf(provider: Provider<never>): ProviderCapabilities {
  return {
    name: provider.name,
    canFindJob: typeof provider.findJob === "function",
    canCancel: typeof provider.cancelJob === "function",
    ...providerDeclarations(provider),
  };
}
