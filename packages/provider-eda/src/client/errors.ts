/**
 * Mapping of answers and transport failures to the typed errors of `@provisionkit/core`.
 * Every message starts with `EDA POST <path>:`; `details` hold `status`, `method`, `path`
 * and `target`, never headers; no error carries the axios error as `cause`; all server
 * text is scrubbed of secrets.
 *
 * Events are never resent automatically (a duplicate event launches a duplicate job), so
 * the distinction that matters is `outcomeUnknown`: false when the event surely did not
 * arrive (connection refused, DNS, a 4xx, most 5xx), true when it may have (a time-out or
 * a reset after the connection was established, a gateway 502/504, an unexpected 2xx).
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
import type { Redactor } from "./redactor.js";
import { parseRetryAfter } from "./retry-after.js";
import type { EdaDestination } from "./target.js";
import type { HttpResponse, TransportError } from "./transport.js";

/** The `details` of every error of the client. */
export type ErrorDetails = Record<string, string | number | boolean | null>;

/** `Retry-After` used for a 429 without a usable header. */
export const DEFAULT_RETRY_AFTER_MS = 30_000;

// Certificate and TLS set-up failures: a configuration problem.
const TLS_CODE =
  /^(?:CERT_|ERR_TLS_|ERR_SSL_|ERR_OSSL_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|INVALID_CA|HOSTNAME_MISMATCH|EPROTO)/;

const REASONS: Readonly<Record<number, string>> = {
  400: "bad request",
  401: "authentication failed",
  403: "permission denied",
  404: "not found",
  405: "method not allowed",
  408: "request timeout",
  413: "payload too large",
  415: "unsupported media type",
  429: "rate limited",
  500: "server error",
  502: "bad gateway",
  503: "service unavailable",
  504: "gateway timeout",
};

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

/** The server's explanation: a JSON `detail`, or the raw text, scrubbed and shortened. */
export function serverMessage(text: string, redactor: Redactor): string {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === "object" && body !== null && "detail" in body) {
      const detail = body.detail;
      return redactor.serverText(typeof detail === "string" ? detail : JSON.stringify(detail));
    }
  } catch {
    // not JSON: use the text as is
  }
  return redactor.serverText(text);
}

function describe(
  destination: EdaDestination,
  status: number,
  text: string,
  redactor: Redactor,
): string {
  const reason = REASONS[status] ?? (status >= 500 ? "server error" : "unexpected status");
  const base = `${messagePrefix(destination)}: ${reason} (${status})`;
  const server = serverMessage(text, redactor);
  return redactor.scrub(server === "" ? base : `${base}: ${server}`);
}

/**
 * The error for a non-success answer. Nothing was queued for any 4xx; a 502 or 504 may
 * come from a gateway that forwarded the event before failing, so its outcome is unknown.
 */
export function fromHttpStatus(
  destination: EdaDestination,
  response: HttpResponse,
  redactor: Redactor,
  now: number,
): ProviderError {
  const { status } = response;
  const message = describe(destination, status, response.text, redactor);
  const details = errorDetails(destination, status);
  if (status === 401 || status === 403) {
    return new AuthenticationError(`${message}; check the auth option and its secrets`, {
      details,
    });
  }
  if (status === 429) {
    const header = parseRetryAfter(response.header("retry-after"), now);
    return new RateLimitError(message, header ?? DEFAULT_RETRY_AFTER_MS, {
      details: { ...details, retryAfterHeader: header !== undefined },
      outcomeUnknown: false,
    });
  }
  if (status === 404 || status === 405) {
    const hint =
      destination.type === "webhook"
        ? "check target.url (the activation's webhook source)"
        : "check the event-stream URL (it ends with /post/)";
    return new ConfigurationError(`${message}; ${hint}`, { details });
  }
  if (status >= 300 && status < 400) {
    const location = response.header("location");
    let where = "";
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
  if (status === 408) {
    return new TransientError(message, { details, outcomeUnknown: false });
  }
  if (status >= 400 && status < 500) {
    // 400: the receiver rejected the event (bad JSON, missing signature header, a gateway
    // header missing…): a configuration problem that a resend does not fix.
    return new ConfigurationError(message, { details });
  }
  if (status >= 500) {
    return new TransientError(message, {
      details,
      outcomeUnknown: status === 502 || status === 504,
    });
  }
  return new InvalidResponseError(message, { details, outcomeUnknown: true, retryable: false });
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
  redactor: Redactor,
  timeoutMs: number,
): ProviderError {
  const prefix = messagePrefix(destination);
  const details = errorDetails(destination, null, {
    errorCode: error.code,
    connected: error.connected,
  });
  if (error.kind === "aborted") {
    return new AbortedError(`${prefix}: aborted by the caller`, {
      details,
      outcomeUnknown: error.connected,
    });
  }
  if (TLS_CODE.test(error.code)) {
    return new ConfigurationError(
      redactor.scrub(
        `${prefix}: TLS failure (${error.code}: ${error.message}); check tls.ca, or the URL scheme`,
      ),
      { details },
    );
  }
  if (error.kind === "timeout" || error.code === "ETIMEDOUT") {
    const what = error.connected
      ? "the event may have been queued (outcome unknown)"
      : "no connection was established, nothing was sent";
    return new TimeoutError(
      redactor.scrub(`${prefix}: timed out (${error.message}); ${what}`),
      error.kind === "timeout" ? timeoutMs : undefined,
      { details, outcomeUnknown: error.connected },
    );
  }
  if (error.message.includes("maxContentLength")) {
    return new InvalidResponseError(
      redactor.scrub(`${prefix}: answer larger than ${MAX_TEXT} (${error.message})`),
      { details, outcomeUnknown: true, retryable: false },
    );
  }
  const what = error.connected
    ? "the connection broke after the event was written: it may have been queued (outcome unknown)"
    : "nothing was sent";
  return new TransientError(
    redactor.scrub(`${prefix}: network error (${error.code}: ${error.message}); ${what}`),
    { details, outcomeUnknown: error.connected },
  );
}

const MAX_TEXT = "1 MiB";
