/**
 * The provider HTTP kit (`@provisionkit/core/http`): what a provider's HTTP client needs
 * besides its own API — an axios transport with TLS options, per-request time limits, the
 * caller's `AbortSignal` and connection tracking; option validation; `Retry-After`; a retry
 * loop for idempotent requests only; and the mapping of HTTP outcomes to core's typed
 * errors (`outcomeUnknown` for requests that are not idempotent), scrubbed by core's
 * `SecretRedactor`. `AapClient` and `EdaClient` are built on it; so can yours be (see
 * docs/writing-a-provider.md). Needs `axios` (an optional peer dependency of core).
 *
 * @packageDocumentation
 */
export type { HttpTlsSettings } from "./agents.js";
export {
  httpFailure,
  type ErrorDetails,
  type HttpCallContext,
  type HttpFailure,
} from "./call-context.js";
export {
  MAX_TIMER_MS,
  checkCount,
  checkFunction,
  checkHttpUrl,
  checkLogger,
  checkMilliseconds,
  checkSecretSource,
  checkTlsOptions,
  checkUserAgent,
  failOption,
  hasControlCharacter,
  isRecord,
  optionChecks,
  type HttpTlsOptions,
  type OptionChecks,
  type ResolvedTlsOptions,
} from "./options.js";
export { isValidPemBundle } from "./pem.js";
export { redactorFor } from "./redaction.js";
export {
  backoffMs,
  runWithRetries,
  type AttemptOutcome,
  type RetryNotice,
  type RetryOptions,
  type RetryPolicy,
} from "./retry.js";
export { MAX_RETRY_AFTER_MS, parseRetryAfter } from "./retry-after.js";
export {
  MAX_ERROR_BODY_DEPTH,
  MAX_ERROR_BODY_PARTS,
  describeStatus,
  serverMessage,
  statusLine,
  statusReason,
} from "./server-text.js";
export { defaultSleep, type Sleep } from "./sleep.js";
export {
  RETRIED_STATUSES,
  fromHttpStatus,
  type StatusAnswer,
  type StatusMapping,
} from "./status-errors.js";
export {
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_REQUEST_BYTES,
  DEFAULT_MAX_RESPONSE_BYTES,
  HttpTransport,
  type HttpRequest,
  type HttpResponse,
  type HttpTransportOptions,
} from "./transport.js";
export { TransportError, type TransportFailureKind } from "./transport-error.js";
export {
  NOT_SENT_CODES,
  fromTransportFailure,
  isTlsFailure,
  type TransportMapping,
} from "./transport-errors.js";
