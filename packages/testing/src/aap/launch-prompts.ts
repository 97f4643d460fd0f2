/**
 * AWX's prompt-on-launch rules (research §4): a job template creates the job anyway and
 * echoes the fields it did not prompt for in `ignored_fields`; a workflow job template
 * refuses the launch with a 400 naming them.
 *
 * @module
 */
import type { TemplateRecord } from "./model.js";
import { DEMO_INVENTORY } from "./registry.js";
import { parseExtraVars } from "./launch-body.js";
import { ApiError } from "./response.js";
import { jobExtraVars, splitVariables } from "./survey.js";

/** What a launch request contributes to the job. */
export interface AcceptedLaunch {
  /** The job's extra vars: the template's, updated with the accepted launch vars. */
  extraVars: Record<string, unknown>;
  /** The job's limit. */
  limit: string | null;
  /** The job's inventory id. */
  inventory: number | null;
  /** The fields the template did not prompt for (job templates only). */
  ignoredFields: Record<string, unknown>;
}

/** Job template fields that can be prompted, with the template's own (default) values. */
const JOB_TEMPLATE_FIELDS: Record<string, unknown> = {
  inventory: DEMO_INVENTORY.id,
  limit: "",
  scm_branch: "",
  job_tags: "",
  skip_tags: "",
  job_type: "run",
  verbosity: 0,
  diff_mode: false,
  credentials: [],
  labels: [],
  instance_groups: [],
  execution_environment: null,
  forks: 0,
  job_slice_count: 1,
  timeout: 0,
};

/** Workflow job template fields that can be prompted (besides `extra_vars`). */
const WORKFLOW_TEMPLATE_FIELDS = [
  "inventory",
  "limit",
  "scm_branch",
  "labels",
  "skip_tags",
  "job_tags",
];

function asks(template: TemplateRecord, field: string): boolean {
  if (field === "limit") return template.askLimit;
  if (field === "inventory") return template.askInventory;
  return false;
}

/** The same value, comparing lists (many-to-many prompts) by content. */
function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function variables(template: TemplateRecord, data: Record<string, unknown>) {
  return splitVariables(
    template.survey,
    template.askVariables,
    template.extraVars,
    parseExtraVars(data.extra_vars),
  );
}

/**
 * Survey errors block either kind of launch: the job launch serializer excludes only the
 * `prompts` errors (`awx/api/serializers.py:4667`), and the workflow one none.
 */
function surveyErrors(errors: string[]): Record<string, string[]> {
  return errors.length > 0 ? { variables_needed_to_start: errors } : {};
}

function jobTemplateLaunch(
  template: TemplateRecord,
  data: Record<string, unknown>,
): AcceptedLaunch {
  const vars = variables(template, data);
  const blocking = surveyErrors(vars.surveyErrors);
  if (Object.keys(blocking).length > 0) throw new ApiError(400, blocking);
  const ignoredFields: Record<string, unknown> = {};
  if (Object.keys(vars.rejected).length > 0) ignoredFields.extra_vars = vars.rejected;
  const prompted: Record<string, unknown> = {};
  // The legacy `inventory_id` is mapped to `inventory` (modernize_launch_payload).
  const fields = { ...data, inventory: data.inventory ?? data.inventory_id };
  for (const [field, own] of Object.entries(JOB_TEMPLATE_FIELDS)) {
    const value = fields[field as keyof typeof fields];
    if (value === undefined || value === null || sameValue(value, own)) continue;
    if (asks(template, field)) prompted[field] = value;
    else ignoredFields[field] = value;
  }
  return {
    extraVars: jobExtraVars(template.survey, template.extraVars, vars.accepted),
    limit: typeof prompted.limit === "string" ? prompted.limit : "",
    inventory: typeof prompted.inventory === "number" ? prompted.inventory : template.inventory,
    ignoredFields,
  };
}

/**
 * Unprompted fields of a workflow launch are errors (github:ansible/awx e21dd0a0
 * `awx/main/models/workflow.py:569-610`). A value equal to the template's own is a no-op
 * there (`workflow.py:594-595`); the simulator only applies that to null, which equals a
 * workflow template's unset `inventory` and `limit` (the template values of the other
 * workflow prompts are not modelled).
 */
function workflowLaunch(template: TemplateRecord, data: Record<string, unknown>): AcceptedLaunch {
  const vars = variables(template, data);
  const errors: Record<string, string[]> = surveyErrors(vars.surveyErrors);
  const prompted: Record<string, unknown> = {};
  for (const field of WORKFLOW_TEMPLATE_FIELDS) {
    const value = data[field];
    if (value === undefined || value === null) continue;
    if (asks(template, field)) prompted[field] = value;
    else errors[field] = ["Field is not configured to prompt on launch."];
  }
  const rejectedKeys = vars.unprompted;
  if (rejectedKeys.length > 0) {
    errors.extra_vars = [
      `Variables ${rejectedKeys.join(", ")} are not allowed on launch. Check the Prompt on Launch setting on the Workflow Job Template to include Extra Variables.`,
    ];
  }
  if (Object.keys(errors).length > 0) throw new ApiError(400, errors);
  return {
    extraVars: jobExtraVars(template.survey, template.extraVars, vars.accepted),
    limit: typeof prompted.limit === "string" ? prompted.limit : null,
    inventory: typeof prompted.inventory === "number" ? prompted.inventory : null,
    ignoredFields: {},
  };
}

/**
 * Applies the prompt rules of the template's kind to a parsed launch body.
 *
 * @throws ApiError 400 for a bad `extra_vars`, or for unprompted fields of a workflow
 *   launch (nothing is created then).
 */
export function acceptLaunch(
  template: TemplateRecord,
  data: Record<string, unknown>,
): AcceptedLaunch {
  return template.kind === "job_template"
    ? jobTemplateLaunch(template, data)
    : workflowLaunch(template, data);
}
