/**
 * The retry loop of reads and cancels, and its small helpers (backoff, `Retry-After`).
 *
 * @module
 */
import { AbortedError, backoffDelay, type Logger, type ProviderError } from "@provisionkit/core";
import type { AapRetryOptions } from "./options.js";

/** The outcome of one attempt: a value, or a typed failure with retry hints. */
export type AttemptOutcome<T> =
  | {
      /** The attempt succeeded. */
      ok: true;
      /** Its value. */
      value: T;
    }
  | {
      /** The attempt failed. */
      ok: false;
      /** The typed error to throw if no retry follows. */
      error: ProviderError;
      /** Whether the failure is worth retrying (for operations that may be retried). */
      retry: boolean;
      /** The server's `Retry-After`, in milliseconds, when it sent one. */
      retryAfterMs?: number;
    };

/** What {@link runWithRetries} needs besides the attempt itself. */
export interface RetryContext {
  /** Whether the operation may be retried at all (false for launches). */
  retryable: boolean;
  /** The policy. */
  policy: Required<AapRetryOptions>;
  /** Waits between attempts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The caller's signal; aborting it stops the loop with `AbortedError`. */
  signal: AbortSignal | undefined;
  /** Receives a warning per retry. */
  logger: Logger;
  /** Secret-free fields identifying the request in log lines. */
  fields: Record<string, string>;
}

/**
 * The backoff before retry number `retryIndex + 1`: `initialDelayMs * 2^retryIndex`, at most
 * `maxDelayMs`. Deterministic (no jitter), so schedules can be asserted.
 */
export function backoffMs(policy: Required<AapRetryOptions>, retryIndex: number): number {
  return backoffDelay(
    { initialMs: policy.initialDelayMs, factor: 2, maxMs: policy.maxDelayMs },
    retryIndex + 1,
  );
}

/**
 * Parses a `Retry-After` header: delay seconds (`"120"`, fractions accepted) or an HTTP
 * date. Returns milliseconds (0 or more), or undefined when absent or unparsable.
 */
export function parseRetryAfter(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === "") return undefined;
  if (/^\d+(?:\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  // Every HTTP-date form starts with a day name; anything else (e.g. "-1") is junk.
  if (!/^[A-Za-z]/.test(value)) return undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** An `AbortedError` for a call stopped before (or between) requests: nothing was sent. */
export function abortedBeforeSending(fields: Record<string, string>): AbortedError {
  return new AbortedError(`AAP ${fields.method} ${fields.path}: aborted by the caller`, {
    outcomeUnknown: false,
    retryable: true,
    details: { ...fields, status: null },
  });
}

/**
 * Runs `attempt` until it succeeds, fails for good, or the retries are used up; then
 * returns its value or throws the typed error of the last failure. A `Retry-After` longer
 * than `maxRetryAfterMs` ends the loop at once.
 */
export async function runWithRetries<T>(
  attempt: (attemptNumber: number) => Promise<AttemptOutcome<T>>,
  context: RetryContext,
): Promise<T> {
  const { policy, signal } = context;
  for (let n = 0; ; n++) {
    const outcome = await attempt(n);
    if (outcome.ok) return outcome.value;
    const { error } = outcome;
    if (!context.retryable || !outcome.retry || n >= policy.retries) throw error;
    let delayMs: number;
    if (outcome.retryAfterMs !== undefined) {
      if (outcome.retryAfterMs > policy.maxRetryAfterMs) throw error;
      delayMs = outcome.retryAfterMs;
    } else {
      delayMs = backoffMs(policy, n);
    }
    context.logger.warn(
      { ...context.fields, attempt: n + 1, code: error.code, delayMs },
      "AAP request failed; retrying",
    );
    try {
      await context.sleep(delayMs, signal);
    } catch (sleepError) {
      if (signal?.aborted) throw abortedBeforeSending(context.fields);
      throw sleepError;
    }
    if (signal?.aborted) throw abortedBeforeSending(context.fields);
  }
}
