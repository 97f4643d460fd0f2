/**
 * Sharding: N active replicas, each owning the resources whose uid hashes to it over the
 * live members, with membership through one `coordination.k8s.io/v1` Lease per replica.
 *
 * @module
 */
import { createHash } from "node:crypto";
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

/** The label that marks the member Leases of one shard group (its value: the group). */
export const SHARD_GROUP_LABEL = "provisionkit.io/shard-group";

/**
 * The member a key belongs to by rendezvous (highest-random-weight) hashing: the member
 * with the highest SHA-256 score of `member + "\0" + key` (ties broken by name). A member
 * joining takes about 1/N of the keys, all from the others; a member leaving hands only its
 * own keys out, spread over the rest.
 *
 * @returns The owner, or `undefined` when `members` is empty.
 */
export function rendezvousOwner(key: string, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1n;
  for (const member of members) {
    const digest = createHash("sha256").update(`${member}\u0000${key}`).digest();
    const score = digest.readBigUInt64BE(0);
    if (score > bestScore || (score === bestScore && best !== undefined && member < best)) {
      best = member;
      bestScore = score;
    }
  }
  return best;
}

/** Options of a {@link ShardMembership}. */
export interface ShardMembershipOptions extends LeaseTiming {
  /** The Leases' client (its namespace is the member Leases'). */
  leases: LeaseClient;
  /** The shard group: replicas of one operator share it (a label value: ≤ 63 characters). */
  group: string;
  /** This replica's identity, unique in the group (its Lease is `<group>-<identity>`). */
  identity: string;
  /** Monotonic time and timers. */
  timers: Timers;
  /** Wall clock (epoch ms) for the timestamps written to the Lease. Default `Date.now`. */
  clock?: () => number;
  /** Called when the members this replica sees, or whether it may act, change. */
  onChange?: () => void;
  /** Logger. Default silent. */
  logger?: Logger;
}

/** Owners remembered at most (the cache starts over beyond). */
const MAX_CACHED_OWNERS = 100_000;

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * This replica's membership of a shard group, and which resources it owns.
 *
 * Every `retryPeriodMs` a replica renews its own Lease (`<group>-<identity>`, labelled
 * {@link SHARD_GROUP_LABEL}) and lists the group's Leases. A member is live for it while
 * its Lease has a holder and this replica has seen it change within its duration (the
 * local-observation rule of leader election, {@link LeaseObservations}). It owns a resource
 * when {@link rendezvousOwner} of the resource's uid over the live members is itself.
 *
 * **The handover rule (no two replicas act on one resource at once).** A replica acts only
 * while all three hold:
 * 1. *fresh*: `now < start + renewDeadlineMs`, where `start` is when its last cycle that
 *    both renewed its Lease and listed the members began;
 * 2. *settled*: `now ≥ joinedAt + leaseDurationMs`, where `joinedAt` is when it learned that
 *    the first renewal of its current unbroken run of fresh cycles was stored (a replica
 *    that starts, or that was not fresh, joins again);
 * 3. the resource hashes to it over the members of its last list.
 * Two replicas X and Y can both claim a resource only if one of them, say X, does not count
 * the other as a member. Either Y's Lease was expired for X: X saw it unchanged for
 * `leaseDurationMs` from after Y's last renewal was stored, so Y's freshness (from before
 * that renewal, plus `renewDeadlineMs < leaseDurationMs`) had already ended, and a renewal
 * after that makes Y join again (rule 2). Or X's list predates Y's (re)joining renewal: that
 * list began before the renewal was stored, so X stops being fresh less than
 * `renewDeadlineMs` after it, while Y waits `leaseDurationMs` from after it. Either way one
 * of them has stopped before the other starts. Ownership moves through a gap, not an
 * overlap: after a member dies its resources wait up to `leaseDurationMs` (plus a retry
 * period), after one joins it starts `leaseDurationMs` later.
 */
export class ShardMembership {
  private readonly options: ShardMembershipOptions;
  private readonly timing: ResolvedLeaseTiming;
  private readonly logger: Logger;
  private readonly clock: () => number;
  private readonly observations = new LeaseObservations();
  private readonly leaseName: string;
  private own: StoredLease | undefined;
  private freshUntil = Number.NEGATIVE_INFINITY;
  private joinedAt: number | undefined;
  private view: string[] = [];
  /** The owner of each uid asked about, over {@link view} (cleared when the view changes). */
  private readonly owners = new Map<string, string | undefined>();
  private running = false;
  private timer: TimerHandle | undefined;
  private edge: TimerHandle | undefined;
  private cycle: Promise<void> = Promise.resolve();
  private reported = "";

  /** @param options - see {@link ShardMembershipOptions}. */
  constructor(options: ShardMembershipOptions) {
    if (!options.group || options.group.length > 63 || !LABEL_VALUE.test(options.group)) {
      throw new RangeError(`shard group must be a label value, got "${options.group}"`);
    }
    this.options = options;
    this.timing = resolveLeaseTiming(options);
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? Date.now;
    this.leaseName = `${options.group}-${options.identity}`.toLowerCase();
  }

  /** This replica's identity. */
  get identity(): string {
    return this.options.identity;
  }

  /** The members of the last list (identities, sorted), this replica included. */
  get members(): readonly string[] {
    return this.view;
  }

  /** Whether this replica may act now (fresh and settled: rules 1 and 2). */
  active(): boolean {
    const now = this.options.timers.now();
    return (
      this.running &&
      now < this.freshUntil &&
      this.joinedAt !== undefined &&
      now >= this.joinedAt + this.timing.leaseDurationMs
    );
  }

  /** Whether this replica owns the resource with this uid now (and may act on it). */
  owns(uid: string): boolean {
    if (!this.active()) return false;
    if (!this.owners.has(uid)) {
      if (this.owners.size >= MAX_CACHED_OWNERS) this.owners.clear();
      this.owners.set(uid, rendezvousOwner(uid, this.view));
    }
    return this.owners.get(uid) === this.identity;
  }

  /** Start: join the group (the first cycle at once). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Resolves when the cycle in progress, if any, has ended. */
  settled(): Promise<void> {
    return this.cycle;
  }

  /**
   * Leave: stop acting at once; with `release` (default true) clear the holder of this
   * replica's Lease so that the others take its resources over at once, without it leave
   * the Lease to expire, as after a crash.
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.freshUntil = Number.NEGATIVE_INFINITY;
    this.joinedAt = undefined;
    for (const handle of [this.timer, this.edge]) {
      if (handle !== undefined) this.options.timers.clearTimeout(handle);
    }
    this.timer = this.edge = undefined;
    await this.cycle;
    if (options.release ?? true) {
      await this.release().catch((error: unknown) =>
        this.logger.warn({ lease: this.leaseName, error: String(error) }, "lease release failed"),
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
    const { timers } = this.options;
    const started = timers.now();
    const wasFresh = started < this.freshUntil;
    try {
      await this.renew();
      const renewedAt = timers.now();
      const members = await this.list();
      if (!this.running) return;
      if (!wasFresh || this.joinedAt === undefined) this.joinedAt = renewedAt;
      this.freshUntil = started + this.timing.renewDeadlineMs;
      if (members.join("\n") !== this.view.join("\n")) {
        this.view = members;
        this.owners.clear();
      }
    } catch (error) {
      this.logger.debug({ lease: this.leaseName, error: String(error) }, "shard cycle failed");
    }
    if (!this.running) return;
    if (timers.now() >= this.freshUntil) this.joinedAt = undefined;
    this.scheduleEdge();
    this.report();
  }

  /** A timer at the next moment `active()` flips by itself (settling, or losing freshness). */
  private scheduleEdge(): void {
    const { timers } = this.options;
    if (this.edge !== undefined) timers.clearTimeout(this.edge);
    this.edge = undefined;
    const now = timers.now();
    const settleAt =
      this.joinedAt === undefined ? undefined : this.joinedAt + this.timing.leaseDurationMs;
    const next = [settleAt, this.freshUntil].filter(
      (t): t is number => t !== undefined && Number.isFinite(t) && t > now,
    );
    if (next.length === 0) return;
    this.edge = timers.setTimeout(
      () => {
        this.edge = undefined;
        this.scheduleEdge();
        this.report();
      },
      Math.min(...next) - now,
    );
  }

  private report(): void {
    const state = `${this.active()}:${this.view.join(",")}`;
    if (state === this.reported) return;
    this.reported = state;
    this.logger.info(
      {
        group: this.options.group,
        identity: this.identity,
        active: this.active(),
        members: this.view,
      },
      "shard membership changed",
    );
    this.options.onChange?.();
  }

  private record(): LeaseRecord {
    const now = microTime(this.clock());
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: this.timing.leaseDurationSeconds,
      acquireTime: this.own?.record.acquireTime ?? now,
      renewTime: now,
      leaseTransitions: this.own?.record.leaseTransitions ?? 0,
    };
  }

  private async renew(): Promise<void> {
    const { leases, group } = this.options;
    if (this.own) {
      try {
        this.own = await leases.update(this.own, this.record());
        return;
      } catch (error) {
        // A write whose answer was lost, or a release: read it again below.
        if (!(error instanceof KubeApiError && error.status === 409)) throw error;
      }
    }
    const current = await leases.get(this.leaseName);
    if (current) {
      this.own = await leases.update(current, this.record());
      return;
    }
    this.own = await leases.create(this.leaseName, this.record(), { [SHARD_GROUP_LABEL]: group });
  }

  private async list(): Promise<string[]> {
    const { leases, group, timers } = this.options;
    const all = await leases.list(`${SHARD_GROUP_LABEL}=${group}`);
    const at = timers.now();
    const names = new Set<string>();
    const members = new Set<string>([this.identity]);
    for (const lease of all) {
      names.add(lease.name);
      this.observations.observe(lease, at);
      if (lease.name === this.leaseName) continue;
      if (!this.observations.expired(lease, at)) members.add(lease.record.holderIdentity);
    }
    this.observations.retain(names);
    return [...members].sort();
  }

  private async release(): Promise<void> {
    const { leases } = this.options;
    const current = await leases.get(this.leaseName);
    if (!current || current.record.holderIdentity !== this.identity) return;
    const now = microTime(this.clock());
    this.own = await leases.update(current, {
      holderIdentity: "",
      leaseDurationSeconds: 1,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: current.record.leaseTransitions,
    });
    this.logger.info({ lease: this.leaseName }, "shard lease released");
  }
}
