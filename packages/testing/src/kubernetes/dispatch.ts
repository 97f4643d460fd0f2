/**
 * The API's request handling, independent of the transport: a routed request in, a JSON
 * answer or a watch to open out. Failures are thrown as `KubeStatusError`.
 *
 * @module
 */
import {
  apiGroup,
  apiGroupList,
  apiResourceList,
  coreResourceList,
  coreVersions,
  versionInfo,
} from "./discovery.js";
import { pathNotFound } from "./errors.js";
import { collection } from "./handle-collection.js";
import { object } from "./handle-object.js";
import type { KubeHttpRequest, Outcome } from "./request.js";
import { json } from "./request-parsing.js";
import type { KubeState } from "./state.js";

export type { KubeHttpRequest, Outcome } from "./request.js";

/**
 * Handles a request.
 *
 * @throws KubeStatusError for every API failure.
 */
export function dispatch(state: KubeState, request: KubeHttpRequest): Outcome {
  const { route } = request;
  if (route.kind === "error") throw route.error;
  if (route.kind === "collection") return collection(state, request, route.type, route.namespace);
  if (route.kind === "object") return object(state, request, route);
  if (request.method !== "GET") throw pathNotFound();
  switch (route.kind) {
    case "version":
      return json(200, versionInfo());
    case "health":
      return { kind: "text", status: 200, body: "ok" };
    case "apis":
      return json(200, apiGroupList(state.registry));
    case "group":
      return json(200, apiGroup(state.registry, route.group));
    case "groupVersion":
      return json(200, apiResourceList(state.registry, route.group, route.version));
    case "core":
      return json(200, coreVersions(request.serverAddress));
    case "coreVersion":
      return json(200, coreResourceList(state.registry.core()));
  }
}
