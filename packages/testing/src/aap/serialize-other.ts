/**
 * Projects, inventory sources, system job templates and workflow approval templates as
 * `unified_job_templates/` shows them: each through its own serializer
 * (`UnifiedJobTemplateSerializer.get_sub_serializer`, github:ansible/awx e21dd0a0
 * `awx/api/serializers.py:716-731`), reduced to the fields a client resolving a template by
 * name meets: `id`, `type`, `url`, `related`, `summary_fields`, `name`, `organization` and
 * the `UnifiedJobTemplateSerializer` fields (`serializers.py:694-696`: `last_job_run`,
 * `last_job_failed`, `next_job_run`, `status`). None of them has `ask_*_on_launch`; a system
 * job template has a `related.launch` the simulator does not serve (404).
 *
 * @module
 */
import type { OtherTemplateRecord } from "./model.js";
import type { ApiBase } from "./router.js";
import { isoTime } from "./time.js";

/** The list path of each type. */
const COLLECTIONS: Record<OtherTemplateRecord["type"], string> = {
  project: "projects",
  inventory_source: "inventory_sources",
  system_job_template: "system_job_templates",
  workflow_approval_template: "workflow_approval_templates",
};

/** The links of each type beyond its organization (the ones AWX names `update`/`launch`). */
function ownLinks(template: OtherTemplateRecord, url: string): Record<string, string> {
  switch (template.type) {
    case "project":
      return { update: `${url}update/`, project_updates: `${url}project_updates/` };
    case "inventory_source":
      return { update: `${url}update/`, inventory_updates: `${url}inventory_updates/` };
    case "system_job_template":
      return { launch: `${url}launch/`, jobs: `${url}jobs/` };
    case "workflow_approval_template":
      return { approvals: `${url}approvals/` };
  }
}

/** A template of another kind as the unified list shows it. */
export function serializeOther(
  template: OtherTemplateRecord,
  base: ApiBase,
): Record<string, unknown> {
  const url = `${base}${COLLECTIONS[template.type]}/${template.id}/`;
  const { organization } = template;
  return {
    id: template.id,
    type: template.type,
    url,
    related: {
      ...(organization ? { organization: `${base}organizations/${organization.id}/` } : {}),
      ...ownLinks(template, url),
    },
    summary_fields: {
      ...(organization ? { organization: { ...organization, description: "" } } : {}),
    },
    created: isoTime(template.createdAt),
    modified: isoTime(template.createdAt),
    name: template.name,
    description: template.description,
    ...(template.type === "system_job_template" ? {} : { organization: organization?.id ?? null }),
    last_job_run: null,
    last_job_failed: false,
    next_job_run: null,
    status: "never updated",
  };
}
