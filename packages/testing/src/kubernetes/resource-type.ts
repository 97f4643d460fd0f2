/**
 * The resources the simulator serves: custom resources from their definitions, and core
 * Events.
 *
 * @module
 */
import { fieldInvalid, type FieldError } from "./errors.js";
import type { CrdDefinition, KubeObject } from "./types.js";

/** Everything the simulator needs to know about one served resource. */
export interface ResourceType {
  /** API group (`""` for core). */
  readonly group: string;
  /** The served version. */
  readonly version: string;
  /** Plural resource name. */
  readonly plural: string;
  /** Singular resource name. */
  readonly singular: string;
  /** Kind of objects. */
  readonly kind: string;
  /** Kind of lists. */
  readonly listKind: string;
  /** Whether objects live in namespaces. */
  readonly namespaced: boolean;
  /** Whether `/status` is served and main-resource writes ignore `.status`. */
  readonly statusSubresource: boolean;
  /**
   * Core/v1 semantics (Events): no `generation`, updates without a resourceVersion are
   * unconditional, strategic merge patches are accepted, more field selectors.
   */
  readonly core: boolean;
  /**
   * Whether the server keeps `metadata.generation` (default: custom resources yes, core
   * types no). Built-in kinds whose strategy does not set it (Lease) say `false`.
   */
  readonly generation?: boolean;
  /**
   * A compiled-in (typed) resource outside core (Lease): bodies are decoded with the path's
   * group, version and kind as defaults, and lists omit an empty `continue`, as for core
   * types.
   */
  readonly typed?: boolean;
  /** Validation of the object beyond its type meta (built-in kinds such as Lease). */
  readonly validate?: (object: KubeObject) => FieldError[];
}

/** Whether `type` is decoded as a typed (compiled-in) resource: core types and Leases. */
export function isTyped(type: ResourceType): boolean {
  return type.core || type.typed === true;
}

/** Whether objects of `type` carry `metadata.generation`. */
export function keepsGeneration(type: ResourceType): boolean {
  return type.generation ?? !type.core;
}

/** The `apiVersion` of a resource's objects. */
export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** The key identifying a resource independently of its version. */
export function typeKey(group: string, plural: string): string {
  return `${plural}.${group}`;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VERSION = /^v[1-9][0-9]*((alpha|beta)[1-9][0-9]*)?$/;
const KIND = /^[A-Za-z][A-Za-z0-9]*$/;

/**
 * Turns a definition into a resource type, applying the defaults.
 *
 * @throws TypeError for a malformed definition.
 */
export function fromCrd(def: CrdDefinition): ResourceType {
  const problems: string[] = [];
  if (!DNS_SUBDOMAIN.test(def.group)) problems.push(`group ${JSON.stringify(def.group)}`);
  if (!VERSION.test(def.version)) problems.push(`version ${JSON.stringify(def.version)}`);
  if (!DNS_LABEL.test(def.plural)) problems.push(`plural ${JSON.stringify(def.plural)}`);
  if (!KIND.test(def.kind)) problems.push(`kind ${JSON.stringify(def.kind)}`);
  const singular = def.singular ?? def.kind.toLowerCase();
  if (!DNS_LABEL.test(singular)) problems.push(`singular ${JSON.stringify(singular)}`);
  const listKind = def.listKind ?? `${def.kind}List`;
  if (!KIND.test(listKind)) problems.push(`listKind ${JSON.stringify(listKind)}`);
  if (def.scope !== undefined && def.scope !== "Namespaced" && def.scope !== "Cluster") {
    problems.push(`scope ${JSON.stringify(def.scope)}`);
  }
  if (problems.length > 0) throw new TypeError(`invalid CRD definition: ${problems.join(", ")}`);
  return {
    group: def.group,
    version: def.version,
    plural: def.plural,
    singular,
    kind: def.kind,
    listKind,
    namespaced: (def.scope ?? "Namespaced") === "Namespaced",
    statusSubresource: def.statusSubresource ?? true,
    core: false,
  };
}

/** core/v1 Events. */
export const CORE_EVENTS: ResourceType = {
  group: "",
  version: "v1",
  plural: "events",
  singular: "event",
  kind: "Event",
  listKind: "EventList",
  namespaced: true,
  statusSubresource: false,
  core: true,
};

/** core/v1 Secrets, served so that secret sources can be tested (`data` only: `stringData` is not folded in). */
export const CORE_SECRETS: ResourceType = {
  group: "",
  version: "v1",
  plural: "secrets",
  singular: "secret",
  kind: "Secret",
  listKind: "SecretList",
  namespaced: true,
  statusSubresource: false,
  core: true,
};

/**
 * `spec` validation of a Lease, as kubernetes/kubernetes
 * pkg/apis/coordination/validation/validation.go `ValidateLeaseSpec` (lines 61-80 at
 * 02f19cb): `leaseDurationSeconds` > 0 and `leaseTransitions` >= 0 when set. (`strategy`
 * and `preferredHolder`, coordinated leader election, are not checked: unverified here.)
 */
function validateLease(object: KubeObject): FieldError[] {
  const spec = (object as { spec?: unknown }).spec;
  if (spec === undefined || spec === null) return [];
  if (typeof spec !== "object" || Array.isArray(spec)) {
    return [fieldInvalid("spec", JSON.stringify(spec), "must be an object")];
  }
  const errors: FieldError[] = [];
  const record = spec as Record<string, unknown>;
  const duration = record["leaseDurationSeconds"];
  if (duration !== undefined && duration !== null) {
    if (!Number.isInteger(duration)) {
      errors.push(
        fieldInvalid("spec.leaseDurationSeconds", JSON.stringify(duration), "must be an integer"),
      );
    } else if ((duration as number) <= 0) {
      errors.push(
        fieldInvalid(
          "spec.leaseDurationSeconds",
          JSON.stringify(duration),
          "must be greater than 0",
        ),
      );
    }
  }
  const transitions = record["leaseTransitions"];
  if (transitions !== undefined && transitions !== null) {
    if (!Number.isInteger(transitions)) {
      errors.push(
        fieldInvalid("spec.leaseTransitions", JSON.stringify(transitions), "must be an integer"),
      );
    } else if ((transitions as number) < 0) {
      errors.push(
        fieldInvalid(
          "spec.leaseTransitions",
          JSON.stringify(transitions),
          "must be greater than or equal to 0",
        ),
      );
    }
  }
  for (const field of ["holderIdentity", "acquireTime", "renewTime"] as const) {
    const value = record[field];
    if (value !== undefined && value !== null && typeof value !== "string") {
      errors.push(fieldInvalid(`spec.${field}`, JSON.stringify(value), "must be a string"));
    }
  }
  return errors;
}

/**
 * coordination.k8s.io/v1 Leases, served when the simulator's `leases` option is set. As
 * kubernetes/kubernetes pkg/registry/coordination/lease/strategy.go (at 152eb4f):
 * namespaced (`NamespaceScoped`), no status subresource, no generation (`PrepareForCreate`
 * and `PrepareForUpdate` set nothing), updates need a resourceVersion
 * (`AllowUnconditionalUpdate() = false`: a PUT without one is a 422, a stale one a 409),
 * spec validated by `ValidateLeaseSpec`. Not modelled: create on PUT
 * (`AllowCreateOnUpdate() = true`: here a PUT of a missing Lease is a 404).
 */
export const COORDINATION_LEASES: ResourceType = {
  group: "coordination.k8s.io",
  version: "v1",
  plural: "leases",
  singular: "lease",
  kind: "Lease",
  listKind: "LeaseList",
  namespaced: true,
  statusSubresource: false,
  core: false,
  generation: false,
  typed: true,
  validate: validateLease,
};
