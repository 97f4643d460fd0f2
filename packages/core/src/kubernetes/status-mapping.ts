import type { Condition } from "../conditions.js";
import { ConditionType } from "../conditions.js";
import { InvalidResponseError } from "../errors.js";
import type { ResourceObject } from "../resource.js";
import type { ProvisioningStatus } from "../status.js";

/**
 * Where the provisioning status lives in a resource's `status`, both ways. `read` returns
 * `undefined` for a resource never reconciled, and throws when what is there cannot be a
 * provisioning status (the controller then stops for that resource rather than forget
 * jobs and launch duplicates). `write` returns the resource's whole new `status`.
 */
export interface StatusMapping {
  /** The provisioning status stored in `resource`, if any. */
  read(resource: ResourceObject): ProvisioningStatus | undefined;
  /**
   * The resource's new `status` holding `status`. Keep whatever else the resource's status
   * holds (other controllers' fields, foreign conditions).
   */
  write(resource: ResourceObject, status: ProvisioningStatus): Record<string, unknown>;
}

/** The condition types the engine owns; other conditions in `status.conditions` are kept. */
const OWN_CONDITIONS: ReadonlySet<string> = new Set(Object.values(ConditionType));

/**
 * The default {@link StatusMapping}:
 * - `status.provisioning`: the engine's status without conditions (`jobs`,
 *   `desiredConfigVersion`, `reconciledConfigVersion`, `pendingLaunch`, `launchFailure`,
 *   `deprovisionWaitUntil`, `deprovisionSkipped`);
 * - `status.conditions`: the engine's conditions (Ready, Provisioned, Deleting,
 *   DeletionBlocked, LaunchOutcomeUnknown) each with `observedGeneration`, beside any
 *   other conditions already there;
 * - `status.observedGeneration`: the generation last reconciled.
 *
 * @param field - the key under `status` for the engine's data. Default `provisioning`.
 */
export function defaultStatusMapping(field = "provisioning"): StatusMapping {
  return {
    read(resource) {
      const status = asRecord(resource.status);
      const stored = status?.[field];
      if (stored === undefined || stored === null) return undefined;
      const record = asRecord(stored);
      if (!record || !Array.isArray(record.jobs)) {
        throw new InvalidResponseError(
          `status.${field} of ${resource.metadata.name} is not a provisioning status (no jobs list); refusing to reconcile it`,
          { retryable: false, details: { field: `status.${field}` } },
        );
      }
      const conditions = Array.isArray(status?.conditions)
        ? (status.conditions as Condition[]).filter((c) => OWN_CONDITIONS.has(c?.type))
        : [];
      return { ...(record as unknown as Omit<ProvisioningStatus, "conditions">), conditions };
    },
    write(resource, provisioning) {
      const status = asRecord(resource.status) ?? {};
      const { conditions, ...rest } = provisioning;
      const foreign = Array.isArray(status.conditions)
        ? (status.conditions as Condition[]).filter((c) => !OWN_CONDITIONS.has(c?.type))
        : [];
      const generation = resource.metadata.generation;
      const own = conditions.map((c) =>
        generation === undefined ? c : { ...c, observedGeneration: generation },
      );
      const next: Record<string, unknown> = {
        ...status,
        [field]: rest,
        conditions: [...foreign, ...own],
      };
      if (generation !== undefined) next.observedGeneration = generation;
      return next;
    },
  };
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
