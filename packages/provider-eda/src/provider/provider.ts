import {
  ErrorCode,
  InvalidResponseError,
  JobState,
  isProviderError,
  isTerminal,
  resourceKey,
  type CallOptions,
  type DeprovisionResult,
  type JobRecord,
  type JobType,
  type Provider,
  type ProvisionResult,
  type ProvisionStatus,
  type ResourceObject,
  type TriggerDeprovisionOptions,
  type TriggerProvisionOptions,
} from "@provisionkit/core";
import { EdaClient } from "../client/index.js";
import { AapMode, type AapObservation } from "./aap-mode.js";
import { decodeEdaJobId, type EdaJobId } from "./job-id.js";
import type { EdaProviderOptions } from "./options.js";
import { resolveProviderOptions, type ResolvedProviderOptions } from "./resolve-options.js";
import {
  hasFinalizer,
  judgeDeprovision,
  judgeProvision,
  type Judgement,
  type ResourceJudgeContext,
} from "./resource-status.js";
import { EventSender } from "./send-event.js";
import { SentProvisions } from "./sent-provisions.js";

/** A judged status, with the AAP job it came from in AAP mode. */
interface Observed extends Judgement {
  aap?: AapObservation;
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
 *   running provision); `skipped` only when no provision was ever sent (P6).
 * - Identical events repeat at most every `minEventIntervalMs` (`RateLimitError`).
 * - AAP mode (option `aap`, an `AapProvider`): the real AAP job of each event is found by
 *   correlation id and its state reported; a running provision job is cancelled before
 *   deprovisioning; the provider then has `findJob` and `cancelJob`, which it lacks
 *   otherwise. The AAP side (lookup, reading, cancelling) is the `AapProvider`'s; see
 *   {@link EdaAapJobSource}.
 */
export class EdaProvider implements Provider {
  /** Provider name recorded on every job (P1). */
  readonly name: string;
  /** The sender this provider posts events through. */
  readonly client: EdaClient;
  /**
   * AAP mode only (absent otherwise): the job EDA launched for `query.correlationId`, found
   * through the `aap` option's `findJob`, under a synthetic EDA job id; `undefined` when AAP
   * has none. An event still queued in EDA has no job yet, so it is not found; the engine
   * looks again during its pending-launch grace period.
   */
  declare readonly findJob?: Provider["findJob"];
  /**
   * AAP mode only (absent otherwise): asks AAP to cancel the job EDA launched for the
   * event, through the `aap` option's `cancelJob`. Idempotent: a job that ended, or that
   * this provider already asked to cancel, needs nothing. An event still
   * queued in EDA cannot be cancelled: that throws a retryable `ProviderError`
   * (code `JOB_NOT_LAUNCHED`).
   */
  declare readonly cancelJob?: Provider["cancelJob"];

  readonly #options: ResolvedProviderOptions;
  readonly #sender: EventSender;
  readonly #aap: AapMode | undefined;
  readonly #warned = new Set<string>();
  readonly #sent: SentProvisions;

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
    this.#sender = new EventSender(this.client, this.#options);
    const { aap: source, blockDeletionOnFailure, pollIntervalMs, annotations } = this.#options;
    if (source !== undefined) {
      const aap = new AapMode({ source, blockDeletionOnFailure, pollIntervalMs, now, logger });
      this.#aap = aap;
      this.findJob = (resource, query, call) => aap.findJob(resource, query, call);
      this.cancelJob = (resource, jobId, type, call) =>
        aap.cancelJob(resource, jobId, this.#decode(jobId, type), call);
    }
    this.#sent = new SentProvisions({ annotations, aap: this.#aap, logger, now });
  }

  /**
   * Sends the provision event carrying `options.configVersion` and `options.correlationId`.
   *
   * Unless the previous one was carried out: when the newest provision event this provider
   * sent for the resource carried the same config version (the engine retries after that
   * job failed, typically on the provider's timeout) and there is evidence that its playbook
   * ran — the resource's write-back names it (applied-correlation-id and applied version,
   * no failure naming it), or in AAP mode AAP has a job for it that did not fail or get
   * cancelled — nothing is sent: the answer is a new job id for that earlier event, whose
   * status is judged as any other's. A write-back that is merely late then costs no second
   * run. Without evidence (a lost event, or a job still queued in EDA and not yet visible),
   * the event is sent. The memory of sent events is this process's: after a restart, a
   * retry sends again.
   */
  async triggerProvision(
    resource: ResourceObject,
    options: TriggerProvisionOptions,
  ): Promise<ProvisionResult> {
    const { configVersion, correlationId, signal } = options;
    const followed = await this.#sent.follow(resource, configVersion, signal);
    if (followed !== undefined) return followed;
    const { jobId, destination } = await this.#sender.send(
      resource,
      {
        operation: "provision",
        correlationId,
        configVersion,
        ...(options.traceparent !== undefined && { traceparent: options.traceparent }),
      },
      signal,
    );
    this.#sent.record(resource, {
      correlationId,
      configVersion,
      sentAt: decodeEdaJobId(jobId).sentAt,
    });
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
    return this.#status(resource, jobId, "provision", options.signal);
  }

  /**
   * P5: while the latest provision job this provider launched may still run, answer
   * `waiting` (in AAP mode, after asking AAP once to cancel it); `skipped` only when no
   * provision was ever sent (P6): no provision record, of any provider, and neither the
   * finalizer nor the applied-version annotation on the resource; else send the
   * deprovision event, which carries `blockDeletionOnFailure` for the playbook
   * (annotation `provisionkit.io/block-deletion-on-failure`).
   *
   * Any provision record is a reason to tear down, whatever its state: a succeeded job
   * whose write-back has not landed (or never will), a timed-out one whose write-back may
   * land late, a failed or cancelled one that may have built part of it. Nothing the
   * backend answers proves that an event touched nothing: EDA may launch a queued event
   * later, a rulebook's `retries` may launch another job for it, and a playbook that
   * failed may have built something first. A teardown of nothing costs one idempotent
   * playbook run; a skipped teardown of something is an orphan.
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
      const check = await this.#settleOwnProvision(resource, latest, options.signal);
      if (check?.retryAfterMs !== undefined) {
        return {
          action: "waiting",
          blockDeletionOnFailure: block,
          provisionJobStatus: check.status,
          retryAfterMs: check.retryAfterMs,
        };
      }
      provisionJobStatus = check?.status;
    }
    const { finalizer, annotations } = this.#options;
    // P6: skipped only when no provision was ever sent. The resource's marks count too (a
    // provision recorded elsewhere, or before the records were lost): the finalizer, and the
    // applied version, which a provision that ended after the deletion began writes without
    // the finalizer (the API server refuses new finalizers on an object being deleted).
    if (
      provisionJobs.length === 0 &&
      !hasFinalizer(resource, finalizer) &&
      resource.metadata.annotations?.[annotations.appliedConfigVersion] === undefined
    ) {
      return {
        action: "skipped",
        reason:
          `no provision job was ever launched for the resource, and neither finalizer ${finalizer} ` +
          `nor annotation ${annotations.appliedConfigVersion} is set on it: nothing to tear down`,
      };
    }
    const { jobId } = await this.#sender.send(
      resource,
      {
        operation: "deprovision",
        correlationId: options.correlationId,
        blockDeletionOnFailure: block,
        ...(options.traceparent !== undefined && { traceparent: options.traceparent }),
      },
      options.signal,
      // A finalizer that is not there when the delete event goes out cannot say, by being
      // gone, that the teardown ran: the id says so to whichever process judges the job.
      { acknowledgementOnly: !hasFinalizer(resource, finalizer) },
    );
    return {
      action: "triggered",
      jobId,
      blockDeletionOnFailure: block,
      ...(provisionJobStatus && { provisionJobStatus }),
    };
  }

  /** The deprovision job's status, from the resource (or the AAP job, in AAP mode). */
  async getDeprovisionStatus(
    resource: ResourceObject,
    jobId: string,
    options: CallOptions,
  ): Promise<ProvisionStatus> {
    return this.#status(resource, jobId, "deprovision", options.signal);
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

  async #status(
    resource: ResourceObject,
    jobId: string,
    operation: JobType,
    signal: AbortSignal,
  ): Promise<ProvisionStatus> {
    const job = this.#decode(jobId, operation);
    return (await this.#observe(resource, jobId, job, signal)).status;
  }

  #context(
    resource: ResourceObject,
    jobId: string,
    job: EdaJobId,
    queued: boolean,
  ): ResourceJudgeContext {
    const o = this.#options;
    const context: ResourceJudgeContext = {
      annotations: o.annotations,
      finalizer: o.finalizer,
      timeoutMs: job.operation === "provision" ? o.provisionTimeoutMs : o.deprovisionTimeoutMs,
      now: o.now(),
      onMalformedFailure: (reason) => this.#warnMalformed(resource, reason),
    };
    // A finalizer that was not there when the delete event went out cannot say, by being
    // gone, that the teardown ran: only the playbook's acknowledgement (or failure) can.
    if (job.acknowledgementOnly) context.acknowledgementOnly = true;
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
    if (this.#aap === undefined)
      return judge(resource, jobId, job, this.#context(resource, jobId, job, false));
    const aap = await this.#aap.observe(resource, jobId, job, signal);
    if (aap === undefined)
      return judge(resource, jobId, job, this.#context(resource, jobId, job, true));
    return { status: aap.status, remainingMs: Number.POSITIVE_INFINITY, aap };
  }

  /**
   * {@link EdaProvider.#settleProvision}, or `undefined` when AAP mode shows the record's
   * job was launched for another resource (P10: a record copied or forged into this
   * status): as `AapProvider` does, that job is neither cancelled nor waited for, and the
   * deprovision goes ahead. Waiting for it instead kept the deletion waiting for good: each
   * attempt failed with the same `JobOwnershipError`.
   */
  async #settleOwnProvision(
    resource: ResourceObject,
    record: JobRecord,
    signal: AbortSignal,
  ): Promise<{ status: ProvisionStatus; retryAfterMs?: number } | undefined> {
    try {
      return await this.#settleProvision(resource, record, signal);
    } catch (error) {
      if (!(isProviderError(error) && error.code === ErrorCode.JobNotOwned)) throw error;
      this.#options.logger.warn(
        { jobId: record.jobId, correlationId: record.correlationId },
        `the latest provision record's job is not this resource's (${error.message}): ` +
          "not cancelled, not waited for; deprovisioning",
      );
      return undefined;
    }
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
    if (observed.aap === undefined || this.#aap === undefined) {
      // Still queued or running in EDA: no cancel exists, so wait, but not past the timeout.
      const poll = this.#options.pollIntervalMs;
      return { status, retryAfterMs: Math.max(1, Math.ceil(Math.min(poll, observed.remainingMs))) };
    }
    return this.#aap.settle(resource, record.jobId, job, observed.aap, signal);
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
