/**
 * What `GET …/launch/` answers (research §4).
 *
 * @module
 */
import type { TemplateRecord } from "./model.js";
import { pythonJsonDumps } from "./python-json.js";
import { DEMO_INVENTORY } from "./registry.js";
import { askFlags } from "./serialize-template.js";

/** The `defaults` of the launch view: the template's values of the prompted fields. */
function launchDefaults(template: TemplateRecord): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  if (template.askVariables) defaults.extra_vars = pythonJsonDumps(template.extraVars);
  if (template.askLimit) defaults.limit = template.kind === "job_template" ? "" : null;
  if (template.askInventory) defaults.inventory = { ...DEMO_INVENTORY };
  return defaults;
}

/** The launch view of a template. */
export function serializeLaunch(template: TemplateRecord): Record<string, unknown> {
  const data = { name: template.name, id: template.id, description: template.description };
  const common = {
    can_start_without_user_input: true,
    ...askFlags(template),
    survey_enabled: false,
    variables_needed_to_start: [],
    defaults: launchDefaults(template),
  };
  if (template.kind === "workflow_job_template") {
    return {
      ...common,
      node_templates_missing: [],
      node_prompts_rejected: [],
      workflow_job_template_data: data,
    };
  }
  return {
    ...common,
    passwords_needed_to_start: [],
    credential_needed_to_start: false,
    inventory_needed_to_start: false,
    job_template_data: data,
  };
}
