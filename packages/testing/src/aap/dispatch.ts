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
  }
}

function respond(state: SimState, classified: Classified, request: HandlerRequest): SimResponse {
  const { route, operation, auth } = classified;
  if (!route) throw pathNotFound();
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
  if (classified.route) {
    const allow = allowedMethods(classified.route).join(", ");
    response = { ...response, headers: { Allow: allow, ...response.headers } };
  }
  return error === undefined ? { response } : { response, error };
}
