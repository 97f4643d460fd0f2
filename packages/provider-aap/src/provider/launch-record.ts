/**
 * What a job's own record says about the launch that made it: one reader, and one matcher,
 * for the jobs `AapProvider` launches and for those an EDA rulebook launches for an
 * `EdaProvider` event. Both carry the resource as `ansible_eda.event.payload`, annotated
 * with the correlation id, the operation and the config version (or
 * `blockDeletionOnFailure`); `AapProvider`'s own launches also carry them under the
 * `provisionkit` extra var, which is read when the annotations are absent (a `payload`
 * option that returns no JSON object has nowhere to put them).
 *
 * @module
 */
import type { FindJobQuery } from "@provisionkit/core";
import {
  isObject,
  readProvisionkitVars,
  type AapAnnotationNames,
  type ProvisionkitVars,
} from "./extra-vars.js";

/** `ansible_eda.event.payload.metadata.annotations` of a job's extra vars, or undefined. */
export function eventAnnotations(
  extraVars: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  let node: unknown = extraVars;
  for (const key of ["ansible_eda", "event", "payload", "metadata", "annotations"]) {
    if (!isObject(node)) return undefined;
    node = node[key];
  }
  return isObject(node) ? node : undefined;
}

/**
 * The launch a job was made for: from the event annotations (with `names`) when they name
 * a correlation id and an operation, a missing config version or `blockDeletionOnFailure`
 * filled from the `provisionkit` extra var of the same launch; else from the `provisionkit`
 * extra var alone; `undefined` when the job was launched by neither path.
 */
export function readLaunchRecord(
  extraVars: Record<string, unknown> | undefined,
  names: AapAnnotationNames,
): ProvisionkitVars | undefined {
  const own = readProvisionkitVars(extraVars);
  const annotations = eventAnnotations(extraVars);
  const correlationId = annotations?.[names.correlationId];
  const operation = annotations?.[names.operation];
  if (
    annotations === undefined ||
    typeof correlationId !== "string" ||
    correlationId === "" ||
    (operation !== "provision" && operation !== "deprovision")
  ) {
    return own;
  }
  const record: ProvisionkitVars = { correlationId, operation };
  const version = annotations[names.configVersion];
  const block = annotations[names.blockDeletionOnFailure];
  if (typeof version === "string" && version !== "") record.configVersion = version;
  if (block === "true" || block === "false") record.blockDeletionOnFailure = block === "true";
  if (own?.correlationId === correlationId && own.operation === operation) {
    record.configVersion ??= own.configVersion;
    record.blockDeletionOnFailure ??= own.blockDeletionOnFailure;
    if (record.configVersion === undefined) delete record.configVersion;
    if (record.blockDeletionOnFailure === undefined) delete record.blockDeletionOnFailure;
  }
  return record;
}

/** Whether a job's launch record names exactly this correlation id and operation (P10). */
export function launchedFor(record: ProvisionkitVars | undefined, query: FindJobQuery): boolean {
  return record?.correlationId === query.correlationId && record.operation === query.type;
}
