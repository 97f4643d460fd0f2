import {
  ConfigurationError,
  isTerminal,
  silentLogger,
  type CallOptions,
  type DeprovisionResult,
  type FindJobQuery,
  type JobRecord,
  type JobSignalListener,
  type JobSignalSubscription,
  type JobType,
  type Logger,
  type Provider,
  type ProvisionResult,
  type ProvisionStatus,
  type ResourceObject,
  type TriggerDeprovisionOptions,
  type TriggerProvisionOptions,
} from "@provisionkit/core";
import { optionChecks } from "@provisionkit/core/http";
import { AapClient } from "../client/index.js";
import { PAYLOAD_ANNOTATIONS, defaultPayload, type AapAnnotationNames } from "./extra-vars.js";
import { findLaunchedJob, toFoundJob, type AapFoundJob } from "./find-job.js";
import { decodeJobId, encodeJobId } from "./job-id.js";
import { toProvisionStatus } from "./job-status.js";
import { Launcher, kindWord } from "./launch.js";
import {
  DEFAULT_LAUNCH_SETTLE_MS,
  type AapProviderOptions,
  type AapTemplateOptions,
} from "./options.js";
import { assertOwned, ownershipProblem } from "./ownership.js";
import { settleProvisionJob } from "./settle.js";
import { toJobState } from "./status-map.js";
import { TemplateResolver, templateNameFor, type TemplateName } from "./templates.js";

const DEFAULT_TEMPLATE_TTL_MS = 5 * 60_000;

/**
 * A provider that launches AAP (AWX / Automation Controller) job templates and workflow
 * job templates over the Controller REST API.
 *
 * - Provision launches the kind's provision template with the resource as
 *   `extra_vars.ansible_eda.event.payload` and the config version and correlation id under
 *   `extra_vars.provisionkit`; a succeeded job reports the version it was launched with.
 * - Deprovision (P5) first looks at the latest provision job this provider launched: while
 *   it runs, it is cancelled and the answer is `waiting`; once it is terminal or purged,
 *   the deprovision template is launched (`blockDeletionOnFailure` defaults to true).
 *   With no provision job at all the answer is `skipped` (P6).
 * - `findJob` finds a job by correlation id after a crash; `cancelJob` cancels. Jobs are
 *   recognised by their own record (the event annotations, see {@link AapAnnotationNames},
 *   else the `provisionkit` extra var), so a job an EDA rulebook launched for an
 *   `EdaProvider` event is found and read like one this provider launched: an
 *   `AapProvider` is what `EdaProvider`'s AAP mode (option `aap`) delegates to.
 *
 * Job ids are `job:<id>` or `workflow_job:<id>`, so workflow jobs are polled and
 * cancelled under `workflow_jobs/`.
 */
export class AapProvider implements Provider {
  /** Provider name recorded on every job (P1). */
  readonly name: string;
  /**
   * How long after a launch request ended AAP may still create its job (ms); see
   * `AapProviderOptions.launchSettleMs`. Default 300,000; undefined when the option is
   * `false` (no bound declared).
   */
  readonly launchSettleMs: number | undefined;
  /** The client this provider talks through. */
  readonly client: AapClient;
  /**
   * `Provider.jobSignals`: present only when the `notifications` option gave a receiver;
   * delivers the job signals of the AAP webhook notifications it accepts.
   */
  readonly jobSignals?: (listener: JobSignalListener) => JobSignalSubscription;
  private readonly templates: AapTemplateOptions;
  private readonly resolver: TemplateResolver;
  private readonly launcher: Launcher;
  private readonly names: AapAnnotationNames;
  private readonly blockDeletionOnFailure: boolean;
  private readonly findJobMaxPages: number;
  private readonly logger: Logger;

  /** @param options - see {@link AapProviderOptions}. */
  constructor(options: AapProviderOptions) {
    this.name = options.name ?? "aap";
    if (typeof this.name !== "string" || this.name.trim() === "") {
      throw new ConfigurationError("AapProvider name must be a non-empty string");
    }
    this.logger = options.logger ?? silentLogger;
    this.client =
      options.client instanceof AapClient
        ? options.client
        : new AapClient({ logger: this.logger, ...options.client });
    this.templates = options.templates ?? {};
    const now = options.now ?? Date.now;
    this.resolver = new TemplateResolver(
      this.client,
      positive(options.templateCacheTtlMs, DEFAULT_TEMPLATE_TTL_MS, "templateCacheTtlMs", true),
      now,
    );
    this.names = annotationNames(options.annotations);
    this.launcher = new Launcher({
      client: this.client,
      resolver: this.resolver,
      names: this.names,
      payload: options.payload ?? defaultPayload,
      extraVars: options.extraVars,
      now,
      logger: this.logger,
    });
    this.blockDeletionOnFailure = options.blockDeletionOnFailure ?? true;
    const receiver = options.notifications;
    if (receiver !== undefined) {
      if (typeof receiver?.subscribe !== "function") {
        throw new ConfigurationError(
          "AapProvider notifications must be an AapNotificationReceiver",
        );
      }
      this.jobSignals = (listener) => receiver.subscribe(listener);
    }
    this.findJobMaxPages = positive(options.findJobMaxPages, 10, "findJobMaxPages", false);
    this.launchSettleMs =
      options.launchSettleMs === false
        ? undefined
        : optionChecks("AapProvider").milliseconds(
            "launchSettleMs",
            options.launchSettleMs,
            DEFAULT_LAUNCH_SETTLE_MS,
            0,
          );
  }

  /** Launch the resource kind's provision template. */
  async triggerProvision(
    resource: ResourceObject,
    options: TriggerProvisionOptions,
  ): Promise<ProvisionResult> {
    const job = await this.launch(resource, "provision", options.correlationId, options.signal, {
      configVersion: options.configVersion,
      ...(options.traceparent !== undefined && { traceparent: options.traceparent }),
    });
    return {
      jobId: encodeJobId(job),
      initialState: toJobState(job.status),
      message: `launched AAP ${kindWord(job.kind)} ${job.id} (${job.name}) to apply ${options.configVersion}`,
    };
  }

  /**
   * Read a provision job; a succeeded one reports the version it was launched with (P4).
   * One request; the job's own launch record, in the same answer, must name this resource
   * (see {@link AapProvider.cancelJob} for the rule), else `JobOwnershipError` and no status.
   */
  async getProvisionStatus(
    resource: ResourceObject,
    jobId: string,
    options: CallOptions,
  ): Promise<ProvisionStatus> {
    return this.readStatus(resource, jobId, "provision", options.signal);
  }

  /**
   * P5: while the latest provision job launched by this provider still runs in AAP, ask
   * AAP to cancel it and answer `waiting`; once it is terminal (or purged), launch the
   * deprovision template. `skipped` when no provision job was ever launched (P6). A record
   * that is already terminal (not `awaitingEnd`) is not read from AAP again.
   *
   * When the latest record's AAP job is not this resource's provision job of that record's
   * correlation id (its own launch record says otherwise, or it has none), it is neither
   * cancelled nor waited for, its status is not returned, and the deprovision is launched:
   * the record does not describe anything this resource runs (the engine marked it failed,
   * "not owned", when it polled it), and tearing this resource down is what was asked.
   */
  async triggerDeprovision(
    resource: ResourceObject,
    provisionJobs: readonly JobRecord[],
    options: TriggerDeprovisionOptions,
  ): Promise<DeprovisionResult> {
    const latest = provisionJobs.at(-1);
    if (!latest) {
      return {
        action: "skipped",
        reason: "no provision job was ever launched for this resource, so nothing to tear down",
      };
    }
    let provisionJobStatus: ProvisionStatus | undefined;
    // A record the engine saw end (and not merely timed out) is not read again: AAP never
    // moves a finished job back (issue 17: no call that cannot change anything).
    const mayRun = !isTerminal(latest.state) || latest.awaitingEnd === true;
    if (latest.provider === this.name && mayRun) {
      const expected = {
        resource,
        operation: "provision" as const,
        correlationId: latest.correlationId,
      };
      const check = await settleProvisionJob(latest.jobId, {
        client: this.client,
        names: this.names,
        logger: this.logger,
        signal: options.signal,
        ownershipProblem: (job) => ownershipProblem(job, expected, this.names),
      });
      if (check.notOwned !== undefined) {
        this.logger.warn(
          { jobId: latest.jobId, correlationId: latest.correlationId },
          `the latest provision record's job is not this resource's (${check.notOwned}): ` +
            "not cancelled, not waited for; deprovisioning",
        );
      }
      if (check.running) {
        return {
          action: "waiting",
          blockDeletionOnFailure: this.blockDeletionOnFailure,
          provisionJobStatus: check.status,
        };
      }
      provisionJobStatus = check.status;
    }
    const job = await this.launch(resource, "deprovision", options.correlationId, options.signal, {
      blockDeletionOnFailure: this.blockDeletionOnFailure,
      ...(options.traceparent !== undefined && { traceparent: options.traceparent }),
    });
    return {
      action: "triggered",
      jobId: encodeJobId(job),
      blockDeletionOnFailure: this.blockDeletionOnFailure,
      ...(provisionJobStatus && { provisionJobStatus }),
    };
  }

  /** Read a deprovision job: one request, checked like {@link AapProvider.getProvisionStatus}. */
  async getDeprovisionStatus(
    resource: ResourceObject,
    jobId: string,
    options: CallOptions,
  ): Promise<ProvisionStatus> {
    return this.readStatus(resource, jobId, "deprovision", options.signal);
  }

  /**
   * Find the job launched with `query.correlationId` for `query.type` from the template this
   * resource's operation uses, or `undefined` when AAP has none.
   * A job an EDA rulebook launched for an `EdaProvider` event is found too: its record is
   * read from the event annotations (option `annotations`: use the same names as the
   * `EdaProvider`). A found provision job says the config version it was launched with.
   *
   * AWX refuses filters on `extra_vars` (403), so the template's jobs are read newest first,
   * 200 per request (only those created since `query.launchedAt` less five minutes, when
   * given), and each one's extra vars checked: a lookup costs one request per 200 jobs the
   * template ran since the launch sought (plus the template lookup, cached), and "none" one
   * request per 200 jobs listed, at most `findJobMaxPages`; beyond that it fails
   * (retryable, code `LOOKUP_INCOMPLETE`) rather than answering "none". The correlation id
   * is compared exactly, and a job launched for another resource (its record's uid) is
   * skipped, never answered.
   */
  async findJob(
    resource: ResourceObject,
    query: FindJobQuery,
    options: CallOptions,
  ): Promise<AapFoundJob | undefined> {
    const template = await this.resolver.resolve(
      this.templateName(resource, query.type),
      options.signal,
    );
    const job = await findLaunchedJob(template, query, {
      client: this.client,
      names: this.names,
      maxPages: this.findJobMaxPages,
      logger: this.logger,
      signal: options.signal,
      resource,
    });
    return job && toFoundJob(job, query, this.names);
  }

  /**
   * Ask AAP to cancel a job. A job that is already terminal (AAP answers 405) needs no
   * cancel, so that resolves too; a purged job throws `JobNotFoundError`.
   *
   * Two requests: the job is read first, and cancelled only when its own launch record
   * (the event annotations, else the `provisionkit` extra var) says it was launched for
   * `type` and for this resource: the record's resource uid is the resource's
   * `metadata.uid` (or, when it names no uid, its resource key is the resource's). A job
   * with no launch record at all (launched by hand or by another tool) or of another
   * resource throws `JobOwnershipError` (code `JOB_NOT_OWNED`), and no cancel is sent.
   * A record that names no resource (a rulebook's payload without `metadata.uid`) is
   * accepted.
   */
  async cancelJob(
    resource: ResourceObject,
    jobId: string,
    type: JobType,
    options: CallOptions,
  ): Promise<void> {
    const ref = decodeJobId(jobId);
    const job = await this.client.getJob(ref, { signal: options.signal });
    assertOwned(jobId, job, { resource, operation: type }, this.names);
    await this.client.cancelJob(ref, { signal: options.signal });
  }

  // ------------------------------------------------------------------ internals

  private async readStatus(
    resource: ResourceObject,
    jobId: string,
    operation: JobType,
    signal: AbortSignal,
  ): Promise<ProvisionStatus> {
    const job = await this.client.getJob(decodeJobId(jobId), { signal });
    assertOwned(jobId, job, { resource, operation }, this.names);
    return toProvisionStatus(jobId, job, operation, this.names);
  }

  private templateName(resource: ResourceObject, operation: JobType): TemplateName {
    return templateNameFor(this.templates, resource, operation);
  }

  private launch(
    resource: ResourceObject,
    operation: JobType,
    correlationId: string,
    signal: AbortSignal,
    vars: { configVersion?: string; blockDeletionOnFailure?: boolean; traceparent?: string },
  ) {
    const template = this.templateName(resource, operation);
    return this.launcher.launch({ resource, operation, template, correlationId, signal, vars });
  }
}

function annotationNames(names: Partial<AapAnnotationNames> | undefined): AapAnnotationNames {
  const resolved = { ...PAYLOAD_ANNOTATIONS, ...names };
  for (const [key, value] of Object.entries(resolved)) {
    if (typeof value !== "string" || value.trim() === "") {
      throw new ConfigurationError(
        `AapProvider option annotations.${key} must be a non-empty string`,
        { details: { option: `annotations.${key}` } },
      );
    }
  }
  return resolved;
}

function positive(
  value: number | undefined,
  fallback: number,
  name: string,
  zeroOk: boolean,
): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0 || (!zeroOk && value === 0)) {
    throw new ConfigurationError(
      `AapProvider option ${name} must be a ${zeroOk ? "non-negative" : "positive"} number, got ${value}`,
    );
  }
  return value;
}
