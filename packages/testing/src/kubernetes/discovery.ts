/**
 * Discovery documents: `/version`, `/apis`, `/apis/{group}`, `/apis/{group}/{version}`,
 * and `/api`, `/api/v1` when core Events are served.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { ResourceRegistry } from "./registry.js";
import { apiVersionOf, type ResourceType } from "./resource-type.js";

/** The Kubernetes version the simulator claims (that of the measured apiextensions-apiserver). */
export const KUBERNETES_VERSION = { major: "1", minor: "36", gitVersion: "v1.36.4" } as const;

/** `/version`. */
export function versionInfo(): Record<string, string> {
  return {
    ...KUBERNETES_VERSION,
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2026-01-01T00:00:00Z",
    goVersion: "go1.27",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

function storageVersionHash(type: ResourceType): string {
  const digest = createHash("sha256")
    .update(`${apiVersionOf(type)}/${type.kind}`)
    .digest();
  return digest.subarray(0, 8).toString("base64");
}

const RESOURCE_VERBS = [
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "create",
  "update",
  "watch",
];

function apiResources(type: ResourceType): Record<string, unknown>[] {
  const resources: Record<string, unknown>[] = [
    {
      name: type.plural,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: RESOURCE_VERBS,
      ...(type.core ? { shortNames: ["ev"] } : {}),
      storageVersionHash: storageVersionHash(type),
    },
  ];
  if (type.statusSubresource) {
    resources.push({
      name: `${type.plural}/status`,
      singularName: "",
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: ["get", "patch", "update"],
    });
  }
  return resources;
}

function groupEntry(group: string, version: string): Record<string, unknown> {
  const gv = { groupVersion: `${group}/${version}`, version };
  return { name: group, versions: [gv], preferredVersion: gv };
}

function groupVersions(registry: ResourceRegistry): Map<string, string> {
  const groups = new Map<string, string>();
  for (const type of registry.crds())
    if (!groups.has(type.group)) groups.set(type.group, type.version);
  return groups;
}

/** `/apis`: one entry per group of the registered CRDs. */
export function apiGroupList(registry: ResourceRegistry): Record<string, unknown> {
  const groups = [...groupVersions(registry)].map(([group, version]) => groupEntry(group, version));
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

/** `/apis/{group}`. */
export function apiGroup(registry: ResourceRegistry, group: string): Record<string, unknown> {
  const version = groupVersions(registry).get(group) ?? "";
  return { kind: "APIGroup", apiVersion: "v1", ...groupEntry(group, version) };
}

/** `/apis/{group}/{version}`: each resource and its status subresource. */
export function apiResourceList(
  registry: ResourceRegistry,
  group: string,
  version: string,
): Record<string, unknown> {
  const resources = registry
    .crds()
    .filter((t) => t.group === group && t.version === version)
    .flatMap(apiResources);
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: `${group}/${version}`,
    resources,
  };
}

/** `/api`. */
export function coreVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

/** `/api/v1`: the served core types (Events unless disabled, Secrets). */
export function coreResourceList(types: readonly ResourceType[]): Record<string, unknown> {
  return { kind: "APIResourceList", groupVersion: "v1", resources: types.flatMap(apiResources) };
}
