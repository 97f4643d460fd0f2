/**
 * Typed errors with stable codes.
 *
 * Every error the SDK or a provider throws on purpose is a {@link ProviderError} (or a
 * subclass) with a stable {@link ErrorCode}, a `retryable` flag and an `outcomeUnknown`
 * flag. Messages may change between versions; codes do not.
 *
 * `instanceof` works across the ESM and CJS builds of this package (a process may load
 * both): each class checks a brand stored under a global symbol when the prototype check
 * fails. {@link isProviderError} and {@link hasErrorCode} are the code-based equivalents.
 *
 * @module
 */
import { MAX_STATUS_MESSAGE_CHARS, clipText } from "./text-bounds.js";

/** The stable codes of the errors in this module. */
export const ErrorCode = {
  /** A provider or backend failure with no more specific code. */
  Provider: "PROVIDER_ERROR",
  /** The backend asked us to slow down. See {@link RateLimitError}. */
  RateLimited: "RATE_LIMITED",
  /** The job no longer exists in the backend (purged or deleted). */
  JobNotFound: "JOB_NOT_FOUND",
  /** The configuration is wrong: missing template, bad option, unhashable spec. */
  Configuration: "CONFIGURATION",
  /** Credentials were rejected or lack permission. */
  Authentication: "AUTHENTICATION",
  /** A call or a job took longer than allowed. */
  Timeout: "TIMEOUT",
  /** A failure expected to go away on its own: 5xx, connection reset. */
  Transient: "TRANSIENT",
  /** A response the provider could not make sense of. */
  InvalidResponse: "INVALID_RESPONSE",
  /** A provider broke a rule of the contract (P1–P8). */
  ContractViolation: "CONTRACT_VIOLATION",
  /** The caller aborted the operation through its `AbortSignal`. */
  Aborted: "ABORTED",
  /** The job exists but was launched for another resource. See {@link JobOwnershipError}. */
  JobNotOwned: "JOB_NOT_OWNED",
} as const;

/** One of the values of {@link ErrorCode}; providers may use codes of their own too. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const BRAND: unique symbol = Symbol.for("provisionkit.error.kinds") as never;

/** Options accepted by every error constructor of this module. */
export interface ProviderErrorOptions {
  /** Stable machine-readable code. Defaults to the class's own code. */
  code?: string;
  /** Whether retrying the same call may succeed. Defaults per class. */
  retryable?: boolean;
  /**
   * Whether the failed call may still have had its effect in the backend (a launch that
   * timed out after the backend accepted it). The engine never relaunches blindly after
   * such an error: it adopts the job by correlation id or applies its unknown-outcome
   * policy. Defaults per class (true only for {@link TimeoutError}).
   */
  outcomeUnknown?: boolean;
  /** The underlying error. Never put secrets in it. */
  cause?: unknown;
  /** Structured, secret-free details for logs and status (HTTP status, field name…). */
  details?: Readonly<Record<string, string | number | boolean | null>>;
}

/**
 * Base class of every typed error. Construct it directly for failures with no more
 * specific class, or subclass it for your provider's own errors.
 */
export class ProviderError extends Error {
  /**
   * Brand kind used for cross-build `instanceof`; also the `name` of the class's instances.
   * Every class of this module declares its own, equal to its source name, because a bundler
   * may rename the class itself (tsup emits `_ProviderError`). A subclass that declares no
   * `brandKind` of its own is named after its constructor.
   */
  static readonly brandKind: string = "ProviderError";
  /** Stable machine-readable code. */
  readonly code: string;
  /** Whether retrying the same call may succeed. */
  readonly retryable: boolean;
  /** Whether the failed call may still have taken effect in the backend. */
  readonly outcomeUnknown: boolean;
  /** Structured, secret-free details. */
  readonly details: Readonly<Record<string, string | number | boolean | null>>;
  declare readonly [BRAND]: readonly string[];

  /**
   * @param message - human-readable, secret-free description.
   * @param options - code, flags, cause and details.
   */
  constructor(message: string, options: ProviderErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const ctor = new.target;
    // Not ctor.name alone: the bundled builds rename classes (`_ProviderError`), and the
    // name reaches `toJSON`, status and logs.
    this.name = Object.prototype.hasOwnProperty.call(ctor, "brandKind")
      ? ctor.brandKind
      : ctor.name;
    this.code = options.code ?? ctor.defaultCode;
    this.retryable = options.retryable ?? ctor.defaultRetryable;
    this.outcomeUnknown = options.outcomeUnknown ?? ctor.defaultOutcomeUnknown;
    this.details = Object.freeze({ ...options.details });
    const kinds: string[] = [];
    for (let c: unknown = ctor; typeof c === "function"; c = Object.getPrototypeOf(c)) {
      if (Object.prototype.hasOwnProperty.call(c, "brandKind")) {
        kinds.push((c as typeof ProviderError).brandKind);
      }
      if (c === ProviderError) break;
    }
    Object.defineProperty(this, BRAND, { value: Object.freeze(kinds), enumerable: false });
  }

  /** Code used when none is given. */
  static readonly defaultCode: string = ErrorCode.Provider;
  /** `retryable` used when none is given. */
  static readonly defaultRetryable: boolean = true;
  /** `outcomeUnknown` used when none is given. */
  static readonly defaultOutcomeUnknown: boolean = false;

  /** `instanceof` that also recognises instances created by the other (ESM/CJS) build. */
  static [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (!Object.prototype.hasOwnProperty.call(this, "brandKind")) return false;
    const kinds = brandKinds(value);
    return kinds !== undefined && kinds.includes(this.brandKind);
  }

  /** A plain, secret-free object for logs and status. */
  toJSON(): ErrorRecordData {
    return { name: this.name, code: this.code, message: this.message, retryable: this.retryable };
  }
}

/** The plain form of an error, as stored in status and logs. */
export interface ErrorRecordData {
  /** Class name. */
  name: string;
  /** Stable code. */
  code: string;
  /** Message. */
  message: string;
  /** Whether a retry may succeed. */
  retryable: boolean;
}

function brandKinds(value: unknown): readonly string[] | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const kinds = (value as { [BRAND]?: unknown })[BRAND];
  return Array.isArray(kinds) ? (kinds as string[]) : undefined;
}

/**
 * The longest wait a server can impose, in milliseconds (one day): the bound of every
 * server-provided delay — a `Retry-After` header, a {@link RateLimitError}'s `retryAfterMs`,
 * a provider's `retryAfterMs`. A longer one is read as this: it keeps every delay a valid
 * timer and `now + delay` a valid date, whatever a server or proxy sends
 * (`Retry-After: 100000000000000` is not a plan, it is a bug).
 */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * A server-provided delay made safe to wait for: 0 for a negative, `NaN` or non-number
 * value, {@link MAX_RETRY_AFTER_MS} for a longer (or infinite) one.
 */
export function clampRetryAfterMs(ms: number): number {
  if (typeof ms !== "number" || Number.isNaN(ms) || ms <= 0) return 0;
  return Math.min(MAX_RETRY_AFTER_MS, ms);
}

/** The backend rate-limited the call. Retry after {@link RateLimitError.retryAfterMs}. */
export class RateLimitError extends ProviderError {
  static override readonly brandKind: string = "RateLimitError";
  static override readonly defaultCode: string = ErrorCode.RateLimited;
  /** How long to wait before the next call, in milliseconds (0 to {@link MAX_RETRY_AFTER_MS}). */
  readonly retryAfterMs: number;
  /**
   * @param message - description.
   * @param retryAfterMs - wait before retrying; negative or `NaN` values become 0, longer
   *   ones (infinity too) {@link MAX_RETRY_AFTER_MS}.
   * @param options - other options.
   */
  constructor(message: string, retryAfterMs: number, options: ProviderErrorOptions = {}) {
    super(message, options);
    this.retryAfterMs = clampRetryAfterMs(retryAfterMs);
  }
}

/** The job is gone from the backend (purged by a cleanup job, or deleted). */
export class JobNotFoundError extends ProviderError {
  static override readonly brandKind: string = "JobNotFoundError";
  static override readonly defaultCode: string = ErrorCode.JobNotFound;
  static override readonly defaultRetryable: boolean = false;
  /** The id that was looked up. */
  readonly jobId: string;
  /**
   * @param jobId - the job that was not found.
   * @param message - description; defaults to one naming the job.
   * @param options - other options.
   */
  constructor(jobId: string, message?: string, options: ProviderErrorOptions = {}) {
    super(message ?? `job ${jobId} was not found (purged or deleted)`, options);
    this.jobId = jobId;
  }
}

/**
 * The job exists, but the backend's own record of it (for example the resource uid and
 * correlation id in an AAP job's extra vars) names another resource or another launch.
 * A provider throws it instead of reporting, adopting or canceling such a job, so a job
 * id or a pending-launch marker copied or forged into one object's status never leads
 * to an action on another resource's job. Not retryable: the record will not change.
 */
export class JobOwnershipError extends ProviderError {
  static override readonly brandKind: string = "JobOwnershipError";
  static override readonly defaultCode: string = ErrorCode.JobNotOwned;
  static override readonly defaultRetryable: boolean = false;
  /** The job whose record names another resource. */
  readonly jobId: string;
  /**
   * @param jobId - the job that belongs to something else.
   * @param message - what differs (never a secret: uids and correlation ids only).
   * @param options - other options.
   */
  constructor(jobId: string, message: string, options: ProviderErrorOptions = {}) {
    super(message, options);
    this.jobId = jobId;
  }
}

/** Wrong or missing configuration. Not retryable until someone changes something. */
export class ConfigurationError extends ProviderError {
  static override readonly brandKind: string = "ConfigurationError";
  static override readonly defaultCode: string = ErrorCode.Configuration;
  static override readonly defaultRetryable: boolean = false;
}

/** Credentials were rejected (401) or lack permission (403). */
export class AuthenticationError extends ProviderError {
  static override readonly brandKind: string = "AuthenticationError";
  static override readonly defaultCode: string = ErrorCode.Authentication;
  static override readonly defaultRetryable: boolean = false;
}

/**
 * A call or a job exceeded its time limit. A timed-out launch may have happened anyway,
 * so `outcomeUnknown` defaults to true.
 */
export class TimeoutError extends ProviderError {
  static override readonly brandKind: string = "TimeoutError";
  static override readonly defaultCode: string = ErrorCode.Timeout;
  static override readonly defaultOutcomeUnknown: boolean = true;
  /** The limit that was exceeded, in milliseconds, when known. */
  readonly timeoutMs: number | undefined;
  /**
   * @param message - description.
   * @param timeoutMs - the limit, when known.
   * @param options - other options.
   */
  constructor(message: string, timeoutMs?: number, options: ProviderErrorOptions = {}) {
    super(message, options);
    this.timeoutMs = timeoutMs;
  }
}

/** A failure expected to pass: 5xx, a reset connection. Set `outcomeUnknown` when a launch may have landed. */
export class TransientError extends ProviderError {
  static override readonly brandKind: string = "TransientError";
  static override readonly defaultCode: string = ErrorCode.Transient;
}

/** The backend answered something the provider could not validate. */
export class InvalidResponseError extends ProviderError {
  static override readonly brandKind: string = "InvalidResponseError";
  static override readonly defaultCode: string = ErrorCode.InvalidResponse;
}

/** A provider broke a rule of the contract; `rule` names it (for example `P4`). */
export class ContractViolationError extends ProviderError {
  static override readonly brandKind: string = "ContractViolationError";
  static override readonly defaultCode: string = ErrorCode.ContractViolation;
  static override readonly defaultRetryable: boolean = false;
  /** The contract rule id, such as `P4`. */
  readonly rule: string;
  /**
   * @param rule - rule id from the contract table.
   * @param message - what was wrong.
   * @param options - other options.
   */
  constructor(rule: string, message: string, options: ProviderErrorOptions = {}) {
    super(`${rule}: ${message}`, options);
    this.rule = rule;
  }
}

/** The operation was aborted through its `AbortSignal`. */
export class AbortedError extends ProviderError {
  static override readonly brandKind: string = "AbortedError";
  static override readonly defaultCode: string = ErrorCode.Aborted;
  static override readonly defaultRetryable: boolean = true;
  static override readonly defaultOutcomeUnknown: boolean = true;
}

/** True for any {@link ProviderError}, from either build of this package. */
export function isProviderError(value: unknown): value is ProviderError {
  return brandKinds(value)?.includes(ProviderError.brandKind) === true;
}

/** True when `value` is a {@link ProviderError} whose `code` is `code`. */
export function hasErrorCode(value: unknown, code: string): value is ProviderError {
  return isProviderError(value) && value.code === code;
}

/**
 * The plain record of any thrown value, safe for status and events: typed errors keep
 * their code and flags; anything else becomes code `PROVIDER_ERROR`, retryable. The message
 * is clipped to `MAX_STATUS_MESSAGE_CHARS`.
 */
export function toErrorRecord(value: unknown): ErrorRecordData {
  const record: ErrorRecordData = isProviderError(value)
    ? value.toJSON()
    : value instanceof Error
      ? { name: value.name, code: ErrorCode.Provider, message: value.message, retryable: true }
      : { name: "Error", code: ErrorCode.Provider, message: String(value), retryable: true };
  return { ...record, message: clipText(record.message, MAX_STATUS_MESSAGE_CHARS) };
}

/**
 * Whether a failed call may have taken effect anyway. Typed errors say so through
 * `outcomeUnknown`; any other thrown value is assumed to be ambiguous, because the SDK
 * cannot know how far an untyped failure got.
 */
export function isOutcomeUnknown(value: unknown): boolean {
  return isProviderError(value) ? value.outcomeUnknown : true;
}
