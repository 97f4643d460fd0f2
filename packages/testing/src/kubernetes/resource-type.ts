/**
 * The resources the simulator serves: custom resources from their definitions, and core
 * Events.
 *
 * @module
 */
import type { CrdDefinition } from "./types.js";

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
