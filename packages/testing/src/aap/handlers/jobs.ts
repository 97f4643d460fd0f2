/**
 * Job and workflow job lists, details, deletion, and the job lookup shared with cancel.
 *
 * @module
 */
import { applyFilters, parseInstant, RESERVED_PARAMS } from "../filters.js";
import { jobFields, jobRelations } from "../list-fields.js";
import type { JobRecord } from "../model.js";
import { applyOrdering } from "../ordering.js";
import { paginate } from "../pagination.js";
import { ApiError, objectNotFound, ok } from "../response.js";
import { serializeJob } from "../serialize-job.js";
import type { Handler, SimState } from "../state.js";
import type { AapJobKind } from "../types.js";

/**
 * The visible job of a kind with this id. Jobs and workflow jobs share one id sequence,
 * so an id of the other kind is a 404, as is a purged job (research §5, §7).
 *
 * @throws ApiError 404 (DRF's "No … matches the given query.", response.ts).
 */
export function findJob(state: SimState, kind: AapJobKind, id: number): JobRecord {
  const job = state.jobs.get(id);
  if (job && job.kind === kind && job.purgedAt === undefined) return job;
  throw objectNotFound(kind === "job" ? "Job" : "WorkflowJob");
}

/**
 * The fields AWX's list serializers leave out of list items: `UnifiedJobListSerializer`
 * (github:ansible/awx e21dd0a0 `awx/api/serializers.py:901-909`, the base of
 * `JobListSerializer` 4313 and `WorkflowJobListSerializer` 3953) drops `job_args`,
 * `job_cwd`, `job_env`, `result_traceback`, `event_processing_finished`; of those the
 * simulator serves the last two in details. `extra_vars` stays.
 */
const DETAIL_ONLY = ["result_traceback", "event_processing_finished"];

function listItem(job: Record<string, unknown>): Record<string, unknown> {
  const item = { ...job };
  for (const field of DETAIL_ONLY) delete item[field];
  return item;
}

const INTEGER = /^-?\d+$/;

/**
 * A test on the job record that every job a filter of the query keeps passes, or undefined
 * when the filter has no such test here. Only plain keys (no `not__`/`or__` prefix) with a
 * value the filter parses without error: the filter itself still runs on the serialized
 * jobs that pass, so the answer is the same, without serializing the jobs that cannot match.
 */
function recordTest(
  kind: AapJobKind,
  key: string,
  raw: string,
): ((job: JobRecord) => boolean) | undefined {
  const template = kind === "job" ? "job_template" : "workflow_job_template";
  const integer = INTEGER.test(raw.trim()) ? Number(raw) : undefined;
  if (integer !== undefined) {
    // The serialized `id` and `job_template` / `workflow_job_template` (serialize-job.ts).
    if (key === template || key === `${template}__exact`)
      return (job) => job.template.id === integer;
    if (key === "id" || key === "id__exact") return (job) => job.id === integer;
    if (key === "id__lt") return (job) => job.id < integer;
    if (key === "id__lte") return (job) => job.id <= integer;
    if (key === "id__gt") return (job) => job.id > integer;
    if (key === "id__gte") return (job) => job.id >= integer;
  }
  if (key === "created__gte" || key === "created__gt") {
    // `created` is `isoTime(createdAt)`, which parses back to `createdAt`: a job created
    // before the bound cannot match (the filter decides `gt` against `gte` itself).
    const bound = parseInstant(raw);
    if (!Number.isNaN(bound)) return (job) => job.createdAt >= bound;
  }
  return undefined;
}

/** The jobs of a list request worth serializing: those its simple filters can keep. */
function candidates(state: SimState, kind: AapJobKind, query: URLSearchParams): JobRecord[] {
  const tests: ((job: JobRecord) => boolean)[] = [];
  for (const [key, raw] of query) {
    const test = recordTest(kind, key, raw);
    if (test) tests.push(test);
  }
  return state.jobs
    .all()
    .filter(
      (job) => job.kind === kind && job.purgedAt === undefined && tests.every((test) => test(job)),
    );
}

/**
 * The exact test on the job record of a filter whose serialized field is a plain function
 * of the record: `id` lookups, the template key, and `created` bounds (`created` is
 * `isoTime(createdAt)`, which parses back to `createdAt` truncated to the millisecond).
 */
function exactTest(
  kind: AapJobKind,
  key: string,
  raw: string,
): ((job: JobRecord) => boolean) | undefined {
  const template = kind === "job" ? "job_template" : "workflow_job_template";
  if (INTEGER.test(raw.trim())) {
    const integer = Number(raw);
    if (key === template || key === `${template}__exact`)
      return (job) => job.template.id === integer;
    const byId = recordTest(kind, key, raw);
    if (key === "id" || key.startsWith("id__")) return byId;
  }
  const created = /^created__(gte|gt|lte|lt)$/.exec(key)?.[1];
  const bound = parseInstant(raw);
  if (created === undefined || Number.isNaN(bound)) return undefined;
  const at = (job: JobRecord) => Math.trunc(job.createdAt);
  if (created === "gte") return (job) => at(job) >= bound;
  if (created === "gt") return (job) => at(job) > bound;
  if (created === "lte") return (job) => at(job) <= bound;
  return (job) => at(job) < bound;
}

/** Query keys that neither filter nor order (pagination, format…); `type` and `search` do. */
const PASSIVE = RESERVED_PARAMS.filter((key) => !["order_by", "type", "search"].includes(key));

/**
 * A list request whose every filter has an exact test on the job record and whose order
 * is by id (none, `id` or `-id`): the page is chosen on the records and only its jobs are
 * serialized. Undefined for any other request (the general path answers it, errors too).
 */
function recordQuery(
  kind: AapJobKind,
  query: URLSearchParams,
): { tests: ((job: JobRecord) => boolean)[]; descending: boolean } | undefined {
  const orderBy = query.get("order_by");
  if (query.getAll("order_by").length > 1) return undefined;
  if (orderBy !== null && !["", "id", "-id"].includes(orderBy)) return undefined;
  const tests: ((job: JobRecord) => boolean)[] = [];
  for (const [key, raw] of query) {
    if (key === "order_by" || PASSIVE.includes(key)) continue;
    const test = exactTest(kind, key, raw);
    if (!test) return undefined;
    tests.push(test);
  }
  return { tests, descending: orderBy === "-id" };
}

/** `GET {base}jobs/` and `workflow_jobs/`. */
export const jobList: Handler<"job-list"> = (state, route, request) => {
  const fields = jobFields(route.jobKind);
  const byRecord = recordQuery(route.jobKind, request.query);
  if (byRecord) {
    // Jobs are stored in id order.
    const jobs = state.jobs
      .all()
      .filter(
        (job) =>
          job.kind === route.jobKind &&
          job.purgedAt === undefined &&
          byRecord.tests.every((test) => test(job)),
      );
    if (byRecord.descending) jobs.reverse();
    const page = paginate(jobs, request.path, request.query);
    const results = (page.results as JobRecord[]).map((job) =>
      listItem(serializeJob(job, state.jobs, route.base, request.now)),
    );
    return ok({ ...page, results });
  }
  const items = candidates(state, route.jobKind, request.query).map((job) =>
    listItem(serializeJob(job, state.jobs, route.base, request.now)),
  );
  const filtered = applyFilters(items, request.query, fields, jobRelations(route.jobKind));
  const ordered = applyOrdering(filtered, request.query.get("order_by"), fields);
  return ok(paginate(ordered, request.path, request.query));
};

/** `GET {base}jobs/{id}/` and `workflow_jobs/{id}/`. */
export const jobGet: Handler<"job"> = (state, route, request) =>
  ok(serializeJob(findJob(state, route.jobKind, route.id), state.jobs, route.base, request.now));

/**
 * `DELETE {base}jobs/{id}/`: a terminal job is purged (204); an active one is refused with
 * 403 "Cannot delete running job resource." (github:ansible/awx e21dd0a0
 * `awx/api/views/mixin.py:44-46`, status in `ACTIVE_STATES` but not `new`). Not modelled:
 * the 403 of `mixin.py:47-52` for a job finished less than a minute ago whose events are
 * still being processed.
 */
export const jobDelete: Handler<"job"> = (state, route, request) => {
  const job = findJob(state, route.jobKind, route.id);
  if (!state.jobs.view(job, request.now).terminal) {
    throw new ApiError(403, { detail: "Cannot delete running job resource." });
  }
  state.jobs.purge(job, request.now);
  return { status: 204 };
};
