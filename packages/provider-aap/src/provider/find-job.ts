/**
 * `AapProvider.findJob`: the job launched with a correlation id, among the jobs of the
 * template the resource kind's operation uses.
 *
 * @module
 */
import {
  ProviderError,
  type FindJobQuery,
  type FoundJob,
  type Logger,
  type ResourceObject,
} from "@provisionkit/core";
import type { AapClient, AapJob, AapJobKind, AapTemplate } from "../client/index.js";
import type { AapAnnotationNames } from "./extra-vars.js";
import { encodeJobId } from "./job-id.js";
import { toProvisionStatus } from "./job-status.js";
import { launchedFor, readLaunchRecord } from "./launch-record.js";
import { ownershipProblem } from "./ownership.js";
import { describeTemplate } from "./templates.js";

/** Jobs read per page when looking a job up (AWX's `MAX_PAGE_SIZE`, research §3). */
export const FIND_PAGE_SIZE = 200;

/** `code` of the retryable error of a lookup that could not read back far enough. */
export const LOOKUP_INCOMPLETE = "LOOKUP_INCOMPLETE";

/**
 * How far before `FindJobQuery.launchedAt` the lookup still reads jobs (ms): the margin for
 * the operator's clock being ahead of AWX's, which stamps `created`. Five minutes: NTP-run
 * clocks differ by far less; a cluster whose clocks differ by more must fix its clocks (a
 * launch's job created more than this before the marker's time by AWX's clock would be
 * missed, and launched again).
 */
export const LAUNCHED_AT_SKEW_MS = 5 * 60_000;

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
  /** The resource whose job is sought: jobs launched for another one are skipped. */
  resource: ResourceObject;
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
 * P10, compared exactly); a match launched for another resource (its record's uid, see
 * `ownership.ts`) is skipped, logged, and the walk goes on; the first job that matches and
 * is the resource's, the newest, ends the walk.
 *
 * With `query.launchedAt`, only jobs created since then less {@link LAUNCHED_AT_SKEW_MS}
 * are listed (`created__gte=<ISO-8601>`): the engine wrote `launchedAt` before it sent the
 * launch, so the launch's job cannot be older. `created` is a plain model field
 * (`awx/main/models/base.py:170`, `CreatedModifiedModel`; not `prevent_search`), served on
 * list items (`BaseSerializer.Meta.fields`, `awx/api/serializers.py:335`), and `gte` is a
 * supported lookup whose value goes through the field's `to_python` (django-ansible-base
 * `field_lookup_backend.py:25-43` and `96-142`; Django's `parse_datetime` reads ISO-8601
 * with `Z`). So a lookup reads only the jobs launched since, and "none" usually costs one
 * request whatever the template's history.
 *
 * Searching the template's jobs only keeps the jobs of a workflow's nodes out (they inherit
 * the workflow's extra vars but belong to their own templates).
 *
 * Cost: one list request per page of 200 jobs, from the newest: a job launched `n` jobs
 * ago (on that template) costs `floor(n / 200) + 1` requests; "none" costs one request per
 * 200 jobs the template ran since `launchedAt` less the margin (without `launchedAt`: per
 * 200 jobs it has ever run and AWX keeps), at most `maxPages`. When the pages run
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
  const byTemplate: Record<string, string | number> = {
    [template.kind]: template.id,
    order_by: "-id",
  };
  const since = createdSince(query.launchedAt, context.logger);
  if (since !== undefined) byTemplate.created__gte = since;
  const matches = (job: AapJob): boolean => {
    if (!launchedFor(readLaunchRecord(job.extraVars, context.names), query)) return false;
    const expected = {
      resource: context.resource,
      operation: query.type,
      correlationId: query.correlationId,
    };
    const problem = ownershipProblem(job, expected, context.names);
    if (problem === undefined) return true;
    context.logger.warn(
      { jobId: encodeJobId(job), correlationId: query.correlationId },
      `findJob skipped a job with the sought correlation id: ${problem}`,
    );
    return false;
  };
  let read = 0;
  let before: number | undefined;
  for (let page = 0; page < context.maxPages; page++) {
    const { jobs, complete } = await client.listJobs(
      kind,
      before === undefined ? byTemplate : { ...byTemplate, id__lt: before },
      { signal, pageSize: FIND_PAGE_SIZE, maxPages: 1 },
    );
    const job = jobs.find(matches);
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

/**
 * The `created__gte` bound of a lookup: `launchedAt` less {@link LAUNCHED_AT_SKEW_MS}, as
 * ISO-8601, or `undefined` (no bound: every job of the template is read) when the query has
 * no `launchedAt` or it is not a time.
 */
export function createdSince(launchedAt: string | undefined, logger: Logger): string | undefined {
  if (launchedAt === undefined) return undefined;
  const at = Date.parse(launchedAt);
  if (!Number.isFinite(at)) {
    logger.warn(
      { launchedAt: launchedAt.slice(0, 64) },
      "findJob got a launchedAt that is not a time: reading every job of the template",
    );
    return undefined;
  }
  const bound = new Date(at - LAUNCHED_AT_SKEW_MS);
  return Number.isFinite(bound.getTime()) ? bound.toISOString() : undefined;
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
