/**
 * A client for `coordination.k8s.io/v1` Leases, and the local bookkeeping of when a lease
 * was last seen to change, the two pieces leader election and sharding are built from.
 *
 * @module
 */
import {
  CoordinationV1Api,
  V1MicroTime,
  type Configuration,
  type KubeConfig,
  type V1Lease,
} from "@kubernetes/client-node";
import { canonicalJson } from "../config-version.js";
import { toKubeError } from "./kube-api.js";
import { sharedAgentConfiguration } from "./shared-agent.js";

/**
 * What a Lease holds, as client-go's `resourcelock.LeaderElectionRecord`
 * (k8s.io/client-go tools/leaderelection/resourcelock/leaselock.go,
 * `LeaseSpecToLeaderElectionRecord` / `LeaderElectionRecordToLeaseSpec`, lines 122-160 at
 * 32ce75a).
 */
export interface LeaseRecord {
  /** Who holds the lease; `""` when nobody does (released). */
  holderIdentity: string;
  /** How long others wait without seeing a change before they may take it, seconds. */
  leaseDurationSeconds: number;
  /** When the current holder acquired it (RFC 3339 with microseconds). */
  acquireTime?: string;
  /** When the holder last renewed it (RFC 3339 with microseconds). */
  renewTime?: string;
  /** How many times the lease changed hands. */
  leaseTransitions: number;
}

/** A Lease as read or written: its record and the resourceVersion writes are conditional on. */
export interface StoredLease {
  /** The Lease's name. */
  name: string;
  /** The Lease's record. */
  record: LeaseRecord;
  /** The resourceVersion read; an update carries it (409 when the Lease changed since). */
  resourceVersion: string;
  /** The Lease's labels. */
  labels: Record<string, string>;
}

/** An epoch-ms instant as a Lease MicroTime (`2026-12-05T15:00:00.123000Z`). */
export function microTime(ms: number): string {
  return new V1MicroTime(ms).toISOString();
}

function toStored(lease: V1Lease): StoredLease {
  const spec = lease.spec ?? {};
  const time = (value: unknown): string | undefined =>
    value === undefined || value === null
      ? undefined
      : value instanceof Date
        ? microTime(value.getTime())
        : typeof value === "string"
          ? value
          : JSON.stringify(value);
  const record: LeaseRecord = {
    holderIdentity: spec.holderIdentity ?? "",
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    leaseTransitions: spec.leaseTransitions ?? 0,
  };
  const acquire = time(spec.acquireTime);
  const renew = time(spec.renewTime);
  if (acquire !== undefined) record.acquireTime = acquire;
  if (renew !== undefined) record.renewTime = renew;
  return {
    name: lease.metadata?.name ?? "",
    record,
    resourceVersion: lease.metadata?.resourceVersion ?? "",
    labels: { ...(lease.metadata?.labels ?? {}) },
  };
}

function toSpec(record: LeaseRecord): NonNullable<V1Lease["spec"]> {
  // client-node serializes a V1MicroTime with microseconds, as the API server parses it
  // (metav1.MicroTime, RFC3339Micro); a plain string is sent as it is.
  const spec: NonNullable<V1Lease["spec"]> = {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    leaseTransitions: record.leaseTransitions,
  };
  if (record.acquireTime !== undefined)
    spec.acquireTime = new V1MicroTime(Date.parse(record.acquireTime));
  if (record.renewTime !== undefined)
    spec.renewTime = new V1MicroTime(Date.parse(record.renewTime));
  return spec;
}

/**
 * Leases of one namespace through client-node's `CoordinationV1Api`, on the configuration
 * (and so the keep-alive agent) of the controller's other requests. Updates carry the
 * resourceVersion read, as client-go's `LeaseLock.Update` does (it sends the Lease it last
 * read with only the spec replaced, leaselock.go lines 73-96): a write on a stale read is a
 * 409. Failures are `KubeApiError`s.
 */
export class LeaseClient {
  private readonly api: CoordinationV1Api;

  /**
   * @param configuration - client-node configuration (server, authentication, agent).
   * @param namespace - the namespace of the Leases.
   */
  constructor(
    configuration: Configuration,
    readonly namespace: string,
  ) {
    this.api = new CoordinationV1Api(configuration);
  }

  /**
   * A client on a KubeConfig of its own (with a keep-alive agent of its own): for use
   * outside a controller, which shares its own configuration.
   *
   * @throws ConfigurationError when the KubeConfig has no current cluster.
   */
  static fromKubeConfig(kubeConfig: KubeConfig, namespace: string): LeaseClient {
    const { configuration } = sharedAgentConfiguration(kubeConfig);
    return new LeaseClient(configuration, namespace);
  }

  /** Read a Lease; `undefined` when it does not exist. */
  async get(name: string): Promise<StoredLease | undefined> {
    try {
      return toStored(await this.api.readNamespacedLease({ name, namespace: this.namespace }));
    } catch (error) {
      const failure = toKubeError(error, `reading lease ${name}`);
      if (failure.status === 404) return undefined;
      throw failure;
    }
  }

  /** Create a Lease (409 AlreadyExists when it exists). */
  async create(
    name: string,
    record: LeaseRecord,
    labels: Record<string, string> = {},
  ): Promise<StoredLease> {
    const body: V1Lease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name, namespace: this.namespace, labels },
      spec: toSpec(record),
    };
    try {
      return toStored(await this.api.createNamespacedLease({ namespace: this.namespace, body }));
    } catch (error) {
      throw toKubeError(error, `creating lease ${name}`);
    }
  }

  /** Replace a Lease's record, conditional on the resourceVersion `current` was read at. */
  async update(current: StoredLease, record: LeaseRecord): Promise<StoredLease> {
    const body: V1Lease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name: current.name,
        namespace: this.namespace,
        labels: current.labels,
        resourceVersion: current.resourceVersion,
      },
      spec: toSpec(record),
    };
    try {
      return toStored(
        await this.api.replaceNamespacedLease({
          name: current.name,
          namespace: this.namespace,
          body,
        }),
      );
    } catch (error) {
      throw toKubeError(error, `updating lease ${current.name}`);
    }
  }

  /** The Leases matching a label selector. */
  async list(labelSelector: string): Promise<StoredLease[]> {
    try {
      const list = await this.api.listNamespacedLease({ namespace: this.namespace, labelSelector });
      return list.items.map(toStored);
    } catch (error) {
      throw toKubeError(error, `listing leases ${labelSelector}`);
    }
  }
}

/**
 * When each Lease was last seen to change, on the local monotonic clock, as client-go's
 * `observedRecord`/`observedTime` (leaderelection.go `setObservedRecord`, lines 556-566, and
 * the raw-record comparison of `tryAcquireOrRenew`, lines 486-491 at 32ce75a). A Lease is
 * expired for this process only when it has seen the same record for its whole duration:
 * the holder's clock and the timestamps it wrote are never trusted, only the local time
 * at which a change was seen (after the write that made it).
 */
export class LeaseObservations {
  private readonly seen = new Map<string, { raw: string; at: number }>();

  /** Note the record of `lease` as read at local time `at` (a read's answer time). */
  observe(lease: StoredLease, at: number): void {
    const raw = canonicalJson(lease.record);
    const previous = this.seen.get(lease.name);
    if (previous?.raw !== raw) this.seen.set(lease.name, { raw, at });
  }

  /**
   * Whether `lease` (observed) has had no holder, or gone unchanged for its duration, at
   * local time `now`.
   */
  expired(lease: StoredLease, now: number): boolean {
    if (lease.record.holderIdentity === "") return true;
    const seen = this.seen.get(lease.name);
    if (!seen) return false;
    return seen.at + lease.record.leaseDurationSeconds * 1000 <= now;
  }

  /** Forget Leases not in `names`. */
  retain(names: ReadonlySet<string>): void {
    for (const name of this.seen.keys()) if (!names.has(name)) this.seen.delete(name);
  }
}
