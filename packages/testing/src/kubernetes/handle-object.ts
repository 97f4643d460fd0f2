/**
 * Requests on one object or its status: get, replace, patch, delete.
 *
 * @module
 */
import { methodNotSupported, notFound } from "./errors.js";
import { clone } from "./json.js";
import { decodeObject } from "./meta.js";
import { deleteObject } from "./op-delete.js";
import { patchObject } from "./op-patch.js";
import { replaceObject } from "./op-update.js";
import type { KubeHttpRequest, Outcome } from "./request.js";
import {
  deletedStatus,
  json,
  parseBody,
  parseDeleteBody,
  writeContext,
} from "./request-parsing.js";
import type { Route } from "./router.js";
import type { KubeState } from "./state.js";

/**
 * Handles a request on an object.
 *
 * @throws KubeStatusError for every API failure.
 */
export function object(
  state: KubeState,
  request: KubeHttpRequest,
  route: Extract<Route, { kind: "object" }>,
): Outcome {
  const { type, namespace, name, subresource } = route;
  const scope = subresource ?? "main";
  switch (request.method) {
    case "GET": {
      const found = state.store.peek(type, namespace, name);
      if (!found) throw notFound(type, name);
      return json(200, clone(found));
    }
    case "PUT": {
      const candidate = decodeObject(type, parseBody(request, type.kind), request.body);
      return json(
        200,
        replaceObject(
          state,
          type,
          namespace,
          name,
          candidate,
          scope,
          writeContext(request, { verb: "update" }),
        ),
      );
    }
    case "PATCH":
      return json(
        200,
        patchObject(
          state,
          type,
          namespace,
          name,
          request.contentType,
          request.body,
          scope,
          writeContext(request, { verb: "patch" }),
        ),
      );
    case "DELETE": {
      if (subresource) throw methodNotSupported(type, "delete");
      const { preconditions, dryRun } = parseDeleteBody(request);
      const ctx = writeContext(request, { dryRun });
      const outcome = deleteObject(state, type, namespace, name, preconditions, ctx);
      const { metadata } = outcome.object;
      return json(
        200,
        outcome.removed ? deletedStatus(type, metadata.name, metadata.uid) : outcome.object,
      );
    }
    default:
      throw methodNotSupported(
        type,
        request.method === "POST" ? "create" : request.method.toLowerCase(),
      );
  }
}
