/**
 * Jobs and workflow jobs as AWX's `JobSerializer` and `WorkflowJobSerializer` show them
 * (the fields clients use; research §5), evaluated at an instant.
 *
 * @module
 */
import { LAUNCHING_USER, NODE_NAME } from "./constants.js";
import { jobExplanation, resultTraceback } from "./explanation.js";
import type { JobStore } from "./job-store.js";
import type { JobView } from "./job-view.js";
import type { JobRecord } from "./model.js";
import { pythonJsonDumps } from "./python-json.js";
import { DEMO_INVENTORY } from "./registry.js";
import type { ApiBase } from "./router.js";
import { organizationSummary, templateCollection } from "./serialize-template.js";
import { displayExtraVars } from "./survey.js";
import { isoTime } from "./time.js";

/** The API path of a job under a base. */
export function jobUrl(base: ApiBase, job: JobRecord): string {
  return `${base}${job.kind === "job" ? "jobs" : "workflow_jobs"}/${job.id}/`;
}

/** When the job was canceled: the first cancel request, or a forced `canceled` end. */
function canceledOn(job: JobRecord, view: JobView): number | undefined {
  if (job.cancelRequestedAt !== undefined) return job.cancelRequestedAt;
  return view.status === "canceled" ? view.finishedAt : undefined;
}

function lastChange(job: JobRecord, view: JobView): number {
  const last = view.transitions.at(-1)?.at ?? job.createdAt;
  return Math.max(last, job.cancelRequestedAt ?? last);
}

function common(job: JobRecord, view: JobView, store: JobStore, base: ApiBase, at: number) {
  const { template } = job;
  const end = view.finishedAt ?? at;
  return {
    id: job.id,
    type: job.kind,
    url: jobUrl(base, job),
    created: isoTime(job.createdAt),
    modified: isoTime(lastChange(job, view)),
    name: template.name,
    description: "",
    unified_job_template: template.id,
    launch_type: "manual",
    status: view.status,
    failed: ["failed", "error", "canceled"].includes(view.status),
    started: isoTime(view.startedAt),
    finished: isoTime(view.finishedAt),
    canceled_on: isoTime(canceledOn(job, view)),
    elapsed: view.startedAt === undefined ? 0 : (end - view.startedAt) / 1000,
    job_explanation: jobExplanation(job, view, store, at),
    result_traceback: resultTraceback(job, view, store),
    launched_by: { ...LAUNCHING_USER, url: `${base}users/${LAUNCHING_USER.id}/` },
    organization: template.organizationId,
    // Served in the lists too (verified, github:ansible/awx e21dd0a0): `awx/api/views/__init__.py`
    // 3458-3460 `JobList` and 2877-2882 `JobTemplateJobsList` use `JobListSerializer`,
    // 3333-3335 `WorkflowJobList` and 3260-3265 `WorkflowJobTemplateJobsList` use
    // `WorkflowJobListSerializer`; `awx/api/serializers.py:4313` `JobListSerializer(JobSerializer,
    // UnifiedJobListSerializer)` keeps `extra_vars` of `JobOptionsSerializer` (3189-3201), and
    // 3953 `WorkflowJobListSerializer` keeps `WorkflowJobSerializer`'s (3907-3910);
    // `UnifiedJobListSerializer` (901-909) drops only `job_args`, `job_cwd`, `job_env`,
    // `result_traceback`, `event_processing_finished`. Both serializers show
    // `display_extra_vars()` (3499-3500, 3948-3949): survey passwords as `$encrypted$`.
    // Filtering on it is refused (403, filters.ts).
    extra_vars: pythonJsonDumps(displayExtraVars(job.extraVars, job.surveyPasswords)),
    inventory: job.inventory,
    limit: job.limit,
  };
}

/** The field that names the template of each job kind. */
const TEMPLATE_FIELD = { job: "job_template", workflow_job: "workflow_job_template" } as const;

/**
 * The links both kinds have first: their template (as itself and as the unified job
 * template) and their organization.
 */
function templateRelated(job: JobRecord, base: ApiBase): Record<string, string> {
  const { template } = job;
  const templateUrl = `${templateCollection(base, template)}${template.id}/`;
  return {
    [TEMPLATE_FIELD[job.kind]]: templateUrl,
    unified_job_template: templateUrl,
    organization: `${base}organizations/${template.organizationId}/`,
  };
}

/** The template summaries both kinds have: as itself and as the unified job template. */
function templateSummaries(job: JobRecord): Record<string, Record<string, unknown>> {
  const { template } = job;
  return {
    [TEMPLATE_FIELD[job.kind]]: {
      id: template.id,
      name: template.name,
      description: template.description,
    },
    unified_job_template: { id: template.id, name: template.name, unified_job_type: job.kind },
  };
}

function jobOnly(job: JobRecord, view: JobView, base: ApiBase): Record<string, unknown> {
  const { template } = job;
  const url = jobUrl(base, job);
  return {
    related: {
      ...templateRelated(job, base),
      ...(job.inventory === null ? {} : { inventory: `${base}inventories/${job.inventory}/` }),
      stdout: `${url}stdout/`,
      job_events: `${url}job_events/`,
      relaunch: `${url}relaunch/`,
      cancel: `${url}cancel/`,
    },
    summary_fields: {
      organization: organizationSummary(template),
      ...(job.inventory === DEMO_INVENTORY.id ? { inventory: { ...DEMO_INVENTORY } } : {}),
      ...templateSummaries(job),
      user_capabilities: { delete: view.terminal, start: true },
    },
    job_type: "run",
    job_template: template.id,
    playbook: "playbook.yml",
    job_tags: "",
    skip_tags: "",
    allow_simultaneous: template.allowSimultaneous,
    artifacts: view.terminal ? structuredClone(job.script.artifacts) : {},
    execution_node: view.startedAt === undefined ? "" : NODE_NAME,
    controller_node: view.startedAt === undefined ? "" : NODE_NAME,
    event_processing_finished: view.terminal,
    scm_revision: "",
    instance_group: null,
    job_slice_number: 0,
    job_slice_count: 1,
  };
}

function workflowOnly(job: JobRecord, view: JobView, base: ApiBase): Record<string, unknown> {
  const { template } = job;
  const url = jobUrl(base, job);
  return {
    related: {
      ...templateRelated(job, base),
      workflow_nodes: `${url}workflow_nodes/`,
      relaunch: `${url}relaunch/`,
      cancel: `${url}cancel/`,
    },
    summary_fields: {
      organization: organizationSummary(template),
      ...templateSummaries(job),
      user_capabilities: { delete: view.terminal, start: true },
    },
    workflow_job_template: template.id,
    allow_simultaneous: false,
    is_sliced_job: false,
  };
}

/** A job or workflow job as the API shows it at instant `at`. */
export function serializeJob(
  job: JobRecord,
  store: JobStore,
  base: ApiBase,
  at: number,
): Record<string, unknown> {
  const view = store.view(job, at);
  const specific = job.kind === "job" ? jobOnly(job, view, base) : workflowOnly(job, view, base);
  const { related, summary_fields, ...rest } = specific;
  const { id, type, url, ...fields } = common(job, view, store, base, at);
  return { id, type, url, related, summary_fields, ...fields, ...rest };
}
