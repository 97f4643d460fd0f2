/** Capped exponential backoff: `initialMs * factor^(n-1)`, at most `maxMs`. */
export interface BackoffPolicy {
  /** Delay after the first failure, in milliseconds. */
  initialMs: number;
  /** Multiplier per further consecutive failure (1 or more). */
  factor: number;
  /** Upper bound of the delay, in milliseconds. */
  maxMs: number;
}

/**
 * The delay before retrying after `failures` consecutive failures (1 = after the first
 * failure). Deterministic: no jitter, so schedules can be asserted in tests.
 */
export function backoffDelay(policy: BackoffPolicy, failures: number): number {
  // initialMs 0 means no delay at all: without this, 0 * Infinity (a huge factor^exponent) is NaN -> maxMs.
  if (failures < 1 || policy.initialMs === 0) return 0;
  const exponent = Math.min(failures - 1, 1000);
  const delay = policy.initialMs * Math.pow(policy.factor, exponent);
  return Math.min(policy.maxMs, Number.isFinite(delay) ? delay : policy.maxMs);
}
