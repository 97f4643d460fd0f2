/**
 * Launching a template for a resource: extra vars built once, `ask_variables_on_launch`
 * required, a launch whose extra vars AAP ignored cancelled, and one fresh template lookup
 * when AAP says the cached template is gone or changed.
 *
 * @module
 */
import {
  ConfigurationError,
  isProviderError,
  type JobType,
  type Logger,
  type ResourceObject,
} from "@provisionkit/core";
import type { AapClient, AapJob, AapJobKind, AapTemplate } from "../client/index.js";
import { annotatePayload, buildExtraVars, type AapAnnotationNames } from "./extra-vars.js";
import { encodeJobId } from "./job-id.js";
import type { AapProviderOptions } from "./options.js";
import { describeTemplate, type TemplateName, type TemplateResolver } from "./templates.js";

/** What launches need. */
export interface LauncherOptions {
  /** The client. */
  client: AapClient;
  /** Resolves (and caches) template names. */
  resolver: TemplateResolver;
  /** The launch annotation names. */
  names: AapAnnotationNames;
  /** The provider's `payload` option (or its default). */
  payload: (resource: ResourceObject) => unknown;
  /** The provider's `extraVars` option. */
  extraVars: AapProviderOptions["extraVars"];
  /** Clock of `received_at`. */
  now: () => number;
  /** Logger. */
  logger: Logger;
}

/** What a launch is for. */
export interface LaunchRequest {
  /** The resource. */
  resource: ResourceObject;
  /** Provision or deprovision. */
  operation: JobType;
  /** The template to launch. */
  template: TemplateName;
  /** The launch's correlation id. */
  correlationId: string;
  /** Aborts the launch. */
  signal: AbortSignal;
  /**
   * The config version (provision) or `blockDeletionOnFailure` (deprovision), and the job
   * span's `traceparent` when the runtime traces jobs.
   */
  vars: { configVersion?: string; blockDeletionOnFailure?: boolean; traceparent?: string };
}

/** Launches templates for resources. */
export class Launcher {
  /** @param options - see {@link LauncherOptions}. */
  constructor(private readonly options: LauncherOptions) {}

  /** Launches `request.template` and answers the job AAP created. */
  async launch(request: LaunchRequest): Promise<AapJob> {
    const { resource, operation, correlationId, signal, vars } = request;
    const { client, resolver, logger } = this.options;
    const ref = request.template;
    let template = await resolver.resolve(ref, signal);
    const own = { correlationId, operation, ...vars };
    const extra_vars = buildExtraVars({
      resource,
      payload: annotatePayload(
        this.options.payload(resource),
        own,
        this.options.names,
        resource.metadata.uid,
      ),
      vars: own,
      endpoint: ref.name,
      receivedAt: new Date(this.options.now()).toISOString(),
      extra: this.options.extraVars?.(resource, { operation, correlationId, ...vars }) ?? {},
    });
    for (let attempt = 1; ; attempt++) {
      requirePromptForVariables(template);
      try {
        const result = await client.launch(template, { extra_vars }, { signal });
        if ("extra_vars" in result.ignoredFields) {
          await this.cancelMisconfiguredJob(result.job, template, signal);
          resolver.invalidate(ref);
          throw promptError(
            template,
            `AAP created job ${result.job.id} but ignored its extra_vars (cancelled it)`,
          );
        }
        logger.info(
          { operation, jobId: encodeJobId(result.job), template: template.name, correlationId },
          `launched AAP ${kindWord(result.job.kind)} for ${operation}`,
        );
        return result.job;
      } catch (error) {
        // A 404 or 400 means AAP created nothing: the template may have been replaced or
        // reconfigured since it was cached. Look it up again once and retry.
        const status = isProviderError(error) ? error.details.status : undefined;
        if ((status !== 404 && status !== 400) || attempt > 1) throw error;
        resolver.invalidate(ref);
        const fresh = await resolver.resolve(ref, signal);
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
      await this.options.client.cancelJob(job, { signal });
    } catch (error) {
      this.options.logger.error(
        { jobId: encodeJobId(job), template: template.name, error: String(error) },
        "could not cancel a job launched without its extra_vars; cancel it in AAP",
      );
    }
  }
}

/** `job` or `workflow job`, as messages say it. */
export function kindWord(kind: AapJobKind): string {
  return kind === "job" ? "job" : "workflow job";
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
