/**
 * Template lists, template details and the template lookup shared with launch.
 *
 * @module
 */
import { applyFilters } from "../filters.js";
import { templateFields } from "../list-fields.js";
import type { TemplateKind, TemplateRecord } from "../model.js";
import { applyOrdering } from "../ordering.js";
import { paginate } from "../pagination.js";
import type { TemplateRef } from "../registry.js";
import { objectNotFound, ok } from "../response.js";
import { serializeOther } from "../serialize-other.js";
import { serializeTemplate } from "../serialize-template.js";
import type { Handler, SimState } from "../state.js";

const MODELS: Record<TemplateKind, string> = {
  job_template: "JobTemplate",
  workflow_job_template: "WorkflowJobTemplate",
};

/**
 * The template a path names.
 *
 * @throws ApiError 404 DRF's "No … matches the given query." (response.ts), for an
 *   unknown id and for a named URL that resolves to nothing (AWX rewrites it to pk `0`,
 *   router.ts), after authentication.
 */
export function findTemplate(
  state: SimState,
  kind: TemplateKind,
  ref: TemplateRef,
): TemplateRecord {
  const template = state.templates.find(kind, ref);
  if (template) return template;
  throw objectNotFound(MODELS[kind]);
}

/**
 * `GET {base}job_templates/`, `workflow_job_templates/`, `unified_job_templates/`; the last
 * lists the other kinds too (projects, inventory sources, system job templates, approval
 * templates: serialize-other.ts), all in one id order.
 */
export const templateList: Handler<"template-list"> = (state, route, request) => {
  const fields = templateFields(route.templateKind);
  const others =
    route.templateKind === undefined
      ? state.templates.others().map((template) => serializeOther(template, route.base))
      : [];
  const items = state.templates
    .list(route.templateKind)
    .map((template) => serializeTemplate(template, route.base))
    .concat(others)
    .sort((a, b) => (a.id as number) - (b.id as number));
  const filtered = applyFilters(items, request.query, fields);
  const ordered = applyOrdering(filtered, request.query.get("order_by"), fields);
  return ok(paginate(ordered, request.path, request.query));
};

/** `GET {base}job_templates/{id}/` and the workflow equivalent; named URLs too. */
export const templateGet: Handler<"template"> = (state, route) =>
  ok(serializeTemplate(findTemplate(state, route.templateKind, route.ref), route.base));
