/**
 * Leader election on a `coordination.k8s.io/v1` Lease, after client-go's
 * `tools/leaderelection` (leaderelection.go, resourcelock/leaselock.go at 32ce75a).
 *
 * @module
 */
import { silentLogger, type Logger } from "../logger.js";
import { KubeApiError } from "./kube-api.js";
import {
  LeaseObservations,
  microTime,
  type LeaseClient,
  type LeaseRecord,
  type StoredLease,
} from "./lease.js";
import { resolveLeaseTiming, type LeaseTiming, type ResolvedLeaseTiming } from "./lease-timing.js";
import type { TimerHandle, Timers } from "./timers.js";

/** Options of a {@link LeaderElector}. */
export interface LeaderElectorOptions extends LeaseTiming {
  /** The Leases' client (its namespace is the Lease's). */
  leases: LeaseClient;
  /** The Lease's name. */
  leaseName: string;
  /** This candidate's identity, unique among candidates. */
  identity: string;
  /** Monotonic time and timers (`timers.now()` judges validity and expiry). */
  timers: Timers;
  /** Wall clock (epoch ms) for the timestamps written to the Lease. Default `Date.now`. */
  clock?: () => number;
  /** Called when this candidate starts (`true`) or stops (`false`) leading. */
  onChange?: (leading: boolean) => void;
  /** Logger. Default silent. */
  logger?: Logger;
}

/**
 * One candidate of a leader election.
 *
 * Semantics of client-go's `LeaderElector`: a candidate takes the Lease when it has no
 * holder or when its record has not changed for `leaseDurationSeconds` of the candidate's
 * own clock since it saw it change (`tryAcquireOrRenew`, leaderelection.go lines 444-515);
 * every write is an update carrying the resourceVersion read, so of two candidates only
 * one wins; the holder renews every `retryPeriodMs`; `stop({ release: true })` clears the
 * holder with a one-second duration, as `ReleaseOnCancel` does (`tryRelease`, lines 326-361).
 *
 * **The rule that keeps two leaders from acting at once.** A leader acts only while
 * `timers.now() < validUntil`, where `validUntil` is the start of its last successful
 * renewal (taken before the request left) plus `renewDeadlineMs`. Another candidate can
 * take over only once it has seen the record unchanged for `leaseDurationMs` from a
 * moment after that renewal was stored, i.e. later than `start + leaseDurationMs >
 * start + renewDeadlineMs = validUntil`. So the old leader has stopped before anyone else
 * can start, with `leaseDurationMs − renewDeadlineMs` to spare for clock-rate drift. Unlike
 * client-go, which stops leading when a whole renew deadline of retries failed after the
 * last success (up to a retry period later), validity here is measured from the request
 * that succeeded, and {@link isLeader} checks it at each call.
 */
export class LeaderElector {
  private readonly options: LeaderElectorOptions;
  private readonly timing: ResolvedLeaseTiming;
  private readonly logger: Logger;
  private readonly clock: () => number;
  private readonly observations = new LeaseObservations();
  private lease: StoredLease | undefined;
  private validUntil = Number.NEGATIVE_INFINITY;
  private reportedLeading = false;
  private running = false;
  private timer: TimerHandle | undefined;
  private expiry: TimerHandle | undefined;
  private cycle: Promise<void> = Promise.resolve();
  private observedHolder = "";

  /** @param options - see {@link LeaderElectorOptions}. */
  constructor(options: LeaderElectorOptions) {
    this.options = options;
    this.timing = resolveLeaseTiming(options);
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? Date.now;
  }

  /** This candidate's identity. */
  get identity(): string {
    return this.options.identity;
  }

  /** The holder last seen on the Lease (`""` when none). */
  get holder(): string {
    return this.observedHolder;
  }

  /** Whether this candidate is the leader now (and may act). */
  isLeader(): boolean {
    return this.running && this.options.timers.now() < this.validUntil;
  }

  /** Start campaigning (the first attempt at once). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Resolves when the attempt in progress, if any, has ended. */
  settled(): Promise<void> {
    return this.cycle;
  }

  /**
   * Stop campaigning and stop leading. With `release` (default true), when this candidate
   * holds the Lease, its holder is cleared so that another takes over at once; without it,
   * the Lease is left to expire, as after a crash.
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    if (!this.running) return;
    this.running = false;
    const held = this.options.timers.now() < this.validUntil;
    this.validUntil = Number.NEGATIVE_INFINITY;
    if (this.timer !== undefined) this.options.timers.clearTimeout(this.timer);
    if (this.expiry !== undefined) this.options.timers.clearTimeout(this.expiry);
    this.timer = this.expiry = undefined;
    this.report();
    await this.cycle;
    if (
      (options.release ?? true) &&
      (held || this.lease?.record.holderIdentity === this.identity)
    ) {
      await this.release().catch((error: unknown) =>
        this.logger.warn(
          { lease: this.options.leaseName, error: String(error) },
          "lease release failed",
        ),
      );
    }
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.timer = this.options.timers.setTimeout(() => {
      this.timer = undefined;
      this.cycle = this.attempt().finally(() => this.schedule(this.timing.retryPeriodMs));
    }, ms);
  }

  private async attempt(): Promise<void> {
    const started = this.options.timers.now();
    let acquired = false;
    try {
      acquired = await this.tryAcquireOrRenew();
    } catch (error) {
      this.logger.debug(
        { lease: this.options.leaseName, error: String(error) },
        "lease acquire/renew failed",
      );
    }
    if (!this.running) return;
    if (acquired) {
      this.validUntil = started + this.timing.renewDeadlineMs;
      if (this.expiry !== undefined) this.options.timers.clearTimeout(this.expiry);
      this.expiry = this.options.timers.setTimeout(
        () => {
          this.expiry = undefined;
          this.report();
        },
        Math.max(0, this.validUntil - this.options.timers.now()),
      );
    }
    this.report();
  }

  private report(): void {
    const leading = this.isLeader();
    if (leading === this.reportedLeading) return;
    this.reportedLeading = leading;
    this.logger.info(
      { lease: this.options.leaseName, identity: this.identity },
      leading ? "started leading" : "stopped leading",
    );
    this.options.onChange?.(leading);
  }

  /**
   * client-go's `tryAcquireOrRenew`: a leader still valid first updates the Lease it last
   * wrote, without reading it (the fast path, leaderelection.go lines 453-468); a 409 (or
   * any failure) falls back to reading it first.
   */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { leases, leaseName, timers } = this.options;
    const now = microTime(this.clock());
    const mine: LeaseRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: this.timing.leaseDurationSeconds,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 0,
    };
    const last = this.lease;
    if (this.isLeader() && last && last.record.holderIdentity === this.identity) {
      try {
        this.lease = await leases.update(last, {
          ...mine,
          acquireTime: last.record.acquireTime ?? now,
          leaseTransitions: last.record.leaseTransitions,
        });
        this.observations.observe(this.lease, timers.now());
        this.observedHolder = this.identity;
        return true;
      } catch (error) {
        this.logger.debug(
          { lease: leaseName, error: String(error) },
          "optimistic lease renewal failed; reading it",
        );
      }
    }
    const current = await leases.get(leaseName);
    if (!current) {
      try {
        this.lease = await leases.create(leaseName, mine);
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 409) return false;
        throw error;
      }
      this.observations.observe(this.lease, timers.now());
      this.observedHolder = this.identity;
      return true;
    }
    this.observations.observe(current, timers.now());
    this.lease = current;
    this.observedHolder = current.record.holderIdentity;
    const heldByMe = current.record.holderIdentity === this.identity;
    if (!heldByMe && !this.observations.expired(current, timers.now())) return false;
    if (heldByMe) {
      if (current.record.acquireTime !== undefined) mine.acquireTime = current.record.acquireTime;
      mine.leaseTransitions = current.record.leaseTransitions;
    } else {
      mine.leaseTransitions = current.record.leaseTransitions + 1;
    }
    try {
      this.lease = await leases.update(current, mine);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 409) return false;
      throw error;
    }
    this.observations.observe(this.lease, timers.now());
    this.observedHolder = this.identity;
    return true;
  }

  private async release(): Promise<void> {
    const { leases, leaseName } = this.options;
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await leases.get(leaseName);
      if (!current || current.record.holderIdentity !== this.identity) return;
      const now = microTime(this.clock());
      try {
        this.lease = await leases.update(current, {
          holderIdentity: "",
          leaseDurationSeconds: 1,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: current.record.leaseTransitions,
        });
        this.observedHolder = "";
        this.logger.info({ lease: leaseName, identity: this.identity }, "lease released");
        return;
      } catch (error) {
        if (!(error instanceof KubeApiError && error.status === 409)) throw error;
      }
    }
  }
}
