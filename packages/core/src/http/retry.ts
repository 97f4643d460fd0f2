/**
 * The retry loop of idempotent requests: exponential backoff, `Retry-After`, the caller's
 * signal.
 *
 * @module
 */
import { backoffDelay } from "../backoff.js";
import type { ProviderError } from "../errors.js";
import type { HttpFailure } from "./call-context.js";
import type { Sleep } from "./sleep.js";

/** A retry policy of idempotent requests. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** Delay before the first retry, doubled for each further one. */
  initialDelayMs: number;
  /** Upper bound of the backoff delay. */
  maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited for: the error is thrown at once. */
  maxRetryAfterMs: number;
}

/** The outcome of one attempt: a value, or a typed failure with retry hints. */
export type AttemptOutcome<T> =
  | {
      /** The attempt succeeded. */
      ok: true;
      /** Its value. */
      value: T;
    }
  | ({
      /** The attempt failed. */
      ok: false;
    } & HttpFailure);

/** What {@link runWithRetries} calls before each retry. */
export interface RetryNotice {
  /** The attempt that failed, from 1. */
  attempt: number;
  /** Its error. */
  error: ProviderError;
  /** The wait before the next attempt. */
  delayMs: number;
}

/** What {@link runWithRetries} needs besides the attempt itself. */
export interface RetryOptions {
  /**
   * Whether the request may be sent again at all. False for a request that is not
   * idempotent (a launch, an event): its first failure is thrown.
   */
  idempotent: boolean;
  /** The policy. */
  policy: RetryPolicy;
  /** Waits between attempts. */
  sleep: Sleep;
  /** The caller's signal; aborting it stops the loop with {@link RetryOptions.aborted}. */
  signal?: AbortSignal | undefined;
  /** The error thrown when the signal aborts between attempts (nothing was sent then). */
  aborted: () => Error;
  /** Called before each retry, e.g. to log a warning. */
  onRetry?: (notice: RetryNotice) => void;
}

/**
 * The backoff before retry number `retryIndex + 1`: `initialDelayMs * 2^retryIndex`, at most
 * `maxDelayMs`. Deterministic (no jitter), so schedules can be asserted.
 */
export function backoffMs(policy: RetryPolicy, retryIndex: number): number {
  return backoffDelay(
    { initialMs: policy.initialDelayMs, factor: 2, maxMs: policy.maxDelayMs },
    retryIndex + 1,
  );
}

/**
 * Runs `attempt` until it succeeds, fails for good, or the retries are used up; then
 * returns its value or throws the typed error of the last failure. Only an idempotent
 * request is retried, and only on a failure marked `retry`; it waits the server's
 * `Retry-After` when there is one (a longer one than `maxRetryAfterMs` ends the loop at
 * once, so the caller can reschedule), else the backoff.
 *
 * @param attempt - sends the request once; `attemptIndex` counts from 0.
 * @param options - see {@link RetryOptions}.
 */
export async function runWithRetries<T>(
  attempt: (attemptIndex: number) => Promise<AttemptOutcome<T>>,
  options: RetryOptions,
): Promise<T> {
  const { policy, signal } = options;
  for (let n = 0; ; n++) {
    const outcome = await attempt(n);
    if (outcome.ok) return outcome.value;
    const { error } = outcome;
    if (!options.idempotent || !outcome.retry || n >= policy.retries) throw error;
    let delayMs: number;
    if (outcome.retryAfterMs !== undefined) {
      if (outcome.retryAfterMs > policy.maxRetryAfterMs) throw error;
      delayMs = outcome.retryAfterMs;
    } else {
      delayMs = backoffMs(policy, n);
    }
    options.onRetry?.({ attempt: n + 1, error, delayMs });
    try {
      await options.sleep(delayMs, signal);
    } catch (sleepError) {
      if (signal?.aborted) throw options.aborted();
      throw sleepError;
    }
    if (signal?.aborted) throw options.aborted();
  }
}
