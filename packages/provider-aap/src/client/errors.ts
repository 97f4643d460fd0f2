/**
 * Mapping of HTTP statuses, transport failures and malformed bodies to the typed errors of
 * `@provisionkit/core`, through the HTTP kit (`@provisionkit/core/http`). Every message
 * starts with `AAP <METHOD> <path>:`; `details` hold `status`, `method`, `path` (no query
 * string) and `operation`, never headers; no error carries the axios error as `cause`; all
 * server text is scrubbed of secrets.
 *
 * @module
 */
import { InvalidResponseError, ProviderError } from "@provisionkit/core";
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
export type HttpMethod = "GET" | "POST";

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
    // both the seconds and the HTTP-date forms are accepted.
    special: ({ response: { status }, message, details }) =>
      status === 404 && notFound ? notFound(message, details) : undefined,
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
