/**
 * Mapping of a request that got no complete response to a typed error of
 * `@provisionkit/core`.
 *
 * @module
 */
import {
  AbortedError,
  ConfigurationError,
  InvalidResponseError,
  TimeoutError,
  TransientError,
} from "../errors.js";
import { httpFailure, type HttpCallContext, type HttpFailure } from "./call-context.js";
import type { TransportError } from "./transport-error.js";

/** Failures that happen before a request can reach the server. */
export const NOT_SENT_CODES: ReadonlySet<string> = new Set([
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

/** Certificate and TLS set-up failures: a configuration problem, not retried. */
const TLS_CODE =
  /^(?:CERT_|ERR_TLS_|ERR_SSL_|ERR_OSSL_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|INVALID_CA|HOSTNAME_MISMATCH|EPROTO)/;

/** Whether `code` is a certificate or TLS set-up failure. */
export function isTlsFailure(code: string): boolean {
  return TLS_CODE.test(code);
}

/** Options of {@link fromTransportFailure}. */
export interface TransportMapping {
  /** The request's time limit, reported by a `TimeoutError`. */
  timeoutMs: number;
  /** What was sent, in messages about a request that is not idempotent. Default `the request`. */
  what?: string;
}

/**
 * Maps a request that got no complete response to a typed error, with retry hints. For a
 * request that is not idempotent, the outcome is unknown when it may have reached the
 * server: a connection was established and the failure is not one that happens before
 * sending (refused, DNS); the message then says which.
 *
 * | failure | error | retry |
 * |---|---|---|
 * | the caller's signal | `AbortedError` | no |
 * | certificate, TLS set-up | `ConfigurationError` | no |
 * | time limit, `ETIMEDOUT` | `TimeoutError` | yes |
 * | body over the size limit | `InvalidResponseError` | no |
 * | anything else (refused, reset, DNS) | `TransientError` | yes |
 */
export function fromTransportFailure(
  context: HttpCallContext,
  error: TransportError,
  mapping: TransportMapping,
): HttpFailure {
  const { prefix, redactor } = context;
  const details = {
    ...context.details,
    status: error.status ?? null,
    errorCode: error.code,
    connected: error.connected,
  };
  const mayHaveLanded = !context.idempotent && error.connected && !NOT_SENT_CODES.has(error.code);
  const what = mapping.what ?? "the request";
  const outcome = (broke: string): string => {
    if (context.idempotent) return "";
    if (mayHaveLanded) return `; ${broke}${what} may have arrived (outcome unknown)`;
    return error.connected || error.kind !== "timeout"
      ? "; nothing was sent"
      : "; no connection was established, nothing was sent";
  };
  if (error.kind === "aborted") {
    const aborted = new AbortedError(`${prefix}: aborted by the caller`, {
      details,
      outcomeUnknown: mayHaveLanded,
    });
    return httpFailure(aborted, false);
  }
  if (isTlsFailure(error.code)) {
    const message = `${prefix}: TLS failure (${error.code}: ${error.message}); check tls.ca, or the URL scheme`;
    return httpFailure(new ConfigurationError(redactor.scrub(message), { details }), false);
  }
  if (error.kind === "timeout" || error.code === "ETIMEDOUT") {
    const timeout = new TimeoutError(
      redactor.scrub(`${prefix}: timed out (${error.message})${outcome("")}`),
      error.kind === "timeout" ? mapping.timeoutMs : undefined,
      { details, outcomeUnknown: mayHaveLanded },
    );
    return httpFailure(timeout, true);
  }
  if (error.message.includes("maxContentLength")) {
    const message = `${prefix}: response body larger than allowed (${error.message})`;
    const invalid = new InvalidResponseError(redactor.scrub(message), {
      details,
      outcomeUnknown: mayHaveLanded,
      retryable: false,
    });
    return httpFailure(invalid, false);
  }
  const transient = new TransientError(
    redactor.scrub(
      `${prefix}: network error (${error.code}: ${error.message})${outcome("the connection broke after the request was written: ")}`,
    ),
    { details, outcomeUnknown: mayHaveLanded },
  );
  return httpFailure(transient, true);
}
