/**
 * Events as the rule engine sees them: the source's `{payload, meta}` plus what
 * ansible-rulebook's `insert_meta_info` filter adds (`meta.source`, `meta.received_at`,
 * `meta.uuid`).
 *
 * @module
 */
import { randomUUID } from "node:crypto";

/**
 * `datetime.now(timezone.utc).isoformat()` with `+00:00` as `Z`: microseconds, and no
 * fraction at all on a whole second (as Python prints it).
 */
export function pythonUtcIso(ms: number): string {
  const iso = new Date(ms).toISOString();
  const millis = ms - Math.floor(ms / 1000) * 1000;
  const seconds = iso.slice(0, 19);
  return millis === 0 ? `${seconds}Z` : `${seconds}.${String(millis * 1000).padStart(6, "0")}Z`;
}

/** The meta fields ansible-rulebook adds to every event. */
function rulebookMeta(sourceName: string, sourceType: string, receivedAt: number) {
  return {
    source: { name: sourceName, type: sourceType },
    received_at: pythonUtcIso(receivedAt),
    uuid: randomUUID(),
  };
}

/** A webhook event: `{payload, meta: {endpoint, headers, source, received_at, uuid}}`. */
export function webhookEvent(
  payload: unknown,
  endpoint: string,
  headers: Record<string, string>,
  source: { name: string; type: string },
  receivedAt: number,
): Record<string, unknown> {
  return {
    payload,
    meta: { endpoint, headers, ...rulebookMeta(source.name, source.type, receivedAt) },
  };
}

/**
 * An event-stream event: `{payload, meta: {endpoint, eda_event_stream_name, headers}}` as
 * the EDA server sends it through PG NOTIFY, plus the rulebook's meta fields on receipt.
 */
export function streamEvent(
  payload: unknown,
  endpoint: string,
  streamName: string,
  headers: Record<string, string>,
  sourceType: string,
  receivedAt: number,
): Record<string, unknown> {
  return {
    payload,
    meta: {
      endpoint,
      eda_event_stream_name: streamName,
      headers,
      ...rulebookMeta(streamName, sourceType, receivedAt),
    },
  };
}
