import {
  ErrorCode,
  InvalidResponseError,
  JobState,
  ProviderError,
  RateLimitError,
  isOutcomeUnknown,
  isProviderError,
  isTerminal,
  resourceKey,
  type CallOptions,
  type DeprovisionResult,
  type FindJobQuery,
  type FoundJob,
  type JobRecord,
  type JobType,
  type Provider,
  type ProvisionResult,
  type ProvisionStatus,
  type ResourceObject,
  type TriggerDeprovisionOptions,
  type TriggerProvisionOptions,
} from "@provisionkit/core";
import { EdaClient, type EdaDestination } from "../client/index.js";
import { AapJobFinder, eventAnnotations } from "./aap/finder.js";
import { aapJobState, aapJobStatus } from "./aap/status.js";
import type { EdaAapJob } from "./aap/types.js";
import { decodeEdaJobId, encodeEdaJobId, type EdaJobId } from "./job-id.js";
import type { EdaProviderOptions } from "./options.js";
import { eventBody } from "./payload.js";
import { resolveProviderOptions, type ResolvedProviderOptions } from "./resolve-options.js";
import {
  hasFinalizer,
  judgeDeprovision,
  judgeProvision,
  type Judgement,
  type ResourceJudgeContext,
} from "./resource-status.js";
import { EventThrottle } from "./throttle.js";

/** A judged status, with the AAP job it came from in AAP mode. */
interface Observed extends Judgement {
  aapJob?: EdaAapJob;
}

/** Warnings about one malformed failure annotation are given once; this many are remembered. */
const MAX_WARNED = 1000;

/**
 * A provider that hands resources to Event-Driven Ansible: it posts an event to an
 * `ansible.eda.webhook` source or an AAP event stream, and reads the outcome back from the
 * resource, where the playbooks write it (docs/eda-protocol.md).
 *
 * - EDA answers 200 when it *queued* an event and returns no job, so job ids are synthetic
 *   (`eda:<operation>:<correlation id>:<sent at>[:<config version>]`, see
 *   {@link encodeEdaJobId}): unique because the correlation id is fresh per launch (P2).
 * - A provision succeeds when the applied-version annotation equals the version its event
 *   carried (reported as `reconciledVersion`, P4) and, when the applied-correlation-id
 *   annotation is present, it names this job; it fails when the failure annotation names
 *   this job, or after `provisionTimeoutMs` from the send (P3). A deprovision succeeds on
 *   the playbook's acknowledgement (the applied-correlation-id annotation naming this job)
 *   or, from playbooks that never write it, when the finalizer is gone; it fails likewise,
 *   and a failure naming this job wins over a gone finalizer (a failed deprovision playbook
 *   removes the finalizer when its event says `blockDeletionOnFailure` is false).
 * - Deprovision (P5): while the latest provision job this provider launched may still run,
 *   the answer is `waiting` (EDA cannot cancel; the delete event is not fired into a
 *   running provision); `skipped` when the finalizer was never set (P6).
 * - Identical events repeat at most every `minEventIntervalMs` (`RateLimitError`).
 * - AAP mode (option `aap`): the real AAP job of each event is found by correlation id and
 *   its state reported; a running provision job is cancelled before deprovisioning; the
 *   provider then has `findJob` and `cancelJob`, which it lacks otherwise.
 */
export class EdaProvider implements Provider {
  /** Provider name recorded on every job (P1). */
  readonly name: string;
  /** The sender this provider posts events through. */
  readonly client: EdaClient;
  /**
   * AAP mode only (absent otherwise): the job EDA launched for `query.correlationId`, or
   * `undefined` when AAP has none. An event still queued in EDA has no job yet, so it is
   * not found; the engine looks again during its pending-launch grace period.
   */
  declare readonly findJob?: (
    resource: ResourceObject,
    query: FindJobQuery,
    options: CallOptions,
  ) => Promise<FoundJob | undefined>;
  /**
   * AAP mode only (absent otherwise): asks AAP to cancel the job EDA launched for the
   * event. Idempotent: a job already cancelling or ended needs nothing. An event still
   * queued in EDA cannot be cancelled: that throws a retryable `ProviderError`
   * (code `JOB_NOT_LAUNCHED`).
   */
  declare readonly cancelJob?: (
    resource: ResourceObject,
    jobId: string,
    type: JobType,
    options: CallOptions,
  ) => Promise<void>;

  readonly #options: ResolvedProviderOptions;
  readonly #throttle: EventThrottle;
  readonly #finder: AapJobFinder | undefined;
  readonly #warned = new Set<string>();

  /**
   * Validates every option synchronously (nothing is sent, no secret is read).
   *
   * @param options - see {@link EdaProviderOptions}.
   * @throws ConfigurationError naming the bad option.
   */
  constructor(options: EdaProviderOptions) {
    this.#options = resolveProviderOptions(options);
    const { logger, now } = this.#options;
    this.client = new EdaClient({ ...options, logger, now });
    this.name = this.#options.name;
    this.#throttle = new EventThrottle(this.#options.minEventIntervalMs);
    const { aap } = this.#options;
    if (aap !== undefined) {
      const finder = new AapJobFinder(aap, this.#options.annotations);
      this.#finder = finder;
      this.findJob = (resource, query, call) => this.#findJob(finder, resource, query, call);
      this.cancelJob = (resource, jobId, type, call) => this.#cancelJob(finder, jobId, type, call);
    }
  }

  /** Sends the provision event carrying `options.configVersion` and `options.correlationId`. */
  async triggerProvision(
    resource: ResourceObject,
    options: TriggerProvisionOptions,
  ): Promise<ProvisionResult> {
    const { configVersion, correlationId, signal } = options;
    const { jobId, destination } = await this.#sendEvent(
      resource,
      { operation: "provision", correlationId, configVersion },
      signal,
    );
    return {
      jobId,
      initialState: JobState.Pending,
      message:
        `provision event for config version ${configVersion} queued by EDA at ${destination.path}; ` +
        "waiting for the playbook to write back",
    };
  }

  /** The provision job's status, from the resource (or the AAP job, in AAP mode). */
  async getProvisionStatus(
    resource: ResourceObject,
    jobId: string,
    options: CallOptions,
  ): Promise<ProvisionStatus> {
    const job = this.#decode(jobId, "provision");
    return (await this.#observe(resource, jobId, job, options.signal)).status;
  }

  /**
   * P5: while the latest provision job this provider launched may still run, answer
   * `waiting` (in AAP mode, after asking AAP once to cancel it); `skipped` when neither the
   * finalizer nor the applied-version annotation was ever set (P6); else send the
   * deprovision event, which carries `blockDeletionOnFailure` for the playbook
   * (annotation `provisionkit.io/block-deletion-on-failure`).
   *
   * A latest provision record of another provider is not judged here: the engine drives
   * it to a terminal state first.
   */
  async triggerDeprovision(
    resource: ResourceObject,
    provisionJobs: readonly JobRecord[],
    options: TriggerDeprovisionOptions,
  ): Promise<DeprovisionResult> {
    const block = this.#options.blockDeletionOnFailure;
    const latest = provisionJobs.at(-1);
    let provisionJobStatus: ProvisionStatus | undefined;
    // A record the engine saw end (and not only time out) is final; anything else is judged.
    if (
      latest?.provider === this.name &&
      (!isTerminal(latest.state) || latest.awaitingEnd === true)
    ) {
      const check = await this.#settleProvision(resource, latest, options.signal);
      if (check.retryAfterMs !== undefined) {
        return {
          action: "waiting",
          blockDeletionOnFailure: block,
          provisionJobStatus: check.status,
          retryAfterMs: check.retryAfterMs,
        };
      }
      provisionJobStatus = check.status;
    }
    const { finalizer, annotations } = this.#options;
    // Nothing was provisioned when the playbook never added the finalizer and never wrote
    // an applied version. The version alone counts too: a provision that ended after the
    // deletion began cannot add the finalizer (the API server refuses new finalizers on an
    // object being deleted) yet did build something.
    if (
      !hasFinalizer(resource, finalizer) &&
      resource.metadata.annotations?.[annotations.appliedConfigVersion] === undefined
    ) {
      return {
        action: "skipped",
        reason:
          `neither finalizer ${finalizer} nor annotation ${annotations.appliedConfigVersion} was ` +
          "ever set on the resource: nothing was provisioned, so nothing to tear down",
      };
    }
    const { jobId } = await this.#sendEvent(
      resource,
      {
        operation: "deprovision",
        correlationId: options.correlationId,
        blockDeletionOnFailure: block,
      },
      options.signal,
    );
    const result: DeprovisionResult = { action: "triggered", jobId, blockDeletionOnFailure: block };
    if (provisionJobStatus) result.provisionJobStatus = provisionJobStatus;
    return result;
  }

  /** The deprovision job's status, from the resource (or the AAP job, in AAP mode). */
  async getDeprovisionStatus(
    resource: ResourceObject,
    jobId: string,
    options: CallOptions,
  ): Promise<ProvisionStatus> {
    const job = this.#decode(jobId, "deprovision");
    return (await this.#observe(resource, jobId, job, options.signal)).status;
  }

  // ------------------------------------------------------------------ internals

  #decode(jobId: string, operation: JobType): EdaJobId {
    const job = decodeEdaJobId(jobId);
    if (job.operation !== operation) {
      throw new InvalidResponseError(
        `job ${jobId} is a ${job.operation} job, not a ${operation} job`,
        {
          retryable: false,
          details: { jobId },
        },
      );
    }
    return job;
  }

  async #sendEvent(
    resource: ResourceObject,
    event: {
      operation: JobType;
      correlationId: string;
      configVersion?: string;
      blockDeletionOnFailure?: boolean;
    },
    signal: AbortSignal,
  ): Promise<{ jobId: string; destination: EdaDestination }> {
    const { operation, correlationId, configVersion } = event;
    const destination = this.client.destination(resource.kind, operation);
    const payload = eventBody(this.#options.payload(resource), this.#options.annotations, event);
    const key = [
      resource.metadata.uid ?? resourceKey(resource),
      destination.url,
      operation,
      configVersion ?? "",
    ].join("\n");
    const now = Math.floor(this.#options.now());
    const left = this.#throttle.remaining(key, now);
    if (left > 0) {
      const min = this.#options.minEventIntervalMs;
      throw new RateLimitError(
        `EDA: an identical ${operation} event${configVersion === undefined ? "" : ` (config version ${configVersion})`} ` +
          `for ${resourceKey(resource)} was sent to ${destination.path} ${seconds(min - left)} ago; identical events ` +
          `repeat at most every ${seconds(min)} (minEventIntervalMs): retry in ${seconds(left)}`,
        left,
        { outcomeUnknown: false, details: { option: "minEventIntervalMs", retryAfterMs: left } },
      );
    }
    const jobId = encodeEdaJobId({ operation, correlationId, sentAt: now, configVersion });
    this.#throttle.record(key, now);
    try {
      await this.client.send(
        { kind: resource.kind, operation, payload, correlationId },
        { signal },
      );
    } catch (error) {
      // Only an event that surely did not arrive may be sent again at once.
      if (!isOutcomeUnknown(error)) this.#throttle.forget(key, now);
      throw error;
    }
    this.#options.logger.info(
      { resource: resourceKey(resource), operation, correlationId, jobId, path: destination.path },
      `EDA queued the ${operation} event`,
    );
    return { jobId, destination };
  }

  #context(resource: ResourceObject, job: EdaJobId, queued: boolean): ResourceJudgeContext {
    const o = this.#options;
    const context: ResourceJudgeContext = {
      annotations: o.annotations,
      finalizer: o.finalizer,
      timeoutMs: job.operation === "provision" ? o.provisionTimeoutMs : o.deprovisionTimeoutMs,
      now: o.now(),
      onMalformedFailure: (reason) => this.#warnMalformed(resource, reason),
    };
    if (queued) {
      context.waitingState = JobState.Pending;
      context.waitingNote = `queued in EDA: no AAP job with correlation id ${job.correlationId} yet`;
    }
    return context;
  }

  /**
   * In AAP mode the AAP job's state when EDA launched one; otherwise (or while none
   * exists) the resource's answer, under the timeout.
   */
  async #observe(
    resource: ResourceObject,
    jobId: string,
    job: EdaJobId,
    signal: AbortSignal,
  ): Promise<Observed> {
    const judge = job.operation === "provision" ? judgeProvision : judgeDeprovision;
    if (this.#finder === undefined)
      return judge(resource, jobId, job, this.#context(resource, job, false));
    const found = await this.#finder.find(job.correlationId, job.operation, signal);
    if (found.job === undefined)
      return judge(resource, jobId, job, this.#context(resource, job, true));
    return {
      status: aapJobStatus(jobId, found.job, job.operation, job.configVersion),
      remainingMs: Number.POSITIVE_INFINITY,
      aapJob: found.job,
    };
  }

  /** Whether the provision job may still run (`retryAfterMs` set) and its status (P5). */
  async #settleProvision(
    resource: ResourceObject,
    record: JobRecord,
    signal: AbortSignal,
  ): Promise<{ status: ProvisionStatus; retryAfterMs?: number }> {
    const job = this.#decode(record.jobId, "provision");
    const observed = await this.#observe(resource, record.jobId, job, signal);
    const { status } = observed;
    if (isTerminal(status.state)) return { status };
    const poll = this.#options.pollIntervalMs;
    const aapJob = observed.aapJob;
    if (aapJob === undefined || this.#options.aap === undefined) {
      // Still queued or running in EDA: no cancel exists, so wait, but not past the timeout.
      return { status, retryAfterMs: Math.max(1, Math.ceil(Math.min(poll, observed.remainingMs))) };
    }
    // A cancel already requested (AAP records canceled_on) needs no second one (P5).
    if (aapJob.canceledOn) return { status, retryAfterMs: poll };
    const aap = this.#options.aap;
    const ref = { kind: aapJob.kind, id: aapJob.id };
    let after: EdaAapJob;
    try {
      const answer = await aap.cancelJob(ref, { signal });
      this.#options.logger.info(
        { jobId: record.jobId, aapJob: `${ref.kind}:${ref.id}`, answer },
        answer === "requested"
          ? "asked AAP to cancel the running provision job before deprovisioning"
          : "the provision job could no longer be cancelled; reading its final state",
      );
      // A pending job is cancelled inside the request; a running one takes a while.
      after = await aap.getJob(ref, { signal });
    } catch (error) {
      if (!(isProviderError(error) && error.code === ErrorCode.JobNotFound)) throw error;
      return { status }; // purged: nothing runs any more
    }
    const now = aapJobStatus(record.jobId, after, "provision", job.configVersion);
    return isTerminal(now.state) ? { status: now } : { status: now, retryAfterMs: poll };
  }

  async #findJob(
    finder: AapJobFinder,
    _resource: ResourceObject,
    query: FindJobQuery,
    options: CallOptions,
  ): Promise<FoundJob | undefined> {
    const { correlationId, type } = query;
    const found = await finder.find(correlationId, type, options.signal);
    const job = found.job;
    if (job === undefined) {
      if (found.complete) return undefined;
      throw new ProviderError(
        `more AAP jobs mention correlation id ${correlationId} than one page holds, and none of those read carries it: cannot tell whether EDA launched the job`,
        { code: "LOOKUP_INCOMPLETE", retryable: true },
      );
    }
    const version = eventAnnotations(job)?.[this.#options.annotations.configVersion];
    if (type === "provision" && (typeof version !== "string" || version === "")) {
      throw new InvalidResponseError(
        `AAP ${job.kind} ${job.id} carries correlation id ${correlationId} but no ${this.#options.annotations.configVersion} annotation in its event`,
        { retryable: false, details: { aapJobId: job.id } },
      );
    }
    const created = job.created === undefined ? Number.NaN : Date.parse(job.created);
    const sentAt = Number.isFinite(created) ? created : Math.floor(this.#options.now());
    const configVersion = type === "provision" ? (version as string) : undefined;
    const jobId = encodeEdaJobId({ operation: type, correlationId, sentAt, configVersion });
    const result: FoundJob = aapJobStatus(jobId, job, type, configVersion);
    if (type === "deprovision")
      result.blockDeletionOnFailure = this.#options.blockDeletionOnFailure;
    return result;
  }

  async #cancelJob(
    finder: AapJobFinder,
    jobId: string,
    type: JobType,
    options: CallOptions,
  ): Promise<void> {
    const job = this.#decode(jobId, type);
    const found = await finder.find(job.correlationId, job.operation, options.signal);
    const aapJob = found.job;
    if (aapJob === undefined) {
      throw new ProviderError(
        `job ${jobId} has no AAP job yet (the event is queued in EDA, or was lost): nothing to cancel yet`,
        { code: "JOB_NOT_LAUNCHED", retryable: true, details: { jobId } },
      );
    }
    if (isTerminal(aapJobState(aapJob.status)) || aapJob.canceledOn) return;
    try {
      await this.#options.aap?.cancelJob(
        { kind: aapJob.kind, id: aapJob.id },
        { signal: options.signal },
      );
    } catch (error) {
      if (!(isProviderError(error) && error.code === ErrorCode.JobNotFound)) throw error;
    }
  }

  #warnMalformed(resource: ResourceObject, reason: string): void {
    const raw = resource.metadata.annotations?.[this.#options.annotations.failure] ?? "";
    const key = `${resource.metadata.uid ?? resourceKey(resource)}\n${raw}`;
    if (this.#warned.has(key)) return;
    if (this.#warned.size >= MAX_WARNED) this.#warned.clear();
    this.#warned.add(key);
    this.#options.logger.warn(
      { resource: resourceKey(resource), annotation: this.#options.annotations.failure, reason },
      "ignoring a malformed playbook failure annotation",
    );
  }
}

function seconds(ms: number): string {
  return `${Math.ceil(ms / 1000)} s`;
}
