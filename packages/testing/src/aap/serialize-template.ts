/**
 * Template objects as AWX's `JobTemplateSerializer` and `WorkflowJobTemplateSerializer`
 * show them (the fields clients use; research §3).
 *
 * @module
 */
import type { TemplateRecord } from "./model.js";
import { pythonJsonDumps } from "./python-json.js";
import { DEMO_INVENTORY } from "./registry.js";
import type { ApiBase } from "./router.js";
import { isoTime } from "./time.js";

/** The prompts of job templates, in `JobLaunchSerializer` order (research §4). */
export const JOB_TEMPLATE_PROMPTS = [
  "scm_branch",
  "variables",
  "tags",
  "diff_mode",
  "skip_tags",
  "job_type",
  "limit",
  "verbosity",
  "inventory",
  "credential",
  "execution_environment",
  "labels",
  "forks",
  "job_slice_count",
  "timeout",
  "instance_groups",
] as const;

/** The prompts of workflow job templates (research §4). */
export const WORKFLOW_TEMPLATE_PROMPTS = [
  "inventory",
  "limit",
  "scm_branch",
  "variables",
  "labels",
  "skip_tags",
  "tags",
] as const;

/** The `ask_<prompt>_on_launch` flags of a template. */
export function askFlags(template: TemplateRecord): Record<string, boolean> {
  const prompts =
    template.kind === "job_template" ? JOB_TEMPLATE_PROMPTS : WORKFLOW_TEMPLATE_PROMPTS;
  const own: Record<string, boolean> = {
    variables: template.askVariables,
    limit: template.askLimit,
    inventory: template.askInventory,
  };
  return Object.fromEntries(prompts.map((p) => [`ask_${p}_on_launch`, own[p] ?? false]));
}

/** The list path of a template kind under a base. */
export function templateCollection(base: ApiBase, template: TemplateRecord): string {
  return `${base}${template.kind === "job_template" ? "job_templates" : "workflow_job_templates"}/`;
}

/** The organization summary AWX nests in `summary_fields`. */
export function organizationSummary(template: TemplateRecord): Record<string, unknown> {
  return { id: template.organizationId, name: template.organization, description: "" };
}

/** A template as the API shows it. */
export function serializeTemplate(
  template: TemplateRecord,
  base: ApiBase,
): Record<string, unknown> {
  const job = template.kind === "job_template";
  const url = `${templateCollection(base, template)}${template.id}/`;
  const named = `${templateCollection(base, template)}${encodeURIComponent(template.name)}++${encodeURIComponent(template.organization)}/`;
  const related: Record<string, string> = {
    named_url: named,
    organization: `${base}organizations/${template.organizationId}/`,
    launch: `${url}launch/`,
    ...(job
      ? { jobs: `${url}jobs/`, inventory: `${base}inventories/${DEMO_INVENTORY.id}/` }
      : { workflow_jobs: `${url}workflow_jobs/`, workflow_nodes: `${url}workflow_nodes/` }),
  };
  return {
    id: template.id,
    type: template.kind,
    url,
    related,
    summary_fields: {
      organization: organizationSummary(template),
      ...(job ? { inventory: { ...DEMO_INVENTORY } } : {}),
      user_capabilities: { edit: true, delete: true, start: true, schedule: true, copy: true },
    },
    created: isoTime(template.createdAt),
    modified: isoTime(template.createdAt),
    name: template.name,
    description: template.description,
    ...(job ? { job_type: "run", playbook: "playbook.yml" } : {}),
    inventory: template.inventory,
    limit: job ? "" : null,
    extra_vars: pythonJsonDumps(template.extraVars),
    organization: template.organizationId,
    // The model field as stored (`awx/api/serializers.py:3346`, `3816`).
    survey_enabled: template.survey.enabled,
    ...(job ? { allow_simultaneous: template.allowSimultaneous } : {}),
    ...askFlags(template),
  };
}
