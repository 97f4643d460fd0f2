/**
 * Reading what a request asks for: bodies, query flags, selectors, watch and delete
 * options, and the write context.
 *
 * @module
 */
import { badRequest, unsupportedMediaType } from "./errors.js";
import { makeFilter, type ObjectFilter } from "./filter.js";
import { isObject } from "./json.js";
import { parseObjectBody } from "./limits.js";
import type { DeletePreconditions } from "./op-delete.js";
import type { KubeHttpRequest, Outcome } from "./request.js";
import type { ResourceType } from "./resource-type.js";
import type { WriteContext } from "./state.js";
import type { KubeStatus } from "./status.js";

/** The body media types accepted for POST and PUT. */
const JSON_TYPES = ["application/json"];

/** A JSON answer. */
export function json(status: number, body: unknown): Outcome {
  return { kind: "json", status, body };
}

/** Whether a boolean query parameter is set (`true` or `1`). */
export function flag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  return value === "true" || value === "1";
}

/**
 * Parses a JSON body. With `kind` (a create or an update of that kind) the real server's
 * nesting and number limits apply, with its wording (see `parseObjectBody`).
 *
 * @throws KubeStatusError 415 for a non-JSON content type, 400 for malformed JSON.
 */
export function parseBody(request: KubeHttpRequest, kind?: string): unknown {
  const mediaType = (request.contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (mediaType !== "" && !JSON_TYPES.includes(mediaType)) throw unsupportedMediaType(JSON_TYPES);
  if (kind !== undefined) return parseObjectBody(request.body, kind);
  try {
    return JSON.parse(request.body) as unknown;
  } catch (error) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(error as Error).message}`);
  }
}

/** The write context of a request; `verb` wires the conflict fault of updates and patches. */
export function writeContext(
  request: KubeHttpRequest,
  options: { dryRun?: boolean; verb?: "update" | "patch" } = {},
): WriteContext {
  const { verb } = options;
  return {
    origin: "http",
    dryRun: options.dryRun === true || request.query.getAll("dryRun").includes("All"),
    fieldManager: request.query.get("fieldManager") ?? undefined,
    userAgent: request.userAgent,
    ...(verb === undefined
      ? {}
      : {
          conflictFault: (sub: "status" | "main", name: string) =>
            request.conflictFault(verb, sub, name),
        }),
  };
}

/**
 * The filter of a list, watch or delete-collection request.
 *
 * @throws KubeStatusError 400 for malformed selectors.
 */
export function requestFilter(
  type: ResourceType,
  namespace: string | undefined,
  query: URLSearchParams,
): ObjectFilter {
  return makeFilter(
    type,
    namespace,
    query.get("labelSelector") ?? undefined,
    query.get("fieldSelector") ?? undefined,
  );
}

/**
 * A watch to open, from the query (`resourceVersion`, `timeoutSeconds`,
 * `allowWatchBookmarks`, `sendInitialEvents`).
 *
 * @throws KubeStatusError 400 for a malformed resourceVersion or timeout.
 */
export function watchOutcome(
  type: ResourceType,
  filter: ObjectFilter,
  query: URLSearchParams,
): Outcome {
  const rv = query.get("resourceVersion") ?? "";
  if (rv !== "" && !/^[0-9]+$/.test(rv))
    throw badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
  const timeout = query.get("timeoutSeconds");
  if (timeout !== null && !/^[0-9]+$/.test(timeout))
    throw badRequest(`invalid timeoutSeconds: ${timeout}`);
  return {
    kind: "watch",
    type,
    filter,
    start: {
      resourceVersion: rv === "" || rv === "0" ? undefined : Number(rv),
      sendInitialEvents: flag(query, "sendInitialEvents"),
    },
    timeoutMs: timeout === null || timeout === "0" ? undefined : Number(timeout) * 1000,
    bookmarks: flag(query, "allowWatchBookmarks"),
  };
}

/**
 * The preconditions and dry-run flag of a DeleteOptions body (empty body: none).
 *
 * @throws KubeStatusError 400 for a malformed body.
 */
export function parseDeleteBody(request: KubeHttpRequest): {
  preconditions: DeletePreconditions;
  dryRun: boolean;
} {
  if (request.body.trim() === "") return { preconditions: {}, dryRun: false };
  const body = parseBody(request);
  if (!isObject(body)) throw badRequest("DeleteOptions must be a JSON object");
  const p = isObject(body.preconditions) ? body.preconditions : {};
  const text = (value: unknown): string | undefined =>
    typeof value === "string" ? value : undefined;
  return {
    preconditions: { uid: text(p.uid), resourceVersion: text(p.resourceVersion) },
    dryRun: Array.isArray(body.dryRun) && body.dryRun.includes("All"),
  };
}

/** The Success Status a DELETE answers when the object was removed. */
export function deletedStatus(type: ResourceType, name: string, uid: string): KubeStatus {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    details: { name, ...(type.group ? { group: type.group } : {}), kind: type.plural, uid },
  };
}
