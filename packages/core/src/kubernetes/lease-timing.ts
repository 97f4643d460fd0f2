/**
 * The timing options shared by leader election and sharding, checked as client-go checks
 * them.
 *
 * @module
 */
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";

/** The timing of a Lease-based protocol (leader election, shard membership). */
export interface LeaseTiming {
  /**
   * How long others wait, without seeing the Lease change, before they take it over (ms;
   * written to the Lease in whole seconds, rounded up). Default 15000.
   */
  leaseDurationMs?: number;
  /**
   * How long after the start of its last successful renewal a holder keeps acting (ms): it
   * stops acting then, whether or not it could renew. Must be below `leaseDurationMs` (the
   * difference is the margin for clock-rate drift and for calls in flight). Default 10000.
   */
  renewDeadlineMs?: number;
  /** How often the Lease is renewed or its acquisition retried (ms). Default 2000. */
  retryPeriodMs?: number;
}

/** {@link LeaseTiming} with every value set. */
export interface ResolvedLeaseTiming {
  /** See {@link LeaseTiming.leaseDurationMs}. */
  leaseDurationMs: number;
  /** See {@link LeaseTiming.renewDeadlineMs}. */
  renewDeadlineMs: number;
  /** See {@link LeaseTiming.retryPeriodMs}. */
  retryPeriodMs: number;
  /** The duration written to the Lease: `leaseDurationMs` in whole seconds, rounded up. */
  leaseDurationSeconds: number;
}

/**
 * client-go's `JitterFactor` (k8s.io/client-go tools/leaderelection/leaderelection.go line
 * 72 at 32ce75a): the renew deadline must exceed this many retry periods.
 */
const JITTER_FACTOR = 1.2;

/**
 * Defaults and checks, as `NewLeaderElector` (leaderelection.go lines 76-90 at 32ce75a):
 * leaseDuration > renewDeadline > 1.2 × retryPeriod > 0.
 *
 * @throws RangeError for values that break them.
 */
export function resolveLeaseTiming(timing: LeaseTiming = {}): ResolvedLeaseTiming {
  const leaseDurationMs = timing.leaseDurationMs ?? 15_000;
  const renewDeadlineMs = timing.renewDeadlineMs ?? 10_000;
  const retryPeriodMs = timing.retryPeriodMs ?? 2_000;
  for (const [name, value] of Object.entries({ leaseDurationMs, renewDeadlineMs, retryPeriodMs })) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new RangeError(`${name} must be a positive number, got ${value}`);
    }
  }
  if (leaseDurationMs <= renewDeadlineMs) {
    throw new RangeError(
      `leaseDurationMs (${leaseDurationMs}) must be greater than renewDeadlineMs (${renewDeadlineMs})`,
    );
  }
  if (renewDeadlineMs <= JITTER_FACTOR * retryPeriodMs) {
    throw new RangeError(
      `renewDeadlineMs (${renewDeadlineMs}) must be greater than ${JITTER_FACTOR} × retryPeriodMs (${retryPeriodMs})`,
    );
  }
  return {
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
  };
}

/** A default identity: the host name and a random suffix (unique per process). */
export function defaultIdentity(): string {
  const host = hostname()
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .slice(0, 40);
  return `${host || "replica"}-${randomUUID().slice(0, 8)}`;
}
