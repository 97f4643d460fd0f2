/**
 * The conventional names the providers use for a resource kind: templates and webhook
 * endpoints `create-<kebab kind>` / `delete-<kebab kind>`.
 *
 * @module
 */

/** The template (or endpoint) name of each operation. */
export interface OperationNames {
  /** The provision template (or endpoint). */
  readonly provision: string;
  /** The deprovision template (or endpoint). */
  readonly deprovision: string;
}

/**
 * `ComputeInstance` → `compute-instance`, `VMSnapshot` → `vm-snapshot`: the same rule as the
 * providers' own (kept here because the testing package imports no provider).
 */
export function kebabCase(kind: string): string {
  return kind
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
    .replace(/[\s_]+/g, "-")
    .toLowerCase();
}

/**
 * The providers' conventional names for `kind` (`create-<kebab kind>` and
 * `delete-<kebab kind>`), each replaced by `overrides` when given.
 */
export function conventionalNames(
  kind: string,
  overrides: { provision?: string; deprovision?: string } = {},
): OperationNames {
  const kebab = kebabCase(kind);
  return {
    provision: overrides.provision ?? `create-${kebab}`,
    deprovision: overrides.deprovision ?? `delete-${kebab}`,
  };
}
