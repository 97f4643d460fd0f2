/**
 * `AapProvider.findJob`: the job launched with a correlation id, among the jobs of the
 * template the resource kind's operation uses.
 *
 * @module
 */
import { ProviderError, type FindJobQuery, type FoundJob, type Logger } from "@provisionkit/core";
import type { AapClient, AapJob, AapJobKind, AapTemplate } from "../client/index.js";
import type { AapAnnotationNames } from "./extra-vars.js";
import { encodeJobId } from "./job-id.js";
import { toProvisionStatus } from "./job-status.js";
import { launchedFor, readLaunchRecord } from "./launch-record.js";
import { describeTemplate } from "./templates.js";

/** Jobs read per page when looking a job up (AWX's `MAX_PAGE_SIZE`, research §3). */
export const FIND_PAGE_SIZE = 200;

/** `code` of the retryable error of a lookup that could not read back far enough. */
export const LOOKUP_INCOMPLETE = "LOOKUP_INCOMPLETE";

/** A job found by `AapProvider.findJob`. */
export interface AapFoundJob extends FoundJob {
  /**
   * Provision jobs: the config version the job was launched with, from its own record (the
   * event annotations, else the `provisionkit` extra var), whatever its state.
   */
  configVersion?: string;
}

/** What a lookup needs besides the template and the query. */
export interface FindJobContext {
  /** The client. */
  client: AapClient;
  /** The launch annotation names. */
  names: AapAnnotationNames;
  /** Pages of {@link FIND_PAGE_SIZE} jobs read at most (one request each). */
  maxPages: number;
  /** Logger. */
  logger: Logger;
  /** Aborts the lookup. */
  signal: AbortSignal;
}

/**
 * The newest job of `template` whose own record names `query`'s correlation id and
 * operation, or `undefined` when AAP has none.
 *
 * AWX refuses any filter on `extra_vars` (403 "Filtering on extra_vars is not allowed.":
 * the field is wrapped in `prevent_search`, github:ansible/awx e21dd0a0
 * `awx/main/models/jobs.py:120` for jobs and job templates,
 * `awx/main/models/workflow.py:397` for workflow jobs and their templates; refused by
 * github:ansible/django-ansible-base b082f48a `ansible_base/rest_filters/utils.py:57-60`).
 * So the lookup filters only on what AWX allows and reads the extra vars each job serves:
 * `jobs/?job_template=<id>` or `workflow_jobs/?workflow_job_template=<id>` (plain model
 * fields; `order_by` and `page_size` are reserved names of the filter backend,
 * `ansible_base/lib/dynamic_config/settings_logic.py:31-44`, and ordering by `id` goes
 * through `order_backend.py:57-70`), `order_by=-id`, `page_size=200`, walking back with
 * `id__lt=<smallest id read>` (`lt` is one of the backend's `SUPPORTED_LOOKUPS`,
 * `ansible_base/rest_filters/rest_framework/field_lookup_backend.py:25-43`; keyset
 * pages: jobs launched or deleted meanwhile neither
 * shift a job out of the walk nor make it read twice). The list serializers serve
 * `extra_vars` (`awx/api/serializers.py:4313` `JobListSerializer` and `3953`
 * `WorkflowJobListSerializer`, used by `JobList`/`WorkflowJobList`,
 * `awx/api/views/__init__.py:3458-3460`, `3333-3335`), so no job detail is read. Each
 * job's extra vars are parsed and its launch record checked (correlation id and operation,
 * P10); the first match, the newest, ends the walk.
 *
 * Searching the template's jobs only keeps the jobs of a workflow's nodes out (they inherit
 * the workflow's extra vars but belong to their own templates).
 *
 * Cost: one list request per page of 200 jobs, from the newest: a job launched `n` jobs
 * ago (on that template) costs `floor(n / 200) + 1` requests; "none" costs one request per
 * 200 jobs the template has ever run (kept by AWX), at most `maxPages`. When the pages run
 * out before the template's oldest job, the lookup fails (retryable, code
 * {@link LOOKUP_INCOMPLETE}) rather than answering "none", which would make the engine
 * launch again.
 */
export async function findLaunchedJob(
  template: AapTemplate,
  query: FindJobQuery,
  context: FindJobContext,
): Promise<AapJob | undefined> {
  const { client, signal } = context;
  const kind: AapJobKind = template.kind === "job_template" ? "job" : "workflow_job";
  const byTemplate = { [template.kind]: template.id, order_by: "-id" };
  let read = 0;
  let before: number | undefined;
  for (let page = 0; page < context.maxPages; page++) {
    const { jobs, complete } = await client.listJobs(
      kind,
      before === undefined ? byTemplate : { ...byTemplate, id__lt: before },
      { signal, pageSize: FIND_PAGE_SIZE, maxPages: 1 },
    );
    const job = jobs.find((j) => launchedFor(readLaunchRecord(j.extraVars, context.names), query));
    if (job) return job;
    read += jobs.length;
    const last = jobs[jobs.length - 1];
    if (complete) return undefined;
    if (last === undefined) break;
    before = before === undefined ? last.id : Math.min(before, last.id);
  }
  context.logger.warn(
    { template: template.name, correlationId: query.correlationId, jobsRead: read },
    "findJob stopped before the template's oldest job without finding the launch",
  );
  throw new ProviderError(
    `looked through ${read} recent jobs of ${describeTemplate(template)} without ` +
      `finding correlation id ${query.correlationId}, and there are more: cannot tell whether the launch happened`,
    { code: LOOKUP_INCOMPLETE, retryable: true },
  );
}

/** What `findJob` answers for a found job: its status, and what its record says. */
export function toFoundJob(
  job: AapJob,
  query: FindJobQuery,
  names: AapAnnotationNames,
): AapFoundJob {
  const found: AapFoundJob = toProvisionStatus(encodeJobId(job), job, query.type, names);
  const record = readLaunchRecord(job.extraVars, names);
  if (query.type === "provision" && record?.configVersion !== undefined) {
    found.configVersion = record.configVersion;
  }
  if (query.type === "deprovision" && record?.blockDeletionOnFailure !== undefined) {
    found.blockDeletionOnFailure = record.blockDeletionOnFailure;
  }
  return found;
}
