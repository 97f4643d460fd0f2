import type { Condition } from "../conditions.js";
import { ConditionType } from "../conditions.js";
import { parseProvisioningStatus } from "../engine/status-check.js";
import type { ResourceObject } from "../resource.js";
import type { ProvisioningStatus } from "../status.js";

/**
 * Where the provisioning status lives in a resource's `status`, both ways. `read` returns
 * `undefined` for a resource never reconciled, and throws when what is there cannot be a
 * provisioning status (the controller then works no further on that resource rather than
 * forget jobs and launch duplicates, and reports it: `Ready=False`, reason `InvalidStatus`,
 * when the error is an `InvalidStatusError`). `write` returns the resource's whole new
 * `status`.
 */
export interface StatusMapping {
  /** The provisioning status stored in `resource`, if any. */
  read(resource: ResourceObject): ProvisioningStatus | undefined;
  /**
   * The resource's new `status` holding `status`. Keep whatever else the resource's status
   * holds (other controllers' fields, foreign conditions).
   */
  write(resource: ResourceObject, status: ProvisioningStatus): Record<string, unknown>;
  /**
   * The resource's new `status` with `conditions` set (each replacing the engine's
   * condition of its type) and everything else as stored: how the controller reports an
   * object it cannot work on (`Ready=False`, `InvalidStatus` or `InvalidSpec`) without
   * touching a status it could not read. Without it, such an object is reported only by a
   * Warning Event and the log.
   */
  writeConditions?(
    resource: ResourceObject,
    conditions: readonly Condition[],
  ): Record<string, unknown>;
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
 * `read` checks what is stored field by field (`parseProvisioningStatus`) and throws an
 * `InvalidStatusError` naming the field at fault, as `status.provisioning.jobs[2]`.
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
      const conditions = Array.isArray(status?.conditions)
        ? (status.conditions as unknown[]).filter((c) =>
            OWN_CONDITIONS.has(asRecord(c)?.type as string),
          )
        : [];
      // A non-object is passed on as is, for the check to name it.
      return parseProvisioningStatus(
        record ? { ...record, conditions } : stored,
        `status.${field}`,
      );
    },
    writeConditions(resource, conditions) {
      const status = asRecord(resource.status) ?? {};
      const generation = resource.metadata.generation;
      const types = new Set(conditions.map((c) => c.type));
      const kept = Array.isArray(status.conditions)
        ? (status.conditions as unknown[]).filter((c) => !types.has(asRecord(c)?.type as string))
        : [];
      const set = conditions.map((c) =>
        generation === undefined ? c : { ...c, observedGeneration: generation },
      );
      return { ...status, conditions: [...kept, ...set] };
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
