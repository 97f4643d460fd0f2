/**
 * What the simulated playbooks and the event log read from an event's payload: the
 * Kubernetes resource and the provisionkit annotations (docs/eda-protocol.md).
 *
 * @module
 */
import type { EdaEffectResource } from "./records.js";

/** A JSON object, or undefined. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** One string annotation of a payload, if present. */
export function payloadAnnotation(payload: unknown, name: string): string | undefined {
  const annotations = asRecord(asRecord(asRecord(payload)?.metadata)?.annotations);
  return text(annotations?.[name]);
}

/** The payload a job's extra vars carry (`ansible_eda.event.payload`), if any. */
export function jobPayload(
  extraVars: Record<string, unknown>,
): Record<string, unknown> | undefined {
  return asRecord(asRecord(asRecord(extraVars.ansible_eda)?.event)?.payload);
}

/** The resource a payload names (`apiVersion`, `kind`, `metadata.name`, `metadata.namespace`). */
export function payloadResource(payload: Record<string, unknown>): EdaEffectResource | undefined {
  const metadata = asRecord(payload.metadata);
  const apiVersion = text(payload.apiVersion);
  const kind = text(payload.kind);
  const name = text(metadata?.name);
  if (apiVersion === undefined || kind === undefined || name === undefined) return undefined;
  const namespace = text(metadata?.namespace);
  return namespace === undefined
    ? { apiVersion, kind, name }
    : { apiVersion, kind, namespace, name };
}

/** `namespace/name`, or `name` for a cluster-scoped resource. */
export function resourceKey(resource: EdaEffectResource): string {
  return resource.namespace === undefined
    ? resource.name
    : `${resource.namespace}/${resource.name}`;
}
