/**
 * The states scenarios wait for.
 *
 * @module
 */
import { ConditionType, configVersion, findCondition, isTerminal } from "@provisionkit/core";
import { CONFORMANCE_FINALIZER, storedStatus, type World } from "./world.js";

/** Every job of the resource has ended in the backend. */
export function ledgerQuiet(world: World, key: string): boolean {
  return world.ledger().every((job) => job.resourceKey !== key || job.finishedAt !== undefined);
}

/**
 * The resource is Ready with its current spec applied, nothing pending, no job active in
 * the engine's records or in the backend.
 */
export function isReady(world: World, key: string): boolean {
  const object = world.object(key);
  if (!object || object.metadata.deletionTimestamp) return false;
  const status = storedStatus(object);
  if (!status || status.pendingLaunch) return false;
  const desired = configVersion(object.spec ?? {});
  if (status.desiredConfigVersion !== desired || status.reconciledConfigVersion !== desired)
    return false;
  if (findCondition(status.conditions, ConditionType.Ready)?.status !== "True") return false;
  if (status.jobs.some((j) => !isTerminal(j.state) || j.awaitingEnd === true)) return false;
  return ledgerQuiet(world, key);
}

/**
 * The operator is done with the resource: the object is gone, or being deleted without the
 * operator's finalizer (another controller's, such as a playbook's, may hold it), and every
 * job of it has ended in the backend.
 */
export function isGone(world: World, key: string): boolean {
  const object = world.object(key);
  const released =
    object === undefined ||
    (object.metadata.deletionTimestamp !== undefined &&
      !(object.metadata.finalizers ?? []).includes(CONFORMANCE_FINALIZER));
  return released && ledgerQuiet(world, key);
}

/** Ready when it is not being deleted, gone when it is. */
export function isSettled(world: World, key: string): boolean {
  const object = world.object(key);
  return object?.metadata.deletionTimestamp || !object ? isGone(world, key) : isReady(world, key);
}
