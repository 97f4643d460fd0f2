/**
 * Mapping of HTTP statuses, transport failures and malformed bodies to the typed errors of
 * `@provisionkit/core`, through the HTTP kit (`@provisionkit/core/http`). Every message
 * starts with `AAP <METHOD> <path>:`; `details` hold `status`, `method`, `path` (no query
 * string) and `operation`, never headers; no error carries the axios error as `cause`; all
 * server text is scrubbed of secrets.
 *
 * @module
 */
import { ConfigurationError, InvalidResponseError, ProviderError } from "@provisionkit/core";
import {
  fromHttpStatus as mapStatus,
  fromTransportFailure,
  type ErrorDetails,
  type HttpCallContext,
  type HttpResponse,
  type TransportError,
} from "@provisionkit/core/http";
import type { AttemptOutcome } from "./retry.js";
import { DecodeError, fieldName } from "./schema.js";
import type { Redactor } from "./secrets.js";

export type { ErrorDetails } from "@provisionkit/core/http";

/** An HTTP method the client uses. */
export type HttpMethod = "GET" | "POST" | "PATCH";

/** The secret-free identity of a request, used in messages and details. */
export interface CallContext {
  /** The client operation, e.g. `getJob`. */
  operation: string;
  /** The HTTP method. */
  method: HttpMethod;
  /** The path, without query string. */
  path: string;
  /** True for a launch: ambiguous failures set `outcomeUnknown` (the job may exist). */
  launch: boolean;
  /** Builds the error for a 404; defaults to a non-retryable `ProviderError`. */
  notFound?: (message: string, details: ErrorDetails) => ProviderError;
}

/** What the mapping needs besides the request. */
export interface MappingEnv {
  /** Scrubs secrets from text. */
  redactor: Redactor;
  /** Used as `retryAfterMs` of a 429 without a usable `Retry-After`. */
  defaultRetryAfterMs: number;
  /** The current time, for `Retry-After` dates. */
  now: () => number;
}

/** `AAP GET /api/v2/jobs/7/` — the start of every message. */
export function messagePrefix(context: CallContext): string {
  return `AAP ${context.method} ${context.path}`;
}

/** The `details` of an error about `context`. */
export function errorDetails(
  context: CallContext,
  status: number | null,
  extra: ErrorDetails = {},
): ErrorDetails {
  return {
    status,
    method: context.method,
    path: context.path,
    operation: context.operation,
    ...extra,
  };
}

function kitContext(context: CallContext, redactor: Redactor): HttpCallContext {
  return {
    prefix: messagePrefix(context),
    details: errorDetails(context, null),
    idempotent: !context.launch,
    redactor,
  };
}

/** `code` of the `ConfigurationError` for a 403 refusing a filter on a field (AWX's `prevent_search` rule). */
export const FILTER_NOT_ALLOWED = "FILTER_NOT_ALLOWED";

// django-ansible-base (github:ansible/django-ansible-base b082f48a)
// ansible_base/rest_filters/utils.py:58-60: `Filtering on %(field_name)s is not allowed.`
// for a `prevent_search` field; utils.py:46: `Filtering on field %(name)s is not allowed.`
// for a password or encrypted field. Both raise DRF's `PermissionDenied`: 403 `{"detail": …}`.
const REFUSED_FILTER = /^Filtering on (?:field )?([A-Za-z0-9_]+) is not allowed\.$/;

/**
 * The field named by a 403 that refuses a filter (AWX's `prevent_search` rule, e.g. 403
 * `{"detail": "Filtering on extra_vars is not allowed."}`), or undefined for any other
 * answer. Such a 403 says the request asked for something AWX never allows, whoever asks:
 * it is not an authentication failure.
 */
export function refusedFilterField(response: HttpResponse): string | undefined {
  if (response.status !== 403) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    return undefined;
  }
  const detail =
    typeof body === "object" && body !== null ? (body as { detail?: unknown }).detail : undefined;
  return typeof detail === "string" ? REFUSED_FILTER.exec(detail)?.[1] : undefined;
}

/**
 * The non-retryable `ConfigurationError` (code `FILTER_NOT_ALLOWED`, `details.field`) for a
 * 403 that refuses a filter, or undefined when `answer` is not one.
 */
export function filterRefusal(
  response: HttpResponse,
  message: string,
  details: ErrorDetails,
): ConfigurationError | undefined {
  const field = refusedFilterField(response);
  if (field === undefined) return undefined;
  return new ConfigurationError(
    `${message}; AWX refuses any filter on ${field} (its prevent_search rule), whatever the ` +
      "credentials: the request must not filter on it",
    { code: FILTER_NOT_ALLOWED, retryable: false, details: { ...details, field } },
  );
}

/** Maps a non-success HTTP response to a typed error, with retry hints. */
export function fromHttpStatus<T>(
  context: CallContext,
  response: HttpResponse,
  env: MappingEnv,
): AttemptOutcome<T> {
  const { notFound } = context;
  const failure = mapStatus(kitContext(context, env.redactor), response, {
    now: env.now(),
    defaultRetryAfterMs: env.defaultRetryAfterMs,
    // Through the AAP 2.5 gateway a 401 body may not be DRF JSON (unverified): any text is
    // used. AWX itself never sends 429; the gateway's Retry-After form is unverified too:
    // both the seconds and the HTTP-date forms are accepted. A 403 refusing a filter is not
    // an authentication failure (filterRefusal); every other 403 is.
    special: ({ response, message, details }) =>
      response.status === 404 && notFound
        ? notFound(message, details)
        : filterRefusal(response, message, details),
  });
  return { ok: false, ...failure };
}

/** Maps a request that got no complete response to a typed error, with retry hints. */
export function fromTransport<T>(
  context: CallContext,
  error: TransportError,
  redactor: Redactor,
  timeoutMs: number,
): AttemptOutcome<T> {
  const failure = fromTransportFailure(kitContext(context, redactor), error, {
    timeoutMs,
    what: "the launch",
  });
  return { ok: false, ...failure };
}

/**
 * The error for a success response whose body is not what was expected: not JSON, or a
 * field of the wrong type. For a launch the job was probably created: `outcomeUnknown`.
 */
export function invalidBody(
  context: CallContext,
  status: number,
  problem: DecodeError | { message: string; field: string },
  redactor: Redactor,
): InvalidResponseError {
  const field = problem instanceof DecodeError ? fieldName(problem.path) : problem.field;
  return new InvalidResponseError(redactor.scrub(`${messagePrefix(context)}: ${problem.message}`), {
    details: errorDetails(context, status, { field }),
    outcomeUnknown: context.launch,
  });
}
