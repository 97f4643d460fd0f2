/**
 * The retry loop of reads and cancels: the kit's `runWithRetries` with the client's log
 * line and abort error.
 *
 * @module
 */
import { AbortedError, type Logger } from "@provisionkit/core";
import {
  runWithRetries as runKitRetries,
  type AttemptOutcome,
  type RetryPolicy,
  type Sleep,
} from "@provisionkit/core/http";

export { backoffMs, parseRetryAfter, type AttemptOutcome } from "@provisionkit/core/http";

/** What {@link runWithRetries} needs besides the attempt itself. */
export interface RetryContext {
  /** Whether the operation may be retried at all (false for launches). */
  retryable: boolean;
  /** The policy. */
  policy: RetryPolicy;
  /** Waits between attempts. */
  sleep: Sleep;
  /** The caller's signal; aborting it stops the loop with `AbortedError`. */
  signal: AbortSignal | undefined;
  /** Receives a warning per retry. */
  logger: Logger;
  /** Secret-free fields identifying the request in log lines. */
  fields: Record<string, string>;
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
 * Runs `attempt` until it succeeds, fails for good, or the retries are used up (see the
 * kit's `runWithRetries`), logging a warning before each retry.
 */
export function runWithRetries<T>(
  attempt: (attemptNumber: number) => Promise<AttemptOutcome<T>>,
  context: RetryContext,
): Promise<T> {
  const { fields, logger } = context;
  return runKitRetries(attempt, {
    idempotent: context.retryable,
    policy: context.policy,
    sleep: context.sleep,
    signal: context.signal,
    aborted: () => abortedBeforeSending(fields),
    onRetry: ({ attempt: n, error, delayMs }) =>
      logger.warn(
        { ...fields, attempt: n, code: error.code, delayMs },
        "AAP request failed; retrying",
      ),
  });
}
