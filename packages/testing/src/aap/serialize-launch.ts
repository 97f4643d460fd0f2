/**
 * What `GET …/launch/` answers (research §4).
 *
 * @module
 */
import type { TemplateRecord } from "./model.js";
import { pythonJsonDumps } from "./python-json.js";
import { DEMO_INVENTORY } from "./registry.js";
import { askFlags } from "./serialize-template.js";
import { activeQuestions } from "./survey.js";

/** The `defaults` of the launch view: the template's values of the prompted fields. */
function launchDefaults(template: TemplateRecord): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  if (template.askVariables) defaults.extra_vars = pythonJsonDumps(template.extraVars);
  if (template.askLimit) defaults.limit = template.kind === "job_template" ? "" : null;
  if (template.askInventory) defaults.inventory = { ...DEMO_INVENTORY };
  return defaults;
}

/**
 * The launch view of a template. `survey_enabled` is the flag and a `spec` in the survey
 * (`awx/api/serializers.py:4627-4630`, `4793-4796`); `variables_needed_to_start` the
 * required questions (`awx/main/models/mixins.py:145-152`); a job template can start
 * without user input when nothing is asked on launch and no variable is needed
 * (`awx/main/models/jobs.py:407-430`), a workflow job template when no variable is needed
 * (`awx/main/models/workflow.py:609-610`).
 */
export function serializeLaunch(template: TemplateRecord): Record<string, unknown> {
  const data = { name: template.name, id: template.id, description: template.description };
  const questions = activeQuestions(template.survey);
  const needed = questions.filter((q) => q.required).map((q) => q.variable);
  const flags = askFlags(template);
  const asks = template.kind === "job_template" && Object.values(flags).some(Boolean);
  const common = {
    can_start_without_user_input: needed.length === 0 && !asks,
    ...flags,
    survey_enabled: template.survey.enabled && "spec" in template.survey.spec,
    variables_needed_to_start: needed,
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
