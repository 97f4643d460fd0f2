/**
 * Mapping of HTTP statuses, transport failures and malformed bodies to the typed errors of
 * `@provisionkit/core`. Every message starts with `AAP <METHOD> <path>:`; `details` hold
 * `status`, `method`, `path` (no query string) and `operation`, never headers; no error
 * carries the axios error as `cause`; all server text is scrubbed of secrets.
 *
 * @module
 */
import {
  AbortedError,
  AuthenticationError,
  ConfigurationError,
  InvalidResponseError,
  ProviderError,
  RateLimitError,
  TimeoutError,
  TransientError,
} from "@provisionkit/core";
import type { AttemptOutcome } from "./retry.js";
import { parseRetryAfter } from "./retry.js";
import { DecodeError, fieldName, isPlainObject } from "./schema.js";
import type { Redactor } from "./secrets.js";
import type { HttpMethod, HttpResponse, TransportError } from "./transport.js";

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

/** The `details` of every error of the client. */
export type ErrorDetails = Record<string, string | number | boolean | null>;

/** What the mapping needs besides the request. */
export interface MappingEnv {
  /** Scrubs secrets from text. */
  redactor: Redactor;
  /** Used as `retryAfterMs` of a 429 without a usable `Retry-After`. */
  defaultRetryAfterMs: number;
  /** The current time, for `Retry-After` dates. */
  now: () => number;
}

/** The statuses that reads and cancels retry (with 429, handled apart). */
export const RETRIED_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504]);

// Failures that happen before the request can reach the server.
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_FAIL",
  "EAI_NONAME",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "ERR_INVALID_URL",
]);

// Certificate and TLS set-up failures: a configuration problem, not retried.
const TLS_CODE =
  /^(?:CERT_|ERR_TLS_|ERR_SSL_|ERR_OSSL_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|INVALID_CA|HOSTNAME_MISMATCH|EPROTO)/;

const REASONS: Readonly<Record<number, string>> = {
  400: "bad request",
  401: "authentication failed",
  403: "permission denied",
  404: "not found",
  405: "method not allowed",
  409: "conflict",
  415: "unsupported media type",
  429: "rate limited",
  500: "server error",
  502: "bad gateway",
  503: "service unavailable",
  504: "gateway timeout",
};

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

function flatten(value: unknown, field: string, out: string[]): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    const scalars = value.filter((v) => !isPlainObject(v) && !Array.isArray(v));
    if (scalars.length > 0) flatten(scalars.map(String).join(" "), field, out);
    value.forEach((v: unknown, i) => {
      if (isPlainObject(v) || Array.isArray(v)) flatten(v, `${field}[${i}]`, out);
    });
    return;
  }
  if (isPlainObject(value)) {
    for (const [key, inner] of Object.entries(value)) {
      const generic = key === "detail" || key === "non_field_errors" || key === "__all__";
      flatten(inner, generic ? field : field === "" ? key : `${field}.${key}`, out);
    }
    return;
  }
  const text = typeof value === "string" ? value : JSON.stringify(value);
  out.push(field === "" ? text : `${field}: ${text}`);
}

/**
 * The server's explanation in a body: a DRF validation body flattened to
 * `field: message; other: message`, a `detail`, or the raw text.
 */
export function serverMessage(text: string, redactor: Redactor): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return redactor.serverText(text);
  }
  const parts: string[] = [];
  flatten(body, "", parts);
  return redactor.serverText(parts.join("; "));
}

function withServerText(base: string, text: string, redactor: Redactor): string {
  const server = serverMessage(text, redactor);
  return server === "" ? base : `${base}: ${server}`;
}

function failure<T>(
  error: ProviderError,
  retry: boolean,
  retryAfterMs?: number,
): AttemptOutcome<T> {
  return retryAfterMs === undefined
    ? { ok: false, error, retry }
    : { ok: false, error, retry, retryAfterMs };
}

/** Maps a non-success HTTP response to a typed error, with retry hints. */
export function fromHttpStatus<T>(
  context: CallContext,
  response: HttpResponse,
  env: MappingEnv,
): AttemptOutcome<T> {
  const { status } = response;
  const { redactor } = env;
  const reason = REASONS[status] ?? (status >= 500 ? "server error" : "unexpected status");
  const base = `${messagePrefix(context)}: ${reason} (${status})`;
  const message = withServerText(base, response.text, redactor);
  const details = errorDetails(context, status);
  if (status === 401 || status === 403) {
    // Through the AAP 2.5 gateway the body may not be DRF JSON (unverified): any text is used.
    return failure(new AuthenticationError(redactor.scrub(message), { details }), false);
  }
  if (status === 404) {
    const error = context.notFound
      ? context.notFound(redactor.scrub(message), details)
      : new ProviderError(redactor.scrub(message), { retryable: false, details });
    return failure(error, false);
  }
  if (status === 400) {
    return failure(new ConfigurationError(redactor.scrub(message), { details }), false);
  }
  if (status === 429) {
    // AWX itself never sends 429; whether the AAP gateway does, and in which Retry-After
    // form, is unverified: both the seconds and the HTTP-date forms are accepted.
    const retryAfterMs = parseRetryAfter(response.header("retry-after"), env.now());
    const error = new RateLimitError(
      redactor.scrub(message),
      retryAfterMs ?? env.defaultRetryAfterMs,
      { details, outcomeUnknown: false },
    );
    return failure(error, true, retryAfterMs);
  }
  if (status >= 500) {
    // A launch that got a 5xx may have created the job before the failure.
    const error = new TransientError(redactor.scrub(message), {
      details,
      outcomeUnknown: context.launch,
    });
    return failure(error, RETRIED_STATUSES.has(status));
  }
  if (status >= 300 && status < 400) {
    const redirected = `${base}: redirects are not followed; check the url option (trailing slash, http vs https)`;
    return failure(
      new ProviderError(redactor.scrub(redirected), { retryable: false, details }),
      false,
    );
  }
  return failure(new ProviderError(redactor.scrub(message), { retryable: false, details }), false);
}

/** Maps a request that got no complete response to a typed error, with retry hints. */
export function fromTransport<T>(
  context: CallContext,
  error: TransportError,
  redactor: Redactor,
  timeoutMs: number,
): AttemptOutcome<T> {
  const prefix = messagePrefix(context);
  const details = errorDetails(context, error.status ?? null, { errorCode: error.code });
  const mayHaveLanded = context.launch && error.maybeSent && !NOT_SENT_CODES.has(error.code);
  if (error.kind === "aborted") {
    const aborted = new AbortedError(`${prefix}: aborted by the caller`, {
      details,
      outcomeUnknown: mayHaveLanded,
    });
    return failure(aborted, false);
  }
  if (error.kind === "timeout" || error.code === "ETIMEDOUT") {
    const timeout = new TimeoutError(
      redactor.scrub(`${prefix}: timed out (${error.message})`),
      error.kind === "timeout" ? timeoutMs : undefined,
      { details, outcomeUnknown: mayHaveLanded },
    );
    return failure(timeout, true);
  }
  if (TLS_CODE.test(error.code)) {
    const message = `${prefix}: TLS failure (${error.code}: ${error.message}); check tls.ca, or the url scheme`;
    return failure(new ConfigurationError(redactor.scrub(message), { details }), false);
  }
  if (error.message.includes("maxContentLength")) {
    const message = `${prefix}: response body larger than allowed (${error.message})`;
    const invalid = new InvalidResponseError(redactor.scrub(message), {
      details,
      outcomeUnknown: mayHaveLanded,
    });
    return failure(invalid, false);
  }
  const transient = new TransientError(
    redactor.scrub(`${prefix}: network error (${error.code}: ${error.message})`),
    { details, outcomeUnknown: mayHaveLanded },
  );
  return failure(transient, true);
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
