/**
 * Bounds on the text the engine copies from provider answers and errors into a resource's
 * status, events and conditions. A backend may explain a failure at any length (AAP's
 * `job_explanation` and tracebacks have no limit); the Kubernetes API server refuses an
 * object over its size limit (etcd's default request limit is 1.5 MiB), and a status write
 * that is refused leaves every later reconcile failing. So the engine clips at the places
 * it takes provider text in (the validation of every answer, and the records of thrown
 * errors) and once more, as a whole, before every status write ({@link STATUS_BUDGET}).
 *
 * Sizes are counted in UTF-16 code units (JavaScript string length). Stored as JSON by the
 * API server, one code unit takes at most 6 bytes: Go's `encoding/json`, which the API
 * server uses for custom resources, escapes `<`, `>`, `&`, U+2028, U+2029 and control
 * characters as `\u00XX` (6 bytes); any other code unit takes at most 3 bytes in UTF-8.
 *
 * @module
 */

/** Longest `message` (or skip `reason`) kept from a provider answer or error, in characters. */
export const MAX_STATUS_MESSAGE_CHARS = 2000;

/** Longest `errorDetails` kept from a provider answer, in characters. */
export const MAX_ERROR_DETAILS_CHARS = 8000;

/**
 * Longest `message`, `errorDetails` and `statusError.message` kept on a job record that is
 * no longer the newest of its type: older records keep their identity, outcome and the
 * start and end of their messages, not their full diagnostics.
 */
export const MAX_OLD_JOB_TEXT_CHARS = 256;

/** Longest job id a provider may return (a longer one is a contract violation, P2). */
export const MAX_JOB_ID_CHARS = 256;

/**
 * Longest operator-chosen string the engine stores: a provider's name, a correlation id
 * from `newCorrelationId`, a desired config version (longer ones are a `ConfigurationError`).
 */
export const MAX_OPERATOR_STRING_CHARS = 253;

/** Longest error `code` or record `reason` kept in status. */
export const MAX_CODE_CHARS = 128;

/** Longest condition `message` written, in characters. */
export const MAX_CONDITION_MESSAGE_CHARS = 3000;

/**
 * Longest Kubernetes Event `message`, in UTF-8 bytes: the API server's `NoteLengthLimit`
 * (k8s.io/kubernetes pkg/apis/core/validation/events.go, `NoteLengthLimit = 1024`, checked as
 * Go `len`, that is bytes, by `legacyValidateEvent` for every Event that carries an
 * `eventTime`, and for all events.k8s.io/v1 Events). The runtime writes core/v1 Events
 * without `eventTime`, which that check skips; it keeps to the limit anyway.
 */
export const MAX_EVENT_MESSAGE_BYTES = 1024;

/**
 * The most job records a status may hold: the largest `historyLimit` the engine accepts.
 * With it, {@link STATUS_BUDGET} stays a small fraction of the API server's limits.
 */
export const MAX_HISTORY_LIMIT = 25;

/**
 * The status budget, in characters (UTF-16 code units), as documented in
 * docs/kubernetes-runtime.md: the most text of each kind one status can hold, and the
 * worst case of a whole status with {@link MAX_HISTORY_LIMIT} job records (the newest of
 * each type at full length, the others clipped to {@link MAX_OLD_JOB_TEXT_CHARS}), counting
 * operator-chosen strings (provider names, correlation ids, config versions) at up to
 * `operatorStringChars` each. `worstCaseBytes` multiplies by 6, the most one code unit takes
 * in the API server's JSON (see the module comment).
 */
export const STATUS_BUDGET = ((operatorStringChars: number) => {
  const timestamps = 6 * 30; // launchedAt, updatedAt, finishedAt, endedAfter, cancelRequestedAt, nextCheckAt
  const keys = 400; // field names, quotes, punctuation and numbers of one record
  // `timing` (nine whole numbers within ±1e11 and their keys) and `traceparent` (55).
  const timing = 9 * 28 + 20 + 70;
  const failure = (message: number) => MAX_CODE_CHARS + message + 2 * 30 + 100;
  const record = (text: number, details: number) =>
    MAX_JOB_ID_CHARS +
    text + // message
    details + // errorDetails
    failure(text) + // statusError
    MAX_CODE_CHARS + // reason
    3 * operatorStringChars + // provider, correlationId, configVersion
    timestamps +
    keys +
    timing;
  const fullRecordChars = record(MAX_STATUS_MESSAGE_CHARS, MAX_ERROR_DETAILS_CHARS);
  const oldRecordChars = record(MAX_OLD_JOB_TEXT_CHARS, MAX_OLD_JOB_TEXT_CHARS);
  const rest =
    failure(MAX_STATUS_MESSAGE_CHARS) + // launchFailure
    MAX_STATUS_MESSAGE_CHARS + // deprovisionSkipped.reason
    5 * (MAX_CONDITION_MESSAGE_CHARS + MAX_CODE_CHARS + 200) + // five conditions
    6 * operatorStringChars + // pendingLaunch, desired and reconciled versions
    1000;
  const worstCaseChars = 2 * fullRecordChars + (MAX_HISTORY_LIMIT - 2) * oldRecordChars + rest;
  return {
    /** Assumed longest operator-chosen string (provider name, correlation id, config version). */
    operatorStringChars,
    /** Most characters of the newest provision or deprovision record. */
    fullRecordChars,
    /** Most characters of any older record. */
    oldRecordChars,
    /** Most characters of a whole provisioning status with the longest history. */
    worstCaseChars,
    /** `worstCaseChars` × 6: the most bytes it can take as the API server's JSON. */
    worstCaseBytes: 6 * worstCaseChars,
  };
})(MAX_OPERATOR_STRING_CHARS);

/**
 * `text` made safe to store and clipped to `max` characters. Lone UTF-16 surrogates are
 * replaced by U+FFFD (they cannot be encoded as UTF-8). Text that then fits is returned
 * as is; otherwise its start and its end (where a traceback's error is) are kept around a
 * marker saying how much was cut, `max` characters in all. A cut never splits a surrogate
 * pair (a character outside the Basic Multilingual Plane is kept or cut whole).
 *
 * @param text - the text.
 * @param max - the most characters to keep (at least 64).
 */
export function clipText(text: string, max: number): string {
  const whole = wellFormed(text);
  if (whole.length <= max) return whole;
  const room = Math.max(64, max);
  // The marker's length depends on the count it shows; compute with the widest count.
  const marker = (cut: number) => ` … [${cut} characters cut] … `;
  const keep = room - marker(whole.length).length;
  let head = Math.ceil(keep / 4);
  let tailStart = whole.length - (keep - head);
  // Never end the head after a high surrogate, nor start the tail on a low surrogate.
  if (head > 0 && isHighSurrogate(whole.charCodeAt(head - 1))) head--;
  if (tailStart < whole.length && isLowSurrogate(whole.charCodeAt(tailStart))) tailStart++;
  const cut = tailStart - head;
  return `${whole.slice(0, head)}${marker(cut)}${whole.slice(tailStart)}`;
}

/**
 * `text` clipped to at most `maxBytes` bytes of UTF-8, ending with `…` when cut. Lone
 * surrogates become U+FFFD first; a cut never splits a character.
 *
 * @param text - the text.
 * @param maxBytes - the most UTF-8 bytes to keep (at least 16).
 */
export function clipUtf8(text: string, maxBytes: number): string {
  const whole = wellFormed(text);
  const limit = Math.max(16, maxBytes);
  if (Buffer.byteLength(whole, "utf8") <= limit) return whole;
  const room = limit - 3; // "…" is 3 bytes
  let bytes = 0;
  let end = 0;
  while (end < whole.length) {
    const code = whole.codePointAt(end) ?? 0;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (bytes + size > room) break;
    bytes += size;
    end += code >= 0x10000 ? 2 : 1;
  }
  return `${whole.slice(0, end)}…`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** A lone high surrogate, or a lone low surrogate (matched code unit by code unit). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` with every lone surrogate replaced by U+FFFD. */
function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, "\uFFFD");
}
