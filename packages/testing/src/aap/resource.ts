/**
 * The Kubernetes-style resource a job was launched for, as carried in its extra vars by
 * ansible-rulebook and by direct launches (`extra_vars.ansible_eda.event.payload`).
 *
 * @module
 */
import type { AapLedgerResource } from "./records.js";

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Reads the resource from `extra_vars.ansible_eda.event.payload`, if it names one. */
export function extractResource(extraVars: Record<string, unknown>): AapLedgerResource | undefined {
  const payload = record(record(record(extraVars.ansible_eda)?.event)?.payload);
  const metadata = record(payload?.metadata);
  const name = text(metadata?.name);
  if (!payload || !metadata || name === undefined) return undefined;
  const resource: AapLedgerResource = { name };
  const apiVersion = text(payload.apiVersion);
  const kind = text(payload.kind);
  const namespace = text(metadata.namespace);
  const uid = text(metadata.uid);
  if (apiVersion !== undefined) resource.apiVersion = apiVersion;
  if (kind !== undefined) resource.kind = kind;
  if (namespace !== undefined) resource.namespace = namespace;
  if (uid !== undefined) resource.uid = uid;
  return resource;
}

/** `namespace/name`, or `name` for a cluster-scoped resource. */
export function keyOfResource(resource: AapLedgerResource): string {
  return resource.namespace ? `${resource.namespace}/${resource.name}` : resource.name;
}
