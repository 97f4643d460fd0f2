/**
 * The update path shared by PUT, PATCH and out-of-band updates: resourceVersion checks,
 * the status subresource split, generation, finalizer rules, no-op detection, and the
 * deletion that follows the removal of the last finalizer.
 *
 * @module
 */
import {
  conflict,
  fieldForbidden,
  fieldInvalid,
  goQuote,
  invalid,
  type FieldError,
} from "./errors.js";
import { clone, deepEqual, omitKeys } from "./json.js";
import { finalizersOf, goStringSlice, metaString, validateTypeMeta } from "./meta.js";
import { apiVersionOf, keepsGeneration, type ResourceType } from "./resource-type.js";
import type { KubeState, WriteContext } from "./state.js";
import type { KubeObject } from "./types.js";
import { recordWrite } from "./write-log.js";

/**
 * What an update may change: `main` (the resource: everything but `.status` when the
 * status subresource is on), `status` (only `.status`), `both` (out-of-band updates).
 */
export type UpdateScope = "main" | "status" | "both";

/** How to commit an update. */
export interface CommitOptions {
  /** What the update may change. */
  readonly scope: UpdateScope;
  /** Recorded verb. */
  readonly verb: "update" | "patch";
  /** Whether the candidate's resourceVersion must match (false only out of band). */
  readonly checkVersion: boolean;
  /** Who writes. */
  readonly ctx: WriteContext;
}

function checkResourceVersion(
  type: ResourceType,
  existing: KubeObject,
  candidate: KubeObject,
): void {
  const name = existing.metadata.name;
  const raw = candidate.metadata.resourceVersion as unknown;
  const version = typeof raw === "string" || typeof raw === "number" ? String(raw) : "";
  if (version === "") {
    // Custom resources do not allow unconditional updates (AllowUnconditionalUpdate() is
    // false): the real server answers this 422, naming the resource (plural) as the kind.
    if (type.core) return;
    throw invalid(type.group, type.plural, name, [
      fieldInvalid("metadata.resourceVersion", "0x0", "must be specified for an update"),
    ]);
  }
  if (version !== existing.metadata.resourceVersion) throw conflict(type, name);
}

/** The candidate with the server-owned metadata of `existing`, and the status/generation rules. */
function prepareMain(
  type: ResourceType,
  existing: KubeObject,
  candidate: KubeObject,
  both: boolean,
): KubeObject {
  const next = clone(candidate);
  next.apiVersion = apiVersionOf(type);
  next.kind = type.kind;
  const meta = next.metadata as Record<string, unknown>;
  const old = existing.metadata;
  meta.name = old.name;
  if (old.namespace === undefined) delete meta.namespace;
  else meta.namespace = old.namespace;
  meta.uid = old.uid;
  meta.creationTimestamp = old.creationTimestamp;
  meta.resourceVersion = old.resourceVersion;
  for (const key of ["deletionTimestamp", "deletionGracePeriodSeconds", "generation"] as const) {
    if (old[key] === undefined) delete meta[key];
    else meta[key] = old[key];
  }
  delete meta.managedFields;
  delete meta.selfLink;
  if (type.statusSubresource && !both) {
    if (Object.hasOwn(existing, "status")) next.status = clone(existing.status);
    else delete next.status;
  }
  if (keepsGeneration(type)) {
    // As customResourceStrategy.PrepareForUpdate: any change outside metadata bumps the
    // generation (status is outside only without the status subresource; with it, main
    // writes cannot change status and out-of-band status changes do not count).
    const ignored = type.statusSubresource ? ["metadata", "status"] : ["metadata"];
    if (!deepEqual(omitKeys(next, ignored), omitKeys(existing, ignored))) {
      meta.generation = old.generation + 1;
    }
  }
  return next;
}

function validateMain(type: ResourceType, existing: KubeObject, candidate: KubeObject): void {
  const errors: FieldError[] = validateTypeMeta(type, candidate);
  const uid = metaString(candidate, "uid");
  if (uid && uid !== existing.metadata.uid) {
    errors.push(fieldInvalid("metadata.uid", goQuote(uid), "field is immutable"));
  }
  if (existing.metadata.deletionTimestamp !== undefined) {
    const old = new Set(finalizersOf(existing));
    const added = [...new Set(finalizersOf(candidate))].filter((f) => !old.has(f)).sort();
    if (added.length > 0) {
      errors.push(
        fieldForbidden(
          "metadata.finalizers",
          `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(added)}`,
        ),
      );
    }
  }
  if (errors.length > 0) throw invalid(type.group, type.kind, existing.metadata.name, errors);
}

/**
 * Commits an update of `existing` to `candidate`.
 *
 * @returns The stored object; the unchanged object for a no-op; the computed object when
 *   the update removed the last finalizer of an object being deleted (which deletes it).
 * @throws KubeStatusError 409 (stale resourceVersion), 422 (missing resourceVersion, kind,
 *   new finalizer while deleting, changed uid).
 */
export function commitUpdate(
  state: KubeState,
  type: ResourceType,
  existing: KubeObject,
  candidate: KubeObject,
  options: CommitOptions,
): KubeObject {
  const { scope, ctx } = options;
  if (options.checkVersion) checkResourceVersion(type, existing, candidate);
  let next: KubeObject;
  if (scope === "status") {
    const errors = validateTypeMeta(type, candidate);
    if (errors.length > 0) throw invalid(type.group, type.kind, existing.metadata.name, errors);
    next = clone(existing);
    if (Object.hasOwn(candidate, "status")) next.status = clone(candidate.status);
    else delete next.status;
  } else {
    validateMain(type, existing, candidate);
    next = prepareMain(type, existing, candidate, scope === "both");
  }
  if (deepEqual(next, existing)) return clone(existing);
  const { namespace, name } = existing.metadata;
  if (existing.metadata.deletionTimestamp !== undefined && finalizersOf(next).length === 0) {
    if (!ctx.dryRun) {
      const removed = state.store.remove(type, namespace, name);
      recordWrite(state, type, "finalize", removed, ctx);
    }
    return next;
  }
  if (ctx.dryRun) return next;
  const stored = state.store.put(type, next);
  recordWrite(state, type, options.verb, stored, ctx, scope === "status" ? "status" : undefined);
  return stored;
}
