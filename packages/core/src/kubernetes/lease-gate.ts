/**
 * The controller's gate in front of every reconcile and every provider action: leader
 * election or sharding, from the controller's options.
 *
 * @module
 */
import type { Configuration } from "@kubernetes/client-node";
import type { Logger } from "../logger.js";
import { LeaseClient } from "./lease.js";
import { defaultIdentity, type LeaseTiming } from "./lease-timing.js";
import { LeaderElector } from "./leader.js";
import { ShardMembership } from "./shard.js";
import type { Timers } from "./timers.js";

/**
 * Leader election for a `ProvisioningController`: only the replica holding the Lease
 * reconciles (see {@link LeaderElector} for the rule that keeps two from acting at once).
 */
export interface LeaderElectionOptions extends LeaseTiming {
  /** The Lease's name, e.g. `compute-operator-leader`. */
  leaseName: string;
  /** The Lease's namespace. Default: the resource's namespace, else `default`. */
  namespace?: string;
  /** This replica's identity, unique among replicas. Default: host name and a random suffix. */
  identity?: string;
}

/**
 * Sharding for a `ProvisioningController`: every live replica reconciles the resources
 * whose uid hashes to it (see {@link ShardMembership} for membership and the handover rule).
 */
export interface ShardingOptions extends LeaseTiming {
  /** The shard group, shared by the replicas of one operator (a label value), e.g. `compute-operator`. */
  group: string;
  /** The member Leases' namespace. Default: the resource's namespace, else `default`. */
  namespace?: string;
  /** This replica's identity, unique in the group. Default: host name and a random suffix. */
  identity?: string;
}

/** Whether a replica may act on an object now. */
export interface LeaseGate {
  /** This replica's identity. */
  readonly identity: string;
  /** Whether this replica may act on the object with this uid now. */
  mayAct(uid: string | undefined): boolean;
  /** Whether this replica may act at all now (leader; fresh and settled member). */
  active(): boolean;
  /** Start renewing. */
  start(): void;
  /** Stop acting at once, then stop renewing; release the Lease(s) unless `release` is false. */
  stop(release: boolean): Promise<void>;
}

/** What the controller hands to {@link createLeaseGate}. */
export interface LeaseGateContext {
  /** The controller's client-node configuration (its keep-alive agent). */
  configuration: Configuration;
  /** The resource's namespace, if it watches one. */
  resourceNamespace: string | undefined;
  /** Timers (monotonic `now`). */
  timers: Timers;
  /** Wall clock for Lease timestamps. */
  clock: () => number;
  /** Logger. */
  logger: Logger;
  /** Called when what this replica may act on changed (it may have gained resources). */
  onChange: () => void;
}

/**
 * The gate the options ask for: none, leader election, or sharding.
 *
 * @throws RangeError when both are set, or for timings client-go would refuse.
 */
export function createLeaseGate(
  options: { leaderElection?: LeaderElectionOptions; sharding?: ShardingOptions },
  context: LeaseGateContext,
): LeaseGate | undefined {
  const { leaderElection, sharding } = options;
  if (leaderElection && sharding) {
    throw new RangeError("leaderElection and sharding cannot both be set");
  }
  const namespace = (o: { namespace?: string }) =>
    o.namespace ?? context.resourceNamespace ?? "default";
  if (leaderElection) {
    const identity = leaderElection.identity ?? defaultIdentity();
    const elector = new LeaderElector({
      ...leaderElection,
      leases: new LeaseClient(context.configuration, namespace(leaderElection)),
      identity,
      timers: context.timers,
      clock: context.clock,
      logger: context.logger,
      onChange: () => context.onChange(),
    });
    return {
      identity,
      mayAct: () => elector.isLeader(),
      active: () => elector.isLeader(),
      start: () => elector.start(),
      stop: (release) => elector.stop({ release }),
    };
  }
  if (sharding) {
    const identity = sharding.identity ?? defaultIdentity();
    const membership = new ShardMembership({
      ...sharding,
      leases: new LeaseClient(context.configuration, namespace(sharding)),
      identity,
      timers: context.timers,
      clock: context.clock,
      logger: context.logger,
      onChange: () => context.onChange(),
    });
    return {
      identity,
      // An object without a uid (never from the API server) is nobody's.
      mayAct: (uid) => uid !== undefined && membership.owns(uid),
      active: () => membership.active(),
      start: () => membership.start(),
      stop: (release) => membership.stop({ release }),
    };
  }
  return undefined;
}
