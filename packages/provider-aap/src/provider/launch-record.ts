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
import { RESOURCE_UID_ANNOTATION, type FindJobQuery } from "@provisionkit/core";
import {
  isObject,
  readProvisionkitResource,
  readProvisionkitVars,
  type AapAnnotationNames,
  type ProvisionkitVars,
} from "./extra-vars.js";

/** `ansible_eda.event.payload.metadata.annotations` of a job's extra vars, or undefined. */
export function eventAnnotations(
  extraVars: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  const node = eventMetadata(extraVars)?.annotations;
  return isObject(node) ? node : undefined;
}

/** `ansible_eda.event.payload.metadata` of a job's extra vars, or undefined. */
function eventMetadata(
  extraVars: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  let node: unknown = extraVars;
  for (const key of ["ansible_eda", "event", "payload", "metadata"]) {
    if (!isObject(node)) return undefined;
    node = node[key];
  }
  return isObject(node) ? node : undefined;
}

/**
 * A job's own record of the launch that made it: what the launch recorded
 * ({@link ProvisionkitVars}) and, when the job says it, the resource it was launched for.
 */
export interface LaunchRecord extends ProvisionkitVars {
  /**
   * The `metadata.uid` of the resource the job was launched for: the event payload's
   * `RESOURCE_UID_ANNOTATION` (written by both built-in providers), else its `metadata.uid`
   * (jobs launched before that annotation), else `provisionkit.resource.uid`; absent when
   * none names one.
   */
  resourceUid?: string;
  /** The resource's key (`namespace/name`), from `provisionkit.resource.key`, when present. */
  resourceKey?: string;
}

/**
 * The launch a job was made for: from the event annotations (with `names`) when they name
 * a correlation id and an operation, the resource's uid from the event payload's
 * `metadata.uid`, and a missing config version or `blockDeletionOnFailure` filled from the
 * `provisionkit` extra var of the same launch; else from the `provisionkit` extra var
 * alone. The resource uid and key of the `provisionkit` extra var fill what the
 * annotations do not say when it records the same launch. `undefined` when the job was
 * launched by neither path.
 */
export function readLaunchRecord(
  extraVars: Record<string, unknown> | undefined,
  names: AapAnnotationNames,
): LaunchRecord | undefined {
  const own = readProvisionkitVars(extraVars);
  const annotations = eventAnnotations(extraVars);
  const correlationId = annotations?.[names.correlationId];
  const operation = annotations?.[names.operation];
  let record: LaunchRecord;
  if (
    annotations === undefined ||
    typeof correlationId !== "string" ||
    correlationId === "" ||
    (operation !== "provision" && operation !== "deprovision")
  ) {
    if (own === undefined) return undefined;
    record = { ...own };
  } else {
    record = { correlationId, operation };
    const version = annotations[names.configVersion];
    const block = annotations[names.blockDeletionOnFailure];
    if (typeof version === "string" && version !== "") record.configVersion = version;
    if (block === "true" || block === "false") record.blockDeletionOnFailure = block === "true";
    const uid = annotations[RESOURCE_UID_ANNOTATION] ?? eventMetadata(extraVars)?.uid;
    if (typeof uid === "string" && uid !== "") record.resourceUid = uid;
    if (own?.correlationId !== correlationId || own.operation !== operation) return record;
    if (own.configVersion !== undefined) record.configVersion ??= own.configVersion;
    if (own.blockDeletionOnFailure !== undefined) {
      record.blockDeletionOnFailure ??= own.blockDeletionOnFailure;
    }
  }
  const resource = readProvisionkitResource(extraVars);
  if (resource.uid !== undefined) record.resourceUid ??= resource.uid;
  if (resource.key !== undefined) record.resourceKey = resource.key;
  return record;
}

/** Whether a job's launch record names exactly this correlation id and operation (P10). */
export function launchedFor(record: ProvisionkitVars | undefined, query: FindJobQuery): boolean {
  return record?.correlationId === query.correlationId && record.operation === query.type;
}
