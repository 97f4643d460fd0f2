/**
 * `ComputeInstance` → `compute-instance`, `VMSnapshot` → `vm-snapshot`,
 * `hostPool` → `host-pool`: the kind part of a conventional webhook endpoint.
 */
export function kebabCase(kind: string): string {
  return kind
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
    .replace(/[\s_]+/g, "-")
    .toLowerCase();
}
