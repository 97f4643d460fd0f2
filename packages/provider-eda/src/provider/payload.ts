import {
  ConfigurationError,
  RESOURCE_UID_ANNOTATION,
  type JobType,
  type ResourceObject,
} from "@provisionkit/core";
import { ANNOTATION_TRACEPARENT, type EdaAnnotationNames } from "../constants.js";

/** The default payload: the resource without `status` and `metadata.managedFields`. */
export function defaultPayload(resource: ResourceObject): Record<string, unknown> {
  const { status: _status, ...rest } = resource;
  const { managedFields: _managed, ...metadata } =
    resource.metadata as ResourceObject["metadata"] & {
      managedFields?: unknown;
    };
  return { ...rest, metadata };
}

/** What an event says about itself, in its annotations. */
export interface EventFacts {
  /** The operation. */
  operation: JobType;
  /** The correlation id of the launch. */
  correlationId: string;
  /** For provision: the config version. */
  configVersion?: string;
  /** For deprovision: the provider's `blockDeletionOnFailure`. */
  blockDeletionOnFailure?: boolean;
  /** The job span's W3C trace context, when the runtime traces jobs. */
  traceparent?: string;
  /** The `metadata.uid` of the resource the event is for, when it has one. */
  resourceUid?: string;
}

/**
 * The event body: a JSON copy of `payload` (never the caller's object) whose
 * `metadata.annotations` also carry the correlation id, the operation and, for a
 * provision, the config version or, for a deprovision, `blockDeletionOnFailure` (`"true"` or
 * `"false"`), and, when the runtime traces jobs, `provisionkit.io/traceparent`, and the
 * resource's uid (`RESOURCE_UID_ANNOTATION`, `provisionkit.io/resource-uid`, so that the
 * event's AAP job names its resource whatever the payload). Each of the last three is
 * removed from events it does not apply to, should the resource itself carry it.
 *
 * @throws ConfigurationError when `payload` is not a JSON object.
 */
export function eventBody(
  payload: unknown,
  names: EdaAnnotationNames,
  facts: EventFacts,
): Record<string, unknown> {
  let copy: unknown;
  try {
    const text = JSON.stringify(payload);
    copy = text === undefined ? undefined : JSON.parse(text);
  } catch {
    copy = undefined;
  }
  if (!isObject(copy)) {
    throw new ConfigurationError(
      "EdaProvider option payload must return a JSON-serializable object",
      {
        details: { option: "payload" },
      },
    );
  }
  const metadata = isObject(copy.metadata) ? copy.metadata : {};
  const annotations = isObject(metadata.annotations) ? metadata.annotations : {};
  annotations[names.correlationId] = facts.correlationId;
  annotations[names.operation] = facts.operation;
  if (facts.configVersion !== undefined) annotations[names.configVersion] = facts.configVersion;
  else delete annotations[names.configVersion];
  if (facts.operation === "deprovision" && facts.blockDeletionOnFailure !== undefined) {
    annotations[names.blockDeletionOnFailure] = String(facts.blockDeletionOnFailure);
  } else delete annotations[names.blockDeletionOnFailure];
  if (facts.traceparent !== undefined) annotations[ANNOTATION_TRACEPARENT] = facts.traceparent;
  else delete annotations[ANNOTATION_TRACEPARENT];
  if (facts.resourceUid !== undefined) annotations[RESOURCE_UID_ANNOTATION] = facts.resourceUid;
  else delete annotations[RESOURCE_UID_ANNOTATION];
  metadata.annotations = annotations;
  copy.metadata = metadata;
  return copy;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
