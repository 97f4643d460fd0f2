/**
 * The filterable and orderable fields of each list endpoint.
 *
 * @module
 */
import { path, type ListFields } from "./filters.js";
import type { AapJobKind } from "./types.js";

const shared: ListFields = {
  id: { type: "int", get: path("id") },
  name: { type: "string", get: path("name") },
  description: { type: "string", get: path("description") },
  organization: { type: "int", get: path("organization") },
  organization__name: { type: "string", get: path("summary_fields", "organization", "name") },
  created: { type: "datetime", get: path("created") },
  modified: { type: "datetime", get: path("modified") },
};

/** Fields of `job_templates/`, `workflow_job_templates/` (and, with `type`, the unified list). */
export function templateFields(unified: boolean): ListFields {
  return unified ? { ...shared, type: { type: "string", get: path("type") } } : shared;
}

/** Fields of `jobs/` and `workflow_jobs/`. */
export function jobFields(kind: AapJobKind): ListFields {
  const template = kind === "job" ? "job_template" : "workflow_job_template";
  return {
    ...shared,
    status: { type: "string", get: path("status") },
    failed: { type: "bool", get: path("failed") },
    launch_type: { type: "string", get: path("launch_type") },
    started: { type: "datetime", get: path("started") },
    finished: { type: "datetime", get: path("finished") },
    unified_job_template: { type: "int", get: path("unified_job_template") },
    [template]: { type: "int", get: path(template) },
    extra_vars: { type: "string", get: path("extra_vars") },
    limit: { type: "string", get: path("limit") },
  };
}
