/**
 * Public types of the Kubernetes API simulator: definitions, options and objects.
 *
 * @module
 */
import type { Clock } from "../clock.js";

/** A CustomResourceDefinition, reduced to what the simulator needs to serve it. */
export interface CrdDefinition {
  /** API group, e.g. `example.com`. */
  group: string;
  /** The one served (and stored) version, e.g. `v1`. */
  version: string;
  /** Plural resource name used in paths, e.g. `computeinstances`. */
  plural: string;
  /** Kind, e.g. `ComputeInstance`. */
  kind: string;
  /** Singular name (default: `kind.toLowerCase()`). */
  singular?: string;
  /** Kind of lists (default: `${kind}List`). */
  listKind?: string;
  /** Scope (default `Namespaced`). */
  scope?: "Namespaced" | "Cluster";
  /** Whether the `/status` subresource is enabled (default true). */
  statusSubresource?: boolean;
}

/** Options of a `KubernetesApiSimulator`. */
export interface KubernetesApiSimulatorOptions {
  /** Source of `creationTimestamp`, `deletionTimestamp` and record times (default: system clock). */
  clock?: Clock;
  /** Custom resource definitions registered up front. */
  crds?: CrdDefinition[];
  /**
   * Serve the core API under `/api/v1`: Events and Secrets (default true). When false,
   * `/api` answers 404 as a bare apiextensions-apiserver does, so code that records Events
   * (or reads Secrets) must tolerate that.
   */
  coreEvents?: boolean;
  /**
   * Serve coordination.k8s.io/v1 Leases (default false: a bare apiextensions-apiserver does
   * not), for leader election and sharding: namespaced CRUD, list and watch, with
   * resourceVersion preconditions (see `COORDINATION_LEASES`). Read them with
   * `getObject({ group: "coordination.k8s.io", plural: "leases", … })`.
   */
  leases?: boolean;
  /**
   * How many past change events are kept per resource for watch resumption (default 1000).
   * A watch resuming from an older resourceVersion gets a 410 Expired ERROR event.
   */
  watchHistoryLimit?: number;
  /** Real-time interval of BOOKMARK events on watches with `allowWatchBookmarks` (default 1000 ms). */
  bookmarkIntervalMs?: number;
  /** When set, every request needs `Authorization: Bearer <token>` (401 Status otherwise). */
  token?: string;
}

/** Identifies one object. Core Events use group `""` and plural `events`. */
export interface ObjectRef {
  /** API group (`""` for core). */
  group: string;
  /** API version; informational (each resource has one version). */
  version?: string;
  /** Plural resource name. */
  plural: string;
  /** Namespace, for namespaced resources. */
  namespace?: string;
  /** Object name. */
  name: string;
}

/** `metadata` of a stored object. */
export interface KubeObjectMeta {
  /** Object name. */
  name: string;
  /** Namespace (namespaced resources only). */
  namespace?: string;
  /** Unique id, assigned on creation. */
  uid: string;
  /** The global revision of the object's last write, as a decimal string. */
  resourceVersion: string;
  /**
   * Starts at 1 and moves when anything outside `metadata` (and outside `status` with the
   * status subresource) changes, or when deletion starts. Core Events carry none.
   */
  generation: number;
  /** Creation time (RFC 3339, whole seconds). */
  creationTimestamp: string;
  /** Set when a DELETE found finalizers; the object stays until they are all removed. */
  deletionTimestamp?: string;
  /** Always 0 once `deletionTimestamp` is set (custom resources have no graceful deletion). */
  deletionGracePeriodSeconds?: number;
  /** Finalizers that block deletion. */
  finalizers?: string[];
  /** Labels. */
  labels?: Record<string, string>;
  /** Annotations. */
  annotations?: Record<string, string>;
  /** Name prefix used when the object was created without a name. */
  generateName?: string;
  /** Kept as written; the simulator does not maintain managed fields. */
  managedFields?: unknown[];
  /** Any other metadata (ownerReferences, …), kept as written. */
  [key: string]: unknown;
}

/** A Kubernetes object as the simulator stores and serves it. */
export type KubeObject = {
  /** `group/version`, or `v1` for core. */
  apiVersion: string;
  /** Kind. */
  kind: string;
  /** Object metadata. */
  metadata: KubeObjectMeta;
  /** Desired state. */
  spec?: unknown;
  /** Observed state. */
  status?: unknown;
  /** Any other top-level field. */
  [key: string]: unknown;
};

/**
 * An object as a client writes it, for {@link KubernetesApiSimulator.createObject}: the
 * server-owned metadata (uid, resourceVersion, generation, creationTimestamp) may be left out.
 */
export type NewKubeObject = Omit<KubeObject, "metadata"> & {
  /** Object metadata; `name` (or `generateName`) and, when namespaced, `namespace`. */
  metadata: Partial<KubeObjectMeta>;
};
