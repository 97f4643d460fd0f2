/**
 * Mapping of answers and transport failures to the typed errors of `@provisionkit/core`,
 * through the HTTP kit (`@provisionkit/core/http`). Every message starts with
 * `EDA POST <path>:`; `details` hold `status`, `method`, `path` and `target`, never
 * headers; no error carries the axios error as `cause`; all server text is scrubbed of
 * secrets.
 *
 * Events are never resent automatically (a duplicate event launches a duplicate job), so
 * the distinction that matters is `outcomeUnknown`: false when the event surely did not
 * arrive (connection refused, DNS, a 4xx, most 5xx), true when it may have (a time-out or
 * a reset after the connection was established, a gateway 502/504, an unexpected 2xx).
 *
 * @module
 */
import {
  ConfigurationError,
  InvalidResponseError,
  TransientError,
  type ProviderError,
  type SecretRedactor,
} from "@provisionkit/core";
import {
  fromHttpStatus as mapStatus,
  fromTransportFailure,
  type ErrorDetails,
  type HttpCallContext,
  type HttpResponse,
  type StatusAnswer,
  type TransportError,
} from "@provisionkit/core/http";
import type { EdaDestination } from "./target.js";

export type { ErrorDetails } from "@provisionkit/core/http";

/** `Retry-After` used for a 429 without a usable header. */
export const DEFAULT_RETRY_AFTER_MS = 30_000;

/** `EDA POST /create-vm` — the start of every message. */
export function messagePrefix(destination: EdaDestination): string {
  return `EDA POST ${destination.path}`;
}

/** The `details` of an error about `destination`. */
export function errorDetails(
  destination: EdaDestination,
  status: number | null,
  extra: ErrorDetails = {},
): ErrorDetails {
  return { status, method: "POST", path: destination.path, target: destination.type, ...extra };
}

function kitContext(destination: EdaDestination, redactor: SecretRedactor): HttpCallContext {
  return {
    prefix: messagePrefix(destination),
    details: errorDetails(destination, null),
    // An event is never idempotent: a duplicate launches a duplicate job.
    idempotent: false,
    redactor,
  };
}

/** The EDA receivers' own answers: wrong URL, redirects, a rejected event. */
function special(
  destination: EdaDestination,
  redactor: SecretRedactor,
  { response, message, details }: StatusAnswer,
): ProviderError | undefined {
  const { status } = response;
  if (status === 404 || status === 405) {
    const hint =
      destination.type === "webhook"
        ? "check target.url (the activation's webhook source)"
        : "check the event-stream URL (it ends with /post/)";
    return new ConfigurationError(`${message}; ${hint}`, { details });
  }
  if (status >= 300 && status < 400) {
    let where = "";
    const location = response.header("location");
    if (location !== undefined) {
      try {
        const url = new URL(location, destination.url);
        where = ` to ${url.origin}${url.pathname}`;
      } catch {
        where = "";
      }
    }
    return new ConfigurationError(
      redactor.scrub(
        `${messagePrefix(destination)}: redirected (${status})${where}; redirects are not followed, ` +
          "fix the URL (https vs http, trailing slash)",
      ),
      { details },
    );
  }
  if (status === 408) return new TransientError(message, { details, outcomeUnknown: false });
  if (status >= 400 && status < 500 && status !== 401 && status !== 403 && status !== 429) {
    // 400: the receiver rejected the event (bad JSON, missing signature header, a gateway
    // header missing…): a configuration problem that a resend does not fix.
    return new ConfigurationError(message, { details });
  }
  return undefined;
}

/**
 * The error for a non-success answer. Nothing was queued for any 4xx; a 502 or 504 may
 * come from a gateway that forwarded the event before failing, so its outcome is unknown.
 */
export function fromHttpStatus(
  destination: EdaDestination,
  response: HttpResponse,
  redactor: SecretRedactor,
  now: number,
): ProviderError {
  return mapStatus(kitContext(destination, redactor), response, {
    now,
    defaultRetryAfterMs: DEFAULT_RETRY_AFTER_MS,
    special: (answer) => special(destination, redactor, answer),
    serverErrorMayHaveLanded: (status) => status === 502 || status === 504,
    authHint: "check the auth option and its secrets",
  }).error;
}

/** The error for a 2xx that does not confirm the event was queued. Outcome unknown. */
export function unconfirmed(
  destination: EdaDestination,
  status: number,
  problem: string,
): InvalidResponseError {
  return new InvalidResponseError(
    `${messagePrefix(destination)}: ${problem} (${status}); whether the event was queued is unknown ` +
      "(a proxy or login page may have answered)",
    { details: errorDetails(destination, status), outcomeUnknown: true, retryable: false },
  );
}

/** The error for a request that got no complete response. */
export function fromTransport(
  destination: EdaDestination,
  error: TransportError,
  redactor: SecretRedactor,
  timeoutMs: number,
): ProviderError {
  return fromTransportFailure(kitContext(destination, redactor), error, {
    timeoutMs,
    what: "the event",
  }).error;
}
