/** The metadata of a Kubernetes-style object, as far as the SDK reads it. */
export interface ResourceMetadata {
  /** Object name. */
  name: string;
  /** Namespace; absent for cluster-scoped resources. */
  namespace?: string;
  /** Unique id of this incarnation of the object. */
  uid?: string;
  /** Incremented by the API server on every spec change. */
  generation?: number;
  /** Opaque version for optimistic concurrency. */
  resourceVersion?: string;
  /** Set when deletion was requested; the object lives on while finalizers remain. */
  deletionTimestamp?: string;
  /** Finalizers that hold the object back from deletion. */
  finalizers?: string[];
  /** Labels. */
  labels?: Record<string, string>;
  /** Annotations. */
  annotations?: Record<string, string>;
}

/**
 * A Kubernetes-style object handed to providers. Providers see the resource as it is and
 * never write it; the engine and the runtime own its status.
 */
export interface ResourceObject {
  /** `group/version` of the resource. */
  apiVersion?: string;
  /** Kind of the resource. */
  kind?: string;
  /** Object metadata. */
  metadata: ResourceMetadata;
  /** The desired state written by users. */
  spec?: unknown;
  /** The observed state written by controllers. */
  status?: unknown;
}

/** `namespace/name` (or `name` when cluster-scoped): a stable key for logs and queues. */
export function resourceKey(resource: Pick<ResourceObject, "metadata">): string {
  const { namespace, name } = resource.metadata;
  return namespace ? `${namespace}/${name}` : name;
}

/**
 * The payload annotation both built-in providers add to what they send for a launch (the
 * `metadata.annotations` of an EDA event's payload, or of AAP's `ansible_eda.event.payload`):
 * the `metadata.uid` of the resource the launch is for, absent when it has none. A custom
 * `payload` option may leave `metadata.uid` out of the payload; this annotation still names
 * the resource, so a job's own record tells a resource re-created under the same name (another
 * uid) from its predecessor (P10). Not renamable.
 */
export const RESOURCE_UID_ANNOTATION = "provisionkit.io/resource-uid";
