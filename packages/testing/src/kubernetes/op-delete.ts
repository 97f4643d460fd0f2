/**
 * Deleting objects: preconditions, deletion with finalizers (deletionTimestamp), and
 * immediate removal.
 *
 * @module
 */
import { notFound, preconditionConflict } from "./errors.js";
import { clone } from "./json.js";
import { finalizersOf } from "./meta.js";
import type { ResourceType } from "./resource-type.js";
import type { KubeState, WriteContext } from "./state.js";
import { formatTimestamp } from "./time.js";
import type { KubeObject } from "./types.js";
import { recordWrite } from "./write-log.js";

/** The DeleteOptions preconditions. */
export interface DeletePreconditions {
  /** Delete only if the object has this uid. */
  readonly uid?: string | undefined;
  /** Delete only if the object is at this resourceVersion. */
  readonly resourceVersion?: string | undefined;
}

/** What a delete did. */
export interface DeleteOutcome {
  /**
   * The object: with `deletionTimestamp` when finalizers keep it, or its last state when it
   * was removed.
   */
  readonly object: KubeObject;
  /** Whether it was removed from storage. */
  readonly removed: boolean;
}

function checkPreconditions(
  type: ResourceType,
  existing: KubeObject,
  p: DeletePreconditions,
): void {
  const { name, uid, resourceVersion } = existing.metadata;
  if (p.uid !== undefined && p.uid !== uid) {
    throw preconditionConflict(
      type,
      name,
      `the UID in the precondition (${p.uid}) does not match the UID in record (${uid}). The object might have been deleted and then recreated`,
    );
  }
  if (p.resourceVersion !== undefined && p.resourceVersion !== resourceVersion) {
    throw preconditionConflict(
      type,
      name,
      `the ResourceVersion in the precondition (${p.resourceVersion}) does not match the ResourceVersion in record (${resourceVersion}). The object might have been modified`,
    );
  }
}

/**
 * Deletes an object. With finalizers, the first DELETE sets `deletionTimestamp`,
 * `deletionGracePeriodSeconds: 0` and bumps `generation` (as the real server's
 * `markAsDeleting` does for resources without graceful deletion); later DELETEs change
 * nothing. Without finalizers the object is removed at once.
 *
 * @throws KubeStatusError 404, 409 (failed precondition).
 */
export function deleteObject(
  state: KubeState,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  preconditions: DeletePreconditions,
  ctx: WriteContext,
): DeleteOutcome {
  const existing = state.store.peek(type, namespace, name);
  if (!existing) throw notFound(type, name);
  checkPreconditions(type, existing, preconditions);
  if (finalizersOf(existing).length > 0) {
    if (existing.metadata.deletionTimestamp !== undefined) {
      return { object: clone(existing), removed: false };
    }
    const next = clone(existing);
    next.metadata.deletionTimestamp = formatTimestamp(state.clock.now());
    next.metadata.deletionGracePeriodSeconds = 0;
    if (typeof next.metadata.generation === "number" && next.metadata.generation > 0) {
      next.metadata.generation += 1;
    }
    if (ctx.dryRun) return { object: next, removed: false };
    const stored = state.store.put(type, next);
    recordWrite(state, type, "delete", stored, ctx);
    return { object: stored, removed: false };
  }
  if (ctx.dryRun) return { object: clone(existing), removed: true };
  const removed = state.store.remove(type, namespace, name);
  recordWrite(state, type, "delete", removed, ctx);
  return { object: removed, removed: true };
}
