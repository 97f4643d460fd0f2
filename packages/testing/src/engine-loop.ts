/**
 * Drives core's `reconcile` against a provider on a virtual clock, round after round, the
 * way a controller would, until a condition on the result holds: the loop a provider's
 * engine-level tests need, without a Kubernetes API.
 *
 * @module
 */
import {
  isTerminal,
  reconcile,
  type EngineOptionsInput,
  type JobDurationEstimator,
  type ProvisioningStatus,
  type Provider,
  type ReconcileResult,
  type ResourceObject,
} from "@provisionkit/core";

// Unique across calls, so that a second loop on the same resource never reuses an id.
let correlationIds = 0;

/** The status the engine persisted so far; {@link driveEngine} keeps it up to date. */
export interface EngineState {
  /** The resource's provisioning status, `undefined` before the first reconcile. */
  status: ProvisioningStatus | undefined;
}

/** A clock that the test moves; `VirtualClock` fits. */
export interface AdvancingClock {
  /** The current time in epoch milliseconds. */
  now(): number;
  /** Moves the clock forward by `ms`. */
  advance(ms: number): void;
}

/** Options of {@link driveEngine}. */
export interface DriveEngineOptions<R extends ResourceObject = ResourceObject> {
  /** The provider under test. */
  provider: Provider<R>;
  /** The resource, or a function returning it as it is now (read before every round). */
  resource: R | (() => R);
  /** Where the persisted status lives between calls; updated on every persist. */
  state: EngineState;
  /** The virtual clock; advanced by each round's `requeueAfterMs`. */
  clock: AdvancingClock;
  /** Stops the loop when it returns true for a round's result. */
  until: (result: ReconcileResult) => boolean;
  /** Reconcile as a deletion (the resource has a deletion timestamp). Default false. */
  deleting?: boolean;
  /** Engine options (poll interval, grace periods, backoff). */
  engine?: EngineOptionsInput;
  /** Correlation ids for launches. Default `corr-<n>`, numbered across all calls in the process. */
  newCorrelationId?: () => string;
  /** Runs before each round, e.g. to let a simulated playbook write back. */
  beforeRound?: () => void;
  /** Rounds at most before the loop fails. Default 200. */
  maxRounds?: number;
  /** How far to move the clock when a round asks for no requeue (ms). Default 5000. */
  idleAdvanceMs?: number;
  /**
   * Learn job durations and poll adaptively, as the Kubernetes runtime does: the estimator
   * is fed every job that ended and passed as `expectedDurationMs` (share one across calls
   * to carry what it learnt). Default: none, every `pollIntervalMs`.
   */
  estimator?: JobDurationEstimator;
}

/**
 * Reconciles until `options.until` holds, moving the clock by each round's
 * `requeueAfterMs` in between, and returns the result that satisfied it.
 *
 * @throws Error naming the round limit when the condition never holds.
 * @example
 * ```ts
 * const state: EngineState = { status: undefined };
 * const ready = await driveEngine({
 *   provider, resource, state, clock,
 *   until: (r) => r.status.reconciledConfigVersion !== undefined,
 * });
 * ```
 */
export async function driveEngine<R extends ResourceObject>(
  options: DriveEngineOptions<R>,
): Promise<ReconcileResult> {
  const maxRounds = options.maxRounds ?? 200;
  const idle = options.idleAdvanceMs ?? 5000;
  const newCorrelationId = options.newCorrelationId ?? (() => `corr-${++correlationIds}`);
  const { state, clock } = options;
  for (let round = 0; round < maxRounds; round++) {
    options.beforeRound?.();
    const resource = typeof options.resource === "function" ? options.resource() : options.resource;
    const args = {
      resource,
      status: state.status,
      providers: options.provider,
      deleting: options.deleting ?? false,
      clock: () => clock.now(),
      newCorrelationId,
      persist: (status: ProvisioningStatus) => {
        state.status = status;
        return Promise.resolve();
      },
      ...(options.engine ? { options: options.engine } : {}),
      ...(options.estimator
        ? { expectedDurationMs: options.estimator.estimate.bind(options.estimator) }
        : {}),
    };
    const result = await reconcile(args);
    if (options.estimator) {
      for (const job of result.status.jobs) {
        if (isTerminal(job.state)) options.estimator.record(job);
      }
    }
    if (options.until(result)) return result;
    clock.advance(result.requeueAfterMs ?? idle);
  }
  throw new Error(`the engine did not reach the expected state in ${maxRounds} rounds`);
}
