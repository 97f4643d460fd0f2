/**
 * Replacing objects (PUT on the resource or its status), and out-of-band updates.
 *
 * @module
 */
import { commitUpdate } from "./commit-update.js";
import { conflict, notFound } from "./errors.js";
import { clone } from "./json.js";
import { checkName, metaString } from "./meta.js";
import type { ResourceType } from "./resource-type.js";
import type { KubeState, WriteContext } from "./state.js";
import type { KubeObject } from "./types.js";

/**
 * Replaces an object with a decoded PUT body.
 *
 * @throws KubeStatusError 400 (name), 404, 409 (uid precondition, stale resourceVersion,
 *   injected conflict), 422.
 */
export function replaceObject(
  state: KubeState,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  candidate: KubeObject,
  scope: "main" | "status",
  ctx: WriteContext,
): KubeObject {
  checkName(candidate, name, namespace);
  const existing = state.store.peek(type, namespace, name);
  if (!existing) throw notFound(type, name);
  if (ctx.conflictFault?.(scope, name)) throw conflict(type, name);
  const uid = metaString(candidate, "uid");
  if (uid && uid !== existing.metadata.uid) {
    throw conflict(
      type,
      name,
      `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${existing.metadata.uid}`,
    );
  }
  return commitUpdate(state, type, existing, candidate, {
    scope,
    verb: "update",
    checkVersion: true,
    ctx,
  });
}

/**
 * Updates an object out of band: `mutate` edits a copy, whose spec, metadata and status
 * are all kept, bypassing resourceVersion checks.
 *
 * @throws KubeStatusError 404, 422.
 */
export function mutateObject(
  state: KubeState,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  mutate: (object: KubeObject) => void,
  ctx: WriteContext,
): KubeObject {
  const existing = state.store.peek(type, namespace, name);
  if (!existing) throw notFound(type, name);
  const candidate = clone(existing);
  mutate(candidate);
  return commitUpdate(state, type, existing, candidate, {
    scope: "both",
    verb: "update",
    checkVersion: false,
    ctx,
  });
}
