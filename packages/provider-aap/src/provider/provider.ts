import {
  ConfigurationError,
  ProviderError,
  isProviderError,
  isTerminal,
  silentLogger,
  type CallOptions,
  type DeprovisionResult,
  type FindJobQuery,
  type FoundJob,
  type JobRecord,
  type JobType,
  type Logger,
  type Provider,
  type ProvisionResult,
  type ProvisionStatus,
  type ResourceObject,
  type TriggerDeprovisionOptions,
  type TriggerProvisionOptions,
} from "@provisionkit/core";
import { AapClient, type AapJob, type AapJobKind, type AapTemplate } from "../client/index.js";
import {
  annotatePayload,
  buildExtraVars,
  defaultPayload,
  readProvisionkitVars,
} from "./extra-vars.js";
import { decodeJobId, encodeJobId } from "./job-id.js";
import { toProvisionStatus } from "./job-status.js";
import { toJobState } from "./status-map.js";
import type { AapProviderOptions, AapTemplateOptions } from "./options.js";
import {
  TemplateResolver,
  describeTemplate,
  templateNameFor,
  type TemplateName,
} from "./templates.js";

const DEFAULT_TEMPLATE_TTL_MS = 5 * 60_000;
const FIND_PAGE_SIZE = 200;

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
 * - `findJob` finds a job by correlation id after a crash; `cancelJob` cancels.
 *
 * Job ids are `job:<id>` or `workflow_job:<id>`, so workflow jobs are polled and
 * cancelled under `workflow_jobs/`.
 */
export class AapProvider implements Provider {
  /** Provider name recorded on every job (P1). */
  readonly name: string;
  /** The client this provider talks through. */
  readonly client: AapClient;
  private readonly templates: AapTemplateOptions;
  private readonly resolver: TemplateResolver;
  private readonly blockDeletionOnFailure: boolean;
  private readonly payload: (resource: ResourceObject) => unknown;
  private readonly extraVars: AapProviderOptions["extraVars"];
  private readonly findJobMaxPages: number;
  private readonly now: () => number;
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
    this.now = options.now ?? Date.now;
    this.resolver = new TemplateResolver(
      this.client,
      positive(options.templateCacheTtlMs, DEFAULT_TEMPLATE_TTL_MS, "templateCacheTtlMs", true),
      this.now,
    );
    this.blockDeletionOnFailure = options.blockDeletionOnFailure ?? true;
    this.payload = options.payload ?? defaultPayload;
    this.extraVars = options.extraVars;
    this.findJobMaxPages = positive(options.findJobMaxPages, 10, "findJobMaxPages", false);
  }

  /** Launch the resource kind's provision template. */
  async triggerProvision(
    resource: ResourceObject,
    options: TriggerProvisionOptions,
  ): Promise<ProvisionResult> {
    const job = await this.launch(resource, "provision", options.correlationId, options.signal, {
      configVersion: options.configVersion,
    });
    return {
      jobId: encodeJobId(job),
      initialState: toJobState(job.status),
      message: `launched AAP ${kindWord(job.kind)} ${job.id} (${job.name}) to apply ${options.configVersion}`,
    };
  }

  /** Read a provision job; a succeeded one reports the version it was launched with (P4). */
  async getProvisionStatus(
    _resource: ResourceObject,
    jobId: string,
    options: CallOptions,
  ): Promise<ProvisionStatus> {
    const job = await this.client.getJob(decodeJobId(jobId), { signal: options.signal });
    return toProvisionStatus(jobId, job, "provision");
  }

  /**
   * P5: while the latest provision job launched by this provider still runs in AAP, ask
   * AAP to cancel it and answer `waiting`; once it is terminal (or purged), launch the
   * deprovision template. `skipped` when no provision job was ever launched (P6).
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
    if (latest.provider === this.name) {
      const check = await this.settleProvisionJob(latest.jobId, options.signal);
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
    });
    const result: DeprovisionResult = {
      action: "triggered",
      jobId: encodeJobId(job),
      blockDeletionOnFailure: this.blockDeletionOnFailure,
    };
    if (provisionJobStatus) result.provisionJobStatus = provisionJobStatus;
    return result;
  }

  /** Read a deprovision job. */
  async getDeprovisionStatus(
    _resource: ResourceObject,
    jobId: string,
    options: CallOptions,
  ): Promise<ProvisionStatus> {
    const job = await this.client.getJob(decodeJobId(jobId), { signal: options.signal });
    return toProvisionStatus(jobId, job, "deprovision");
  }

  /**
   * Find the job launched with `query.correlationId` from the template this resource's
   * `query.type` uses, or `undefined` when AAP has none. Jobs are searched with
   * `extra_vars__icontains=<correlation id>` and every candidate is checked by parsing its
   * extra vars (a substring match alone is never trusted). When AAP rejects that filter,
   * the template's recent jobs are scanned instead, up to `findJobMaxPages` pages; if the
   * scan ends before the oldest job, the lookup fails (retryable) rather than answering
   * "none", since "none" makes the engine launch again.
   */
  async findJob(
    resource: ResourceObject,
    query: FindJobQuery,
    options: CallOptions,
  ): Promise<FoundJob | undefined> {
    const template = await this.resolver.resolve(
      this.templateName(resource, query.type),
      options.signal,
    );
    const kind: AapJobKind = template.kind === "job_template" ? "job" : "workflow_job";
    const byTemplate = {
      [template.kind === "job_template" ? "job_template" : "workflow_job_template"]: template.id,
      order_by: "-id",
    };
    const matches = (job: AapJob): boolean => {
      const vars = readProvisionkitVars(job.extraVars);
      return vars?.correlationId === query.correlationId && vars.operation === query.type;
    };
    let page: { jobs: AapJob[]; complete: boolean };
    try {
      page = await this.client.listJobs(
        kind,
        { ...byTemplate, extra_vars__icontains: query.correlationId },
        { signal: options.signal, pageSize: FIND_PAGE_SIZE, maxPages: 1 },
      );
    } catch (error) {
      if (!(isProviderError(error) && error.details.status === 400)) throw error;
      this.logger.warn(
        { template: template.name, correlationId: query.correlationId },
        "AAP rejected the extra_vars__icontains filter; scanning the template's recent jobs instead",
      );
      page = await this.client.listJobs(kind, byTemplate, {
        signal: options.signal,
        pageSize: FIND_PAGE_SIZE,
        maxPages: this.findJobMaxPages,
      });
    }
    const job = page.jobs.find(matches);
    if (!job) {
      if (page.complete) return undefined;
      throw new ProviderError(
        `looked through ${page.jobs.length} recent jobs of ${describeTemplate(template)} without ` +
          `finding correlation id ${query.correlationId}, and there are more: cannot tell whether the launch happened`,
        { code: "LOOKUP_INCOMPLETE", retryable: true },
      );
    }
    const found: FoundJob = toProvisionStatus(encodeJobId(job), job, query.type);
    const block = readProvisionkitVars(job.extraVars)?.blockDeletionOnFailure;
    if (query.type === "deprovision" && block !== undefined) found.blockDeletionOnFailure = block;
    return found;
  }

  /**
   * Ask AAP to cancel a job. A job that is already terminal (AAP answers 405) needs no
   * cancel, so that resolves too; a purged job throws `JobNotFoundError`.
   */
  async cancelJob(
    _resource: ResourceObject,
    jobId: string,
    _type: JobType,
    options: CallOptions,
  ): Promise<void> {
    await this.client.cancelJob(decodeJobId(jobId), { signal: options.signal });
  }

  // ------------------------------------------------------------------ internals

  /** Whether the provision job still runs in AAP, cancelling it when it does (P5). */
  private async settleProvisionJob(
    jobId: string,
    signal: AbortSignal,
  ): Promise<{ running: boolean; status?: ProvisionStatus }> {
    const ref = decodeJobId(jobId);
    const readJob = async (): Promise<AapJob | undefined> => {
      try {
        return await this.client.getJob(ref, { signal });
      } catch (error) {
        if (isProviderError(error) && error.code === "JOB_NOT_FOUND") return undefined; // purged
        throw error;
      }
    };
    const read = async (): Promise<ProvisionStatus | undefined> => {
      const job = await readJob();
      return job && toProvisionStatus(jobId, job, "provision");
    };
    const job = await readJob();
    const before = job && toProvisionStatus(jobId, job, "provision");
    if (!job || !before || isTerminal(before.state)) {
      return before ? { running: false, status: before } : { running: false };
    }
    // A cancel already requested (AAP records canceled_on) needs no second request: once
    // is enough (P5), and repeating it on every poll only adds noise.
    if (job.canceledOn) return { running: true, status: before };
    try {
      const answer = await this.client.cancelJob(ref, { signal });
      this.logger.info(
        { jobId, answer },
        answer === "requested"
          ? "asked AAP to cancel the running provision job before deprovisioning"
          : "the provision job could no longer be cancelled; reading its final state",
      );
    } catch (error) {
      if (!(isProviderError(error) && error.code === "JOB_NOT_FOUND")) throw error;
      return { running: false };
    }
    // A pending job is cancelled inside the POST; a running one takes a while. Read again.
    const after = await read();
    if (!after) return { running: false };
    return { running: !isTerminal(after.state), status: after };
  }

  private templateName(resource: ResourceObject, operation: JobType): TemplateName {
    return templateNameFor(this.templates, resource, operation);
  }

  private async launch(
    resource: ResourceObject,
    operation: JobType,
    correlationId: string,
    signal: AbortSignal,
    vars: { configVersion?: string; blockDeletionOnFailure?: boolean },
  ): Promise<AapJob> {
    const ref = this.templateName(resource, operation);
    let template = await this.resolver.resolve(ref, signal);
    const own = { correlationId, operation, ...vars };
    const extra_vars = buildExtraVars({
      resource,
      payload: annotatePayload(this.payload(resource), own),
      vars: own,
      endpoint: ref.name,
      receivedAt: new Date(this.now()).toISOString(),
      extra: this.extraVars?.(resource, { operation, correlationId, ...vars }) ?? {},
    });
    for (let attempt = 1; ; attempt++) {
      requirePromptForVariables(template);
      try {
        const result = await this.client.launch(template, { extra_vars }, { signal });
        if ("extra_vars" in result.ignoredFields) {
          await this.cancelMisconfiguredJob(result.job, template, signal);
          this.resolver.invalidate(ref);
          throw promptError(
            template,
            `AAP created job ${result.job.id} but ignored its extra_vars (cancelled it)`,
          );
        }
        this.logger.info(
          { operation, jobId: encodeJobId(result.job), template: template.name, correlationId },
          `launched AAP ${kindWord(result.job.kind)} for ${operation}`,
        );
        return result.job;
      } catch (error) {
        // A 404 or 400 means AAP created nothing: the template may have been replaced or
        // reconfigured since it was cached. Look it up again once and retry.
        const status = isProviderError(error) ? error.details.status : undefined;
        if ((status !== 404 && status !== 400) || attempt > 1) throw error;
        this.resolver.invalidate(ref);
        const fresh = await this.resolver.resolve(ref, signal);
        if (
          fresh.id === template.id &&
          fresh.askVariablesOnLaunch === template.askVariablesOnLaunch &&
          fresh.kind === template.kind
        ) {
          throw error;
        }
        template = fresh;
      }
    }
  }

  private async cancelMisconfiguredJob(
    job: AapJob,
    template: AapTemplate,
    signal: AbortSignal,
  ): Promise<void> {
    try {
      await this.client.cancelJob(job, { signal });
    } catch (error) {
      this.logger.error(
        { jobId: encodeJobId(job), template: template.name, error: String(error) },
        "could not cancel a job launched without its extra_vars; cancel it in AAP",
      );
    }
  }
}

function requirePromptForVariables(template: AapTemplate): void {
  if (!template.askVariablesOnLaunch) {
    throw promptError(template, "nothing was launched");
  }
}

function promptError(template: AapTemplate, what: string): ConfigurationError {
  const kind = template.kind === "job_template" ? "Job Template" : "Workflow Job Template";
  return new ConfigurationError(
    `${describeTemplate(template)} does not prompt for variables on launch, so AAP would ` +
      `ignore the extra_vars that carry the resource (${what}). Fix: on the ${kind} in AAP, ` +
      `tick "Prompt on launch" next to Variables (ask_variables_on_launch: true).`,
    {
      details: {
        template: template.name,
        templateId: template.id,
        field: "ask_variables_on_launch",
      },
    },
  );
}

function kindWord(kind: AapJobKind): string {
  return kind === "job" ? "job" : "workflow job";
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
