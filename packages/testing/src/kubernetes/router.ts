/**
 * Mapping request paths to what they address, as the real server's request-info parsing
 * and CRD handler do.
 *
 * @module
 */
import { notFound, pathNotFound } from "./errors.js";
import type { ResourceRegistry } from "./registry.js";
import type { ResourceType } from "./resource-type.js";
import type { KubeStatusError } from "./status.js";

/** What a request path addresses. */
export type Route =
  | { readonly kind: "version" }
  | { readonly kind: "health" }
  | { readonly kind: "apis" }
  | { readonly kind: "group"; readonly group: string }
  | { readonly kind: "groupVersion"; readonly group: string; readonly version: string }
  | { readonly kind: "core" }
  | { readonly kind: "coreVersion" }
  | {
      /** A collection; `namespace` undefined is cluster-wide (all namespaces when namespaced). */
      readonly kind: "collection";
      readonly type: ResourceType;
      readonly namespace: string | undefined;
    }
  | {
      readonly kind: "object";
      readonly type: ResourceType;
      readonly namespace: string | undefined;
      readonly name: string;
      readonly subresource: "status" | undefined;
    }
  | { readonly kind: "error"; readonly error: KubeStatusError };

const NOT_FOUND: Route = { kind: "error", error: pathNotFound() };

/** Routes `plural[/name[/subresource]]` of a resource. */
function routeResource(
  type: ResourceType,
  namespace: string | undefined,
  rest: readonly string[],
): Route {
  const [name, subresource, ...extra] = rest;
  if (extra.length > 0 || name === "") return NOT_FOUND;
  // A namespaced resource is served without a namespace only as an all-namespaces collection.
  if (type.namespaced && namespace === undefined && name !== undefined) return NOT_FOUND;
  if (!type.namespaced && namespace !== undefined) return NOT_FOUND;
  if (name === undefined) return { kind: "collection", type, namespace };
  if (subresource === undefined) return { kind: "object", type, namespace, name, subresource };
  if (subresource === "status" && type.statusSubresource) {
    return { kind: "object", type, namespace, name, subresource: "status" };
  }
  return { kind: "error", error: notFound(type, name) };
}

/** Routes the segments after `/apis/{group}/{version}/`. */
function routeGroupVersion(
  registry: ResourceRegistry,
  group: string,
  version: string,
  rest: readonly string[],
): Route {
  if (rest[0] === "namespaces" && rest.length >= 3) {
    const type = registry.byPath(group, version, rest[2] ?? "");
    return type ? routeResource(type, rest[1], rest.slice(3)) : NOT_FOUND;
  }
  const type = registry.byPath(group, version, rest[0] ?? "");
  return type ? routeResource(type, undefined, rest.slice(1)) : NOT_FOUND;
}

/** Routes the segments after `/api/v1/` (the served core types: Events, Secrets). */
function routeCore(registry: ResourceRegistry, rest: readonly string[]): Route {
  if (rest[0] === "namespaces" && rest.length >= 3) {
    const type = registry.corePlural(rest[2] ?? "");
    return type ? routeResource(type, rest[1], rest.slice(3)) : NOT_FOUND;
  }
  const type = registry.corePlural(rest[0] ?? "");
  return type ? routeResource(type, undefined, rest.slice(1)) : NOT_FOUND;
}

/** Routes a decoded request path. */
export function route(registry: ResourceRegistry, path: string): Route {
  let segments: string[];
  try {
    segments = path
      .split("/")
      .filter((s) => s !== "")
      .map(decodeURIComponent);
  } catch {
    return NOT_FOUND;
  }
  const [root, first, second, ...rest] = segments;
  switch (root) {
    case "version":
      return segments.length === 1 ? { kind: "version" } : NOT_FOUND;
    case "healthz":
    case "livez":
    case "readyz":
      return segments.length === 1 ? { kind: "health" } : NOT_FOUND;
    case "apis": {
      if (first === undefined) return { kind: "apis" };
      const known = registry.crds().filter((t) => t.group === first);
      if (known.length === 0) return NOT_FOUND;
      if (second === undefined) return { kind: "group", group: first };
      if (!known.some((t) => t.version === second)) return NOT_FOUND;
      if (rest.length === 0) return { kind: "groupVersion", group: first, version: second };
      return routeGroupVersion(registry, first, second, rest);
    }
    case "api": {
      if (!registry.coreEvents) return NOT_FOUND;
      if (first === undefined) return { kind: "core" };
      if (first !== "v1") return NOT_FOUND;
      return second === undefined
        ? { kind: "coreVersion" }
        : routeCore(registry, [second, ...rest]);
    }
    default:
      return NOT_FOUND;
  }
}
