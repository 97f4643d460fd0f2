/**
 * The secret-free identity of a request, shared by the error mapping.
 *
 * @module
 */
import type { ProviderError } from "../errors.js";
import type { SecretRedactor } from "../redaction.js";

/** The `details` of an error of an HTTP client: scalars only, never headers or secrets. */
export type ErrorDetails = Record<string, string | number | boolean | null>;

/** What the error mapping knows about a request. */
export interface HttpCallContext {
  /** The start of every message, e.g. `AAP GET /api/v2/jobs/7/` (no query string, no secrets). */
  prefix: string;
  /** Details of every error about this request (`method`, `path`…); `status` is added. */
  details: ErrorDetails;
  /**
   * Whether sending the request twice is harmless (a read, a cancel). When false (a launch,
   * an event), a failure after the request may have reached the server is `outcomeUnknown`.
   */
  idempotent: boolean;
  /** Scrubs secrets from every message. */
  redactor: SecretRedactor;
}

/** A typed error, with what a retry loop needs to know about it. */
export interface HttpFailure {
  /** The typed error to throw when no retry follows. */
  error: ProviderError;
  /** Whether the failure is worth retrying (for requests that may be retried at all). */
  retry: boolean;
  /** The server's `Retry-After`, in milliseconds, when it sent a usable one. */
  retryAfterMs?: number;
}

/** An {@link HttpFailure} (without `retryAfterMs` when undefined). */
export function httpFailure(
  error: ProviderError,
  retry: boolean,
  retryAfterMs?: number,
): HttpFailure {
  return retryAfterMs === undefined ? { error, retry } : { error, retry, retryAfterMs };
}
