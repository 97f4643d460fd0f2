/**
 * The conventional names the providers use for a resource kind: templates and webhook
 * endpoints `create-<kebab kind>` / `delete-<kebab kind>` (core's `kebabCase`, the rule the
 * providers use).
 *
 * @module
 */
import { kebabCase } from "@provisionkit/core";

/** The template (or endpoint) name of each operation. */
export interface OperationNames {
  /** The provision template (or endpoint). */
  readonly provision: string;
  /** The deprovision template (or endpoint). */
  readonly deprovision: string;
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
