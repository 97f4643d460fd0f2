/** Which custom resource a controller manages. */
export interface CustomResourceRef {
  /** API group, e.g. `example.com`. */
  group: string;
  /** API version, e.g. `v1alpha1`. */
  version: string;
  /** Plural name, e.g. `computeinstances`. */
  plural: string;
  /** Kind, e.g. `ComputeInstance` (used in events). Default: derived from nothing — set it. */
  kind: string;
  /** Whether the resource is namespaced. Default true. */
  namespaced?: boolean;
  /** For namespaced resources: watch only this namespace. Default: all namespaces. */
  namespace?: string;
}

/** `namespace/name` or `name`: the work-queue key of an object. */
export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** The inverse of {@link objectKey}. */
export function parseKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf("/");
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** The list/watch path of the resource (all namespaces, one namespace, or cluster-scoped). */
export function collectionPath(ref: CustomResourceRef): string {
  const base = `/apis/${ref.group}/${ref.version}`;
  if (ref.namespaced !== false && ref.namespace) {
    return `${base}/namespaces/${ref.namespace}/${ref.plural}`;
  }
  return `${base}/${ref.plural}`;
}
