/**
 * Maps request paths to routes and operations.
 *
 * The controller API is served under both `/api/v2/` and `/api/controller/v2/` (research
 * §1). Every path needs its trailing slash: a slash-less one matches no route, and
 * dispatch.ts answers it with Django's `APPEND_SLASH` 301 (or 404 when the slash does not
 * help either).
 *
 * @module
 */
import type { TemplateKind } from "./model.js";
import {
  matchNotificationPath,
  notificationMethods,
  type NotificationTarget,
} from "./notifications.js";
import type { AapOperation } from "./records.js";
import type { TemplateRef } from "./registry.js";
import type { AapJobKind } from "./types.js";

/** The two API prefixes; links in responses use the request's own. */
export type ApiBase = "/api/v2/" | "/api/controller/v2/";

/** A matched path. */
export type Route =
  | { kind: "api-root" }
  | { kind: "controller-root" }
  | { kind: "version-root"; base: ApiBase }
  | { kind: "ping"; base: ApiBase }
  | { kind: "template-list"; base: ApiBase; templateKind: TemplateKind | undefined }
  | { kind: "template"; base: ApiBase; templateKind: TemplateKind; ref: TemplateRef }
  | { kind: "launch"; base: ApiBase; templateKind: TemplateKind; ref: TemplateRef }
  | { kind: "job-list"; base: ApiBase; jobKind: AapJobKind }
  | { kind: "job"; base: ApiBase; jobKind: AapJobKind; id: number }
  | { kind: "cancel"; base: ApiBase; jobKind: AapJobKind; id: number }
  | { kind: "notifications"; base: ApiBase; target: NotificationTarget };

const BASES: readonly ApiBase[] = ["/api/controller/v2/", "/api/v2/"];

const TEMPLATE_LISTS: Record<string, TemplateKind | undefined> = {
  job_templates: "job_template",
  workflow_job_templates: "workflow_job_template",
};

const JOB_LISTS: Record<string, AapJobKind> = { jobs: "job", workflow_jobs: "workflow_job" };

/** The methods and the operation each one performs, per route kind. */
const OPERATIONS: Record<Route["kind"], Partial<Record<string, AapOperation>>> = {
  "api-root": { GET: "discovery" },
  "controller-root": { GET: "discovery" },
  "version-root": { GET: "discovery" },
  ping: { GET: "ping" },
  "template-list": { GET: "template-list" },
  template: { GET: "template-get" },
  launch: { GET: "launch-get", POST: "launch" },
  "job-list": { GET: "job-list" },
  job: { GET: "job-get", DELETE: "job-delete" },
  cancel: { GET: "cancel-get", POST: "cancel" },
  // Per target: see routeOperation.
  notifications: {},
};

/**
 * A template path segment: a numeric id, a named URL `<name>++<organization>`, or for job
 * templates a bare name. AWX's `URLModificationMiddleware` (github:ansible/awx e21dd0a0
 * `awx/main/middleware.py:100-170`) rewrites a named URL to the pk it resolves to, or to
 * `0` when it resolves to nothing (so the view answers 404, or 401 to an anonymous
 * client, `middleware.py:116-129`); a bare name is resolved only under `job_templates/`
 * (`_hijack_for_old_jt_name`, `middleware.py:101-110`, 130-135: the template of that name
 * in the oldest organization), elsewhere it matches no URL pattern.
 */
function templateRef(segment: string, kind: TemplateKind): TemplateRef | undefined {
  if (/^[0-9]+$/.test(segment)) return { id: Number(segment) };
  const separator = segment.lastIndexOf("++");
  if (separator <= 0)
    return kind === "job_template" ? { name: segment, organization: undefined } : undefined;
  return { name: segment.slice(0, separator), organization: segment.slice(separator + 2) };
}

function decodeSegments(rest: string): string[] | undefined {
  try {
    return rest.split("/").map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

function matchUnderBase(base: ApiBase, rest: string): Route | undefined {
  if (rest === "") return { kind: "version-root", base };
  if (!rest.endsWith("/")) return undefined;
  const segments = decodeSegments(rest.slice(0, -1));
  if (!segments || segments.some((segment) => segment === "")) return undefined;
  const notification = matchNotificationPath(segments);
  if (notification) return { kind: "notifications", base, target: notification };
  const [collection, item, sub, ...extra] = segments;
  if (collection === undefined || extra.length > 0) return undefined;
  if (collection === "ping" && item === undefined) return { kind: "ping", base };
  if (collection === "unified_job_templates" && item === undefined) {
    return { kind: "template-list", base, templateKind: undefined };
  }
  const templateKind = TEMPLATE_LISTS[collection];
  if (templateKind) {
    if (item === undefined) return { kind: "template-list", base, templateKind };
    const ref = templateRef(item, templateKind);
    if (!ref) return undefined;
    if (sub === undefined) return { kind: "template", base, templateKind, ref };
    return sub === "launch" ? { kind: "launch", base, templateKind, ref } : undefined;
  }
  const jobKind = JOB_LISTS[collection];
  if (jobKind) {
    if (item === undefined) return { kind: "job-list", base, jobKind };
    if (!/^[0-9]+$/.test(item)) return undefined;
    const id = Number(item);
    if (sub === undefined) return { kind: "job", base, jobKind, id };
    return sub === "cancel" ? { kind: "cancel", base, jobKind, id } : undefined;
  }
  return undefined;
}

/** The route of a request path (without query), or undefined when nothing matches. */
export function matchRoute(path: string): Route | undefined {
  if (path === "/api/") return { kind: "api-root" };
  if (path === "/api/controller/") return { kind: "controller-root" };
  const base = BASES.find((candidate) => path.startsWith(candidate));
  return base ? matchUnderBase(base, path.slice(base.length)) : undefined;
}

/** The operation a method performs on a route; undefined when the method is not allowed. */
export function routeOperation(route: Route, method: string): AapOperation | undefined {
  if (route.kind === "notifications") {
    if (!notificationMethods(route.target).includes(method)) return undefined;
    return method === "GET" ? "notification-read" : "notification-write";
  }
  return OPERATIONS[route.kind][method];
}

/** The methods a route allows, for the `Allow` header. */
export function allowedMethods(route: Route): string[] {
  if (route.kind === "notifications") return notificationMethods(route.target);
  return Object.keys(OPERATIONS[route.kind]);
}
