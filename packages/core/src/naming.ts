/**
 * Names derived from a resource kind, for providers that name backend objects after it
 * (job templates, webhook endpoints).
 *
 * @module
 */

/**
 * `ComputeInstance` → `compute-instance`, `VMSnapshot` → `vm-snapshot`,
 * `hostPool` → `host-pool`: the kind part of a conventional template or endpoint name.
 */
export function kebabCase(kind: string): string {
  return kind
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
    .replace(/[\s_]+/g, "-")
    .toLowerCase();
}
