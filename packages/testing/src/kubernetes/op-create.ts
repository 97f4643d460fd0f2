/**
 * Creating objects (POST), with the real server's checks and system fields.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import {
  alreadyExists,
  badRequest,
  fieldRequired,
  invalid,
  unknownServerError,
  type FieldError,
} from "./errors.js";
import { metaString, validateTypeMeta } from "./meta.js";
import { generateName, validateName } from "./names.js";
import { keepsGeneration, type ResourceType } from "./resource-type.js";
import type { KubeState, WriteContext } from "./state.js";
import { formatTimestamp } from "./time.js";
import type { KubeObject } from "./types.js";
import { recordWrite } from "./write-log.js";

/** Metadata the server owns: whatever a client sends there is replaced. */
const SYSTEM_FIELDS = [
  "uid",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "generation",
  "managedFields",
  "selfLink",
] as const;

/** Sets the namespace from the request path, as `EnsureObjectNamespaceMatchesRequestNamespace`. */
function settleNamespace(
  type: ResourceType,
  object: KubeObject,
  namespace: string | undefined,
): void {
  const own = metaString(object, "namespace") ?? "";
  if (!type.namespaced) {
    delete object.metadata.namespace;
    return;
  }
  const requested = namespace ?? "";
  if (own !== "" && requested !== "" && own !== requested) {
    throw badRequest(
      "the namespace of the provided object does not match the namespace sent on the request",
    );
  }
  object.metadata.namespace = requested || own;
}

/**
 * Creates an object from a decoded body.
 *
 * @param namespace - The namespace of the request path (namespaced resources).
 * @returns The created object (without resourceVersion under dry run).
 * @throws KubeStatusError 400 (namespace mismatch), 422 (name, kind), 500 (resourceVersion
 *   set), 409 AlreadyExists.
 */
export function createObject(
  state: KubeState,
  type: ResourceType,
  namespace: string | undefined,
  object: KubeObject,
  ctx: WriteContext,
): KubeObject {
  settleNamespace(type, object, namespace);
  const ns = type.namespaced ? object.metadata.namespace : undefined;
  if (type.namespaced && !ns) {
    throw badRequest("the namespace of the object is required for a namespaced resource");
  }
  const meta = object.metadata;
  let name = metaString(object, "name") ?? "";
  const prefix = metaString(object, "generateName") ?? "";
  if (name === "" && prefix !== "") {
    // The real server retries a generated name that is taken; so does this loop.
    do name = generateName(prefix);
    while (state.store.peek(type, ns, name));
  }
  const errors: FieldError[] = [...validateTypeMeta(type, object)];
  if (name === "") errors.push(fieldRequired("metadata.name", "name or generateName is required"));
  else errors.push(...validateName(name));
  if (errors.length > 0) throw invalid(type.group, object.kind, name, errors);
  const version = meta.resourceVersion as unknown;
  if (version !== undefined && version !== "" && version !== "0") {
    throw unknownServerError("resourceVersion should not be set on objects to be created");
  }
  const existing = state.store.peek(type, ns, name);
  if (existing) throw alreadyExists(type, name, existing.metadata.deletionTimestamp !== undefined);

  for (const field of SYSTEM_FIELDS) delete meta[field];
  meta.name = name;
  meta.uid = randomUUID();
  meta.creationTimestamp = formatTimestamp(state.clock.now());
  if (keepsGeneration(type)) meta.generation = 1;
  if (type.statusSubresource) delete object.status;
  if (ctx.dryRun) {
    delete (meta as Record<string, unknown>).resourceVersion;
    return object;
  }
  const stored = state.store.put(type, object);
  recordWrite(state, type, "create", stored, ctx);
  return stored;
}
