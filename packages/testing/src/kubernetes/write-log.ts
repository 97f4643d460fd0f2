/**
 * Recording successful writes.
 *
 * @module
 */
import type { KubeWriteVerb, WriteRecord } from "./records.js";
import type { ResourceType } from "./resource-type.js";
import type { KubeState, WriteContext } from "./state.js";
import type { KubeObject } from "./types.js";

/** Appends a write record for `object` as stored by the write. */
export function recordWrite(
  state: KubeState,
  type: ResourceType,
  verb: KubeWriteVerb,
  object: KubeObject,
  ctx: WriteContext,
  subresource?: "status",
): void {
  const { metadata } = object;
  const record: WriteRecord = {
    at: state.clock.now(),
    verb,
    ref: {
      group: type.group,
      version: type.version,
      plural: type.plural,
      ...(metadata.namespace === undefined ? {} : { namespace: metadata.namespace }),
      name: metadata.name,
    },
    resourceVersion: metadata.resourceVersion,
    generation: typeof metadata.generation === "number" ? metadata.generation : 0,
    origin: ctx.origin,
  };
  if (subresource) record.subresource = subresource;
  if (ctx.fieldManager !== undefined) record.fieldManager = ctx.fieldManager;
  if (ctx.userAgent !== undefined) record.userAgent = ctx.userAgent;
  state.writes.push(record);
}
