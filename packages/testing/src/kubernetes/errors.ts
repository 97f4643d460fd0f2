/**
 * Builders of the `Status` errors the real API server returns, with its wording
 * (k8s.io/apimachinery/pkg/api/errors).
 *
 * @module
 */
import type { ResourceType } from "./resource-type.js";
import { KubeStatusError, type KubeStatusCause, type KubeStatusDetails } from "./status.js";

/** The optimistic-concurrency message of a 409 Conflict. */
export const OPTIMISTIC_LOCK =
  "the object has been modified; please apply your changes to the latest version and try again";

/** A field-level validation error (k8s.io/apimachinery/pkg/util/validation/field). */
export interface FieldError {
  /** Cause type, e.g. `FieldValueInvalid`. */
  readonly type: string;
  /** Field path, e.g. `metadata.name`. */
  readonly field: string;
  /** The message without the field, e.g. `Required value: name or generateName is required`. */
  readonly body: string;
}

function failure(
  code: number,
  reason: string | undefined,
  message: string,
  details?: KubeStatusDetails,
): KubeStatusError {
  return new KubeStatusError({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    ...(reason === undefined ? {} : { reason }),
    ...(details === undefined ? {} : { details }),
    code,
  });
}

/** Details naming an object of a resource, as most errors carry them (`kind` is the plural). */
function resourceDetails(type: ResourceType, name: string | undefined): KubeStatusDetails {
  return {
    ...(name ? { name } : {}),
    ...(type.group ? { group: type.group } : {}),
    kind: type.plural,
  };
}

/** `plural.group` (or the plural alone for core resources), as in error messages. */
export function qualifiedResource(type: ResourceType): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}

/** `Kind.group` (or the kind alone for core resources), as in Invalid messages. */
export function qualifiedKind(type: ResourceType): string {
  return type.group ? `${type.kind}.${type.group}` : type.kind;
}

/** Go's `%q` of a string (close enough: JSON quoting). */
export function goQuote(text: string): string {
  return JSON.stringify(text);
}

/** 404 for an object: `computeinstances.example.com "vm-1" not found`. */
export function notFound(type: ResourceType, name: string): KubeStatusError {
  return failure(
    404,
    "NotFound",
    `${qualifiedResource(type)} ${goQuote(name)} not found`,
    resourceDetails(type, name),
  );
}

/** 404 for a path the server does not serve at all. */
export function pathNotFound(): KubeStatusError {
  return failure(404, "NotFound", "the server could not find the requested resource", {});
}

/** 409 AlreadyExists on create (prefixed when the existing object is being deleted). */
export function alreadyExists(
  type: ResourceType,
  name: string,
  deleting: boolean,
): KubeStatusError {
  const message = `${qualifiedResource(type)} ${goQuote(name)} already exists`;
  return failure(
    409,
    "AlreadyExists",
    deleting ? `object is being deleted: ${message}` : message,
    resourceDetails(type, name),
  );
}

/** 409 Conflict: `Operation cannot be fulfilled on computeinstances.example.com "vm-1": …`. */
export function conflict(
  type: ResourceType,
  name: string,
  cause: string = OPTIMISTIC_LOCK,
): KubeStatusError {
  return failure(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualifiedResource(type)} ${goQuote(name)}: ${cause}`,
    resourceDetails(type, name),
  );
}

/**
 * 409 Conflict of a failed DeleteOptions precondition. The real server names the resource
 * by its kind here (`ComputeInstance.example.com`) and puts the kind in `details.kind`.
 */
export function preconditionConflict(
  type: ResourceType,
  name: string,
  cause: string,
): KubeStatusError {
  return failure(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualifiedKind(type)} ${goQuote(name)}: ${cause}`,
    { name, ...(type.group ? { group: type.group } : {}), kind: type.kind },
  );
}

/**
 * 422 Invalid: `ComputeInstance.example.com "vm-1" is invalid: field: body`, with one cause
 * per field error. `kind` is what the real server puts there for the failing check: the Kind
 * for validation, the plural for the missing-resourceVersion check.
 */
export function invalid(
  group: string,
  kind: string,
  name: string,
  errors: readonly FieldError[],
): KubeStatusError {
  const parts = errors.map((e) => `${e.field}: ${e.body}`);
  const aggregate = parts.length === 1 ? parts[0] : `[${parts.join(", ")}]`;
  const qualified = group ? `${kind}.${group}` : kind;
  const causes: KubeStatusCause[] = errors.map((e) => ({
    reason: e.type,
    message: e.body,
    field: e.field,
  }));
  return failure(422, "Invalid", `${qualified} ${goQuote(name)} is invalid: ${aggregate}`, {
    name,
    ...(group ? { group } : {}),
    kind,
    causes,
  });
}

/** A `FieldValueInvalid` error; `value` is already formatted as Go would print it. */
export function fieldInvalid(field: string, value: string, detail: string): FieldError {
  return { type: "FieldValueInvalid", field, body: `Invalid value: ${value}: ${detail}` };
}

/** A `FieldValueRequired` error. */
export function fieldRequired(field: string, detail: string): FieldError {
  return { type: "FieldValueRequired", field, body: `Required value: ${detail}` };
}

/** A `FieldValueForbidden` error. */
export function fieldForbidden(field: string, detail: string): FieldError {
  return { type: "FieldValueForbidden", field, body: `Forbidden: ${detail}` };
}

/** 400 BadRequest with the given message. */
export function badRequest(message: string): KubeStatusError {
  return failure(400, "BadRequest", message);
}

/** 405 MethodNotAllowed: `update is not supported on resources of kind "…"`. */
export function methodNotSupported(type: ResourceType, verb: string): KubeStatusError {
  return failure(
    405,
    "MethodNotAllowed",
    `${verb} is not supported on resources of kind ${goQuote(qualifiedResource(type))}`,
    { ...(type.group ? { group: type.group } : {}), kind: type.plural },
  );
}

/** 415 UnsupportedMediaType listing the accepted media types. */
export function unsupportedMediaType(accepted: readonly string[]): KubeStatusError {
  return failure(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
  );
}

/** 410 Expired, e.g. `too old resource version: 5 (10)`. */
export function expired(message: string): KubeStatusError {
  return failure(410, "Expired", message);
}

/** 401 Unauthorized. */
export function unauthorized(): KubeStatusError {
  return failure(401, "Unauthorized", "Unauthorized");
}

/** 500 InternalError: `Internal error occurred: …`. */
export function internalError(message: string): KubeStatusError {
  return failure(500, "InternalError", `Internal error occurred: ${message}`, {
    causes: [{ message }],
  });
}

/** A 500 with no reason: what the server answers for a plain (non-Status) storage error. */
export function unknownServerError(message: string): KubeStatusError {
  return failure(500, undefined, message);
}

/**
 * What `NewGenericServerResponse(422, …)` yields, as the real server answers a JSON patch
 * that cannot be applied (a failed `test`, a missing path): the detail is lost.
 */
export function patchNotApplicable(): KubeStatusError {
  return failure(
    422,
    "Invalid",
    "the server rejected our request due to an error in our request",
    {},
  );
}

const REASONS: Record<number, [string, string]> = {
  400: ["BadRequest", "the server rejected our request for an unknown reason"],
  401: ["Unauthorized", "Unauthorized"],
  403: ["Forbidden", "forbidden: the simulator refused the request"],
  404: ["NotFound", "the server could not find the requested resource"],
  405: ["MethodNotAllowed", "the server does not allow this method on the requested resource"],
  409: ["Conflict", "the server reported a conflict"],
  410: ["Expired", "the requested resource version is too old"],
  415: ["UnsupportedMediaType", "the body of the request was in an unknown format"],
  422: ["Invalid", "the server rejected our request due to an error in our request"],
  429: ["TooManyRequests", "Too many requests, please try again later."],
  500: ["InternalError", "Internal error occurred: injected fault"],
  503: ["ServiceUnavailable", "the server is currently unable to handle the request"],
  504: [
    "Timeout",
    "Timeout: request did not complete within requested timeout - context deadline exceeded",
  ],
};

/** The Status of an injected `status` fault, with the reason real servers use for the code. */
export function faultStatus(
  code: number,
  message: string | undefined,
  retryAfterSeconds: number | undefined,
): KubeStatusError {
  const [reason, text] = REASONS[code] ?? [code >= 500 ? "InternalError" : "BadRequest", ""];
  const details: KubeStatusDetails | undefined =
    retryAfterSeconds === undefined ? undefined : { retryAfterSeconds };
  return failure(code, reason, message ?? (text || `injected ${code}`), details);
}
