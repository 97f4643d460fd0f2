/**
 * The registry of served resources.
 *
 * @module
 */
import {
  CORE_EVENTS,
  CORE_SECRETS,
  COORDINATION_LEASES,
  fromCrd,
  typeKey,
  type ResourceType,
} from "./resource-type.js";
import type { CrdDefinition } from "./types.js";

function sameType(a: ResourceType, b: ResourceType): boolean {
  return (Object.keys(a) as (keyof ResourceType)[]).every((key) => a[key] === b[key]);
}

/** The resources one simulator serves. */
export class ResourceRegistry {
  readonly #types = new Map<string, ResourceType>();
  readonly #coreEvents: boolean;
  readonly #core: readonly ResourceType[];

  /**
   * @param coreEvents - Whether the core API (Events and Secrets) is served.
   * @param leases - Whether coordination.k8s.io/v1 Leases are served (registered first, as
   *   the built-in groups come before CRD groups in a real server's discovery).
   */
  constructor(coreEvents: boolean, leases = false) {
    this.#coreEvents = coreEvents;
    this.#core = coreEvents ? [CORE_EVENTS, CORE_SECRETS] : [];
    if (leases) {
      this.#types.set(
        typeKey(COORDINATION_LEASES.group, COORDINATION_LEASES.plural),
        COORDINATION_LEASES,
      );
    }
  }

  /** The served core/v1 types. */
  core(): readonly ResourceType[] {
    return this.#core;
  }

  /** A served core/v1 type by plural. */
  corePlural(plural: string): ResourceType | undefined {
    return this.#core.find((t) => t.plural === plural);
  }

  /** Whether the core API (Events and Secrets) is served. */
  get coreEvents(): boolean {
    return this.#coreEvents;
  }

  /**
   * Registers a CRD. Registering the same definition again is a no-op.
   *
   * @returns The resource type, and whether it is new.
   * @throws TypeError for a malformed definition; Error when it clashes with a registered one.
   */
  register(def: CrdDefinition): { type: ResourceType; added: boolean } {
    const type = fromCrd(def);
    const existing = this.#types.get(typeKey(type.group, type.plural));
    if (existing) {
      if (sameType(existing, type)) return { type: existing, added: false };
      throw new Error(`a different CRD is registered for ${type.plural}.${type.group}`);
    }
    const sameKind = [...this.#types.values()].find(
      (t) => t.group === type.group && t.kind === type.kind,
    );
    if (sameKind) {
      throw new Error(`kind ${type.kind} of group ${type.group} is served as ${sameKind.plural}`);
    }
    this.#types.set(typeKey(type.group, type.plural), type);
    return { type, added: true };
  }

  /** The types served under `/apis` (built-in Leases when served, then CRDs), in registration order. */
  crds(): ResourceType[] {
    return [...this.#types.values()];
  }

  /** A served resource by group and plural (core types too), whatever the version. */
  byGroupPlural(group: string, plural: string): ResourceType | undefined {
    if (group === "") return this.corePlural(plural);
    return this.#types.get(typeKey(group, plural));
  }

  /** A served custom resource by group, version and plural. */
  byPath(group: string, version: string, plural: string): ResourceType | undefined {
    const type = this.#types.get(typeKey(group, plural));
    return type?.version === version ? type : undefined;
  }

  /** A served resource by `apiVersion` and kind. */
  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    if (apiVersion === "v1") return this.#core.find((t) => t.kind === kind);
    return [...this.#types.values()].find(
      (t) => `${t.group}/${t.version}` === apiVersion && t.kind === kind,
    );
  }
}
