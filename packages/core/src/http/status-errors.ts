/**
 * Mapping of an HTTP status to a typed error of `@provisionkit/core`.
 *
 * @module
 */
import {
  AuthenticationError,
  ConfigurationError,
  InvalidResponseError,
  ProviderError,
  RateLimitError,
  TransientError,
} from "../errors.js";
import {
  httpFailure,
  type ErrorDetails,
  type HttpCallContext,
  type HttpFailure,
} from "./call-context.js";
import { parseRetryAfter } from "./retry-after.js";
import { describeStatus, statusLine } from "./server-text.js";
import type { HttpResponse } from "./transport.js";

/** The 5xx statuses worth retrying (with 429, which has its own `Retry-After`). */
export const RETRIED_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504]);

/** A non-success answer, as {@link StatusMapping.special} sees it. */
export interface StatusAnswer {
  /** The response. */
  response: HttpResponse;
  /** The scrubbed message: `<prefix>: <reason> (<status>)[: <server message>]`. */
  message: string;
  /** The details, with `status`. */
  details: ErrorDetails;
}

/** How {@link fromHttpStatus} maps what is not the same for every backend. */
export interface StatusMapping {
  /** The current time, for `Retry-After` dates. */
  now: number;
  /** `retryAfterMs` of a 429 without a usable `Retry-After`. */
  defaultRetryAfterMs: number;
  /**
   * The error for a status this backend answers in its own way (a 404 that means "job
   * purged", a 405 that means "wrong URL"…), or undefined for the default mapping. Its
   * errors are not retried.
   */
  special?: (answer: StatusAnswer) => ProviderError | undefined;
  /**
   * Whether a 5xx to a request that is not idempotent may still have had its effect (the
   * outcome is unknown). Default: every 5xx (a server may fail after acting).
   */
  serverErrorMayHaveLanded?: (status: number) => boolean;
  /** Appended to the message of a 401/403, e.g. `check the auth option`. */
  authHint?: string;
}

/**
 * Maps a non-success response to a typed error, with retry hints:
 *
 * | status | error | retry |
 * |---|---|---|
 * | 401, 403 | `AuthenticationError` | no |
 * | 429 | `RateLimitError` with the `Retry-After` (seconds or date, clamped) | yes |
 * | 400 | `ConfigurationError` | no |
 * | 3xx | `ProviderError` (redirects are not followed) | no |
 * | other 4xx | `ProviderError`, not retryable | no |
 * | 5xx | `TransientError`, `outcomeUnknown` for a request that is not idempotent | 500, 502–504 |
 * | 1xx, 2xx | `InvalidResponseError`, `outcomeUnknown` for a request that is not idempotent | no |
 *
 * {@link StatusMapping.special} comes first. Messages are scrubbed; details hold the status.
 */
export function fromHttpStatus(
  context: HttpCallContext,
  response: HttpResponse,
  mapping: StatusMapping,
): HttpFailure {
  const { status } = response;
  const { redactor, prefix } = context;
  const message = describeStatus(prefix, status, response.text, redactor);
  const details: ErrorDetails = { ...context.details, status };
  const special = mapping.special?.({ response, message, details });
  if (special !== undefined) return httpFailure(special, false);
  if (status === 401 || status === 403) {
    const hint = mapping.authHint === undefined ? "" : `; ${mapping.authHint}`;
    return httpFailure(new AuthenticationError(`${message}${hint}`, { details }), false);
  }
  if (status === 429) {
    const header = parseRetryAfter(response.header("retry-after"), mapping.now);
    const error = new RateLimitError(message, header ?? mapping.defaultRetryAfterMs, {
      details: { ...details, retryAfterHeader: header !== undefined },
      outcomeUnknown: false,
    });
    return httpFailure(error, true, header);
  }
  if (status === 400) return httpFailure(new ConfigurationError(message, { details }), false);
  if (status >= 300 && status < 400) {
    const redirected = redactor.scrub(
      `${statusLine(prefix, status)}: redirects are not followed; check the URL (trailing slash, http vs https)`,
    );
    return httpFailure(new ProviderError(redirected, { retryable: false, details }), false);
  }
  if (status >= 400 && status < 500) {
    return httpFailure(new ProviderError(message, { retryable: false, details }), false);
  }
  if (status >= 500) {
    const landed = mapping.serverErrorMayHaveLanded ?? (() => true);
    const error = new TransientError(message, {
      details,
      outcomeUnknown: !context.idempotent && landed(status),
    });
    return httpFailure(error, RETRIED_STATUSES.has(status));
  }
  const unexpected = new InvalidResponseError(message, {
    details,
    outcomeUnknown: !context.idempotent,
    retryable: false,
  });
  return httpFailure(unexpected, false);
}
