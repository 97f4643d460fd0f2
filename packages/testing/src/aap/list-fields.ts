/**
 * The filterable and orderable fields of each list endpoint.
 *
 * @module
 */
import { path, type ListFields, type RefusedField, type RefusedRelations } from "./filters.js";
import { pythonJsonDumps } from "./python-json.js";
import type { TemplateKind } from "./model.js";
import type { AapJobKind } from "./types.js";

const REFUSED: RefusedField = { preventSearch: true };

/**
 * Fields of jobs and workflow jobs wrapped in `prevent_search` (verified in
 * github:ansible/awx e21dd0a0): `extra_vars` of `JobOptions` (`awx/main/models/jobs.py:120`,
 * shared by `Job` and `JobTemplate`) and of `WorkflowJobOptions`
 * (`awx/main/models/workflow.py:397`, shared by `WorkflowJob` and `WorkflowJobTemplate`);
 * `survey_passwords` of `SurveyJobMixin` (`awx/main/models/mixins.py:394`, `Job` and
 * `WorkflowJob`); `job_args`, `job_env`, `start_args` of `UnifiedJob`
 * (`awx/main/models/unified_jobs.py:681`, `694`, `707`). `artifacts` is not one
 * (`jobs.py:579`, a plain `JSONBlob`).
 */
const JOB_REFUSED: ListFields = {
  extra_vars: REFUSED,
  survey_passwords: REFUSED,
  job_args: REFUSED,
  job_env: REFUSED,
  start_args: REFUSED,
};

/**
 * Template fields wrapped in `prevent_search` (github:ansible/awx e21dd0a0): `extra_vars`
 * (`jobs.py:120`, `workflow.py:397`), `survey_spec` (`mixins.py:106`), `webhook_key`
 * (`mixins.py:581`), and for job templates `host_config_key` (`jobs.py:217`).
 */
const TEMPLATE_REFUSED: ListFields = {
  extra_vars: REFUSED,
  survey_spec: REFUSED,
  webhook_key: REFUSED,
};

const shared: ListFields = {
  id: { type: "int", get: path("id") },
  name: { type: "string", get: path("name") },
  description: { type: "string", get: path("description") },
  organization: { type: "int", get: path("organization") },
  organization__name: { type: "string", get: path("summary_fields", "organization", "name") },
  created: { type: "datetime", get: path("created") },
  modified: { type: "datetime", get: path("modified") },
};

/**
 * Fields of `job_templates/`, `workflow_job_templates/`, and (kind `undefined`, with `type`)
 * `unified_job_templates/`, whose `UnifiedJobTemplate` model has none of the refused fields
 * (a filter on them is a 400 there, as an unknown field).
 */
export function templateFields(kind: TemplateKind | undefined): ListFields {
  if (kind === undefined) return { ...shared, type: { type: "string", get: path("type") } };
  const own: ListFields = kind === "job_template" ? { host_config_key: REFUSED } : {};
  return { ...shared, ...TEMPLATE_REFUSED, ...own };
}

/**
 * The template relation of each job kind and the `prevent_search` fields a filter reaches
 * over it (`job_template__extra_vars` → 403, django-ansible-base `utils.py:25-69`): those of
 * {@link TEMPLATE_REFUSED}, and `host_config_key` of job templates (`jobs.py:217`).
 */
export function jobRelations(kind: AapJobKind): RefusedRelations {
  const refused = Object.keys(TEMPLATE_REFUSED);
  return kind === "job"
    ? { job_template: [...refused, "host_config_key"] }
    : { workflow_job_template: refused };
}

/**
 * `artifacts` of jobs: a `JSONBlob` (`awx/main/fields.py:76-83`, a `JSONField` stored as
 * text), not `prevent_search` (`jobs.py:579`); django-ansible-base treats JSON fields as
 * text for filtering (`field_lookup_backend.py:49-51` `TREAT_JSONFIELD_AS_TEXT = True`,
 * 137-139 `_as_txt`), so `artifacts__icontains=x` matches the stored JSON text (AWX stores
 * it with `json.dumps`, the simulator's text too). The API shows `{}` until the job is
 * terminal, and so does the filter here.
 */
const ARTIFACTS: ListFields = {
  artifacts: { type: "string", get: (item) => pythonJsonDumps(item.artifacts ?? {}) },
};

/** Fields of `jobs/` and `workflow_jobs/` (`extra_vars` and the other `prevent_search` ones refused). */
export function jobFields(kind: AapJobKind): ListFields {
  const template = kind === "job" ? "job_template" : "workflow_job_template";
  return {
    ...(kind === "job" ? ARTIFACTS : {}),
    ...shared,
    status: { type: "string", get: path("status") },
    failed: { type: "bool", get: path("failed") },
    launch_type: { type: "string", get: path("launch_type") },
    started: { type: "datetime", get: path("started") },
    finished: { type: "datetime", get: path("finished") },
    unified_job_template: { type: "int", get: path("unified_job_template") },
    [template]: { type: "int", get: path(template) },
    ...JOB_REFUSED,
    limit: { type: "string", get: path("limit") },
  };
}
