/**
 * Requests on a collection: list, watch, create, delete collection.
 *
 * @module
 */
import { methodNotSupported, pathNotFound } from "./errors.js";
import { listObjects } from "./list.js";
import { decodeObject } from "./meta.js";
import { createObject } from "./op-create.js";
import { deleteObject } from "./op-delete.js";
import type { KubeHttpRequest, Outcome } from "./request.js";
import {
  flag,
  json,
  parseBody,
  parseDeleteBody,
  requestFilter,
  watchOutcome,
  writeContext,
} from "./request-parsing.js";
import type { ResourceType } from "./resource-type.js";
import type { KubeState } from "./state.js";

/**
 * Handles a request on a collection (`namespace` undefined: cluster-wide).
 *
 * @throws KubeStatusError for every API failure.
 */
export function collection(
  state: KubeState,
  request: KubeHttpRequest,
  type: ResourceType,
  namespace: string | undefined,
): Outcome {
  const { method, query } = request;
  const allNamespaces = type.namespaced && namespace === undefined;
  if (allNamespaces && method !== "GET") throw pathNotFound();
  const selectors = query.has("labelSelector") || query.has("fieldSelector");
  switch (method) {
    case "GET": {
      const filter = requestFilter(type, namespace, query);
      if (flag(query, "watch")) return watchOutcome(type, filter, query);
      return json(
        200,
        listObjects(
          state,
          type,
          filter,
          query.get("limit") ?? undefined,
          query.get("continue") ?? undefined,
          selectors,
        ),
      );
    }
    case "POST": {
      const object = decodeObject(type, parseBody(request, type.kind), request.body);
      return json(201, createObject(state, type, namespace, object, writeContext(request)));
    }
    case "DELETE": {
      const filter = requestFilter(type, namespace, query);
      const { preconditions, dryRun } = parseDeleteBody(request);
      const listed = listObjects(state, type, filter, undefined, undefined, selectors);
      const ctx = writeContext(request, { dryRun });
      for (const item of listed.items) {
        const { namespace: ns, name } = item.metadata;
        deleteObject(state, type, ns, name, preconditions, ctx);
      }
      return json(200, listed);
    }
    default:
      throw methodNotSupported(type, method === "PUT" ? "update" : method.toLowerCase());
  }
}
