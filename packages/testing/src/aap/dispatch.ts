/**
 * From a request to a response, transport aside: route, authentication, method check,
 * handler. Runs synchronously against the state at the request's instant.
 *
 * @module
 */
import { authenticate, requireAuth, type AuthResult } from "./auth.js";
import { cancelGet, cancelPost } from "./handlers/cancel.js";
import { apiRoot, controllerRoot, ping, versionRoot } from "./handlers/discovery.js";
import { jobDelete, jobGet, jobList } from "./handlers/jobs.js";
import { launchGet, launchPost } from "./handlers/launch.js";
import { templateGet, templateList } from "./handlers/templates.js";
import type { AapOperation } from "./records.js";
import { ApiError, methodNotAllowed, pathNotFound, type SimResponse } from "./response.js";
import { allowedMethods, matchRoute, routeOperation, type Route } from "./router.js";
import type { HandlerRequest, SimState } from "./state.js";

/** What is known about a request before it is processed (used to match fault rules). */
export interface Classified {
  /** The matched route, if any. */
  readonly route: Route | undefined;
  /** The operation, if the route allows the method. */
  readonly operation: AapOperation | undefined;
  /** The credentials presented. */
  readonly auth: AuthResult;
}

const PUBLIC_ROUTES: readonly Route["kind"][] = [
  "api-root",
  "controller-root",
  "version-root",
  "ping",
];

/** Routes a request and reads its credentials. */
export function classify(
  state: SimState,
  method: string,
  path: string,
  authorization: string | undefined,
): Classified {
  const route = matchRoute(path);
  return {
    route,
    operation: route && routeOperation(route, method),
    auth: authenticate(authorization, state.auth),
  };
}

function handle(state: SimState, route: Route, request: HandlerRequest): SimResponse {
  const post = request.method === "POST";
  switch (route.kind) {
    case "api-root":
      return apiRoot(state, route, request);
    case "controller-root":
      return controllerRoot(state, route, request);
    case "version-root":
      return versionRoot(state, route, request);
    case "ping":
      return ping(state, route, request);
    case "template-list":
      return templateList(state, route, request);
    case "template":
      return templateGet(state, route, request);
    case "launch":
      return post ? launchPost(state, route, request) : launchGet(state, route, request);
    case "job-list":
      return jobList(state, route, request);
    case "job":
      return request.method === "DELETE"
        ? jobDelete(state, route, request)
        : jobGet(state, route, request);
    case "cancel":
      return post ? cancelPost(state, route, request) : cancelGet(state, route, request);
    case "notifications":
      return state.notifications.handle(state, route.base, route.target, request);
  }
}

/**
 * Django's `APPEND_SLASH` redirect: AWX keeps `django.middleware.common.CommonMiddleware`
 * (github:ansible/awx e21dd0a0 `awx/settings/defaults.py:897`) and never sets
 * `APPEND_SLASH`, so Django's default `True` holds. Its `process_response` (Django 4.2,
 * pinned at `requirements/requirements.txt:129`; `django/middleware/common.py`
 * `should_redirect_with_slash`, `get_full_path_with_slash`) turns the 404 of a path that
 * matches no URL pattern, but would with a slash appended, into a 301
 * (`HttpResponsePermanentRedirect`) to that path with the query kept, whatever the method
 * and before any authentication (no view runs). With `DEBUG` off (production) a POST is
 * redirected too, so a client that follows the 301 replays it as a GET: a slash-less
 * `POST …/launch` then reads the launch view and launches nothing (the symptom of
 * github.com/ansible/awx/issues/12319). Both prefixes alike: `OptionalURLPrefixPath`
 * (`awx/main/middleware.py:202-222`) sets the `request.urlconf` the check uses. The nginx
 * rule meant to add the slash (`rewrite ^(.*)$http_host(.*[^/])$ …`,
 * `nginx.locations.conf.j2:41`) has a `$` anchor before a literal and never matches
 * (inferred from nginx's regex syntax; unverified live).
 */
function appendSlashRedirect(request: HandlerRequest): SimResponse | undefined {
  if (request.path.endsWith("/") || !matchRoute(`${request.path}/`)) return undefined;
  const query = request.query.toString();
  return {
    status: 301,
    headers: {
      Location: `${request.path}/${query === "" ? "" : `?${query}`}`,
      "Content-Type": "text/html; charset=utf-8",
    },
  };
}

function respond(state: SimState, classified: Classified, request: HandlerRequest): SimResponse {
  const { route, operation, auth } = classified;
  if (!route) {
    const redirect = appendSlashRedirect(request);
    if (redirect) return redirect;
    throw pathNotFound();
  }
  // DRF authenticates and checks permissions before it looks at the method.
  if (!PUBLIC_ROUTES.includes(route.kind)) requireAuth(auth, request.method);
  if (!operation) throw methodNotAllowed(request.method);
  return handle(state, route, request);
}

/** The outcome of processing a request. */
export interface Processed {
  /** The response to send. */
  readonly response: SimResponse;
  /** The message of an unexpected error that became a 500, if any. */
  readonly error?: string;
}

/**
 * Processes a classified request. Never throws: errors become their responses, anything
 * unexpected (such as a throwing script function) a 500
 * `{"detail":"A server error has occurred."}` (AWX `handle_500`).
 */
export function processRequest(
  state: SimState,
  classified: Classified,
  request: HandlerRequest,
): Processed {
  let response: SimResponse;
  let error: string | undefined;
  try {
    response = respond(state, classified, request);
  } catch (thrown) {
    if (thrown instanceof ApiError) {
      response = thrown.response;
    } else {
      response = { status: 500, body: { detail: "A server error has occurred." } };
      error = thrown instanceof Error ? thrown.message : String(thrown);
    }
  }
  // Jobs a request created, cancelled or ended may have notifications to fire.
  state.afterRequest?.(request.now);
  if (classified.route) {
    const allow = allowedMethods(classified.route).join(", ");
    response = { ...response, headers: { Allow: allow, ...response.headers } };
  }
  return error === undefined ? { response } : { response, error };
}
