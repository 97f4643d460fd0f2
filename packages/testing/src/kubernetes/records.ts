/**
 * Public types of what the Kubernetes API simulator records: writes and requests.
 *
 * @module
 */
import type { ObjectRef } from "./types.js";

/**
 * What a write did. `delete` is a DELETE that removed the object or started its deletion
 * (set `deletionTimestamp`); `finalize` is an update that removed the last finalizer of an
 * object being deleted, which removed the object.
 */
export type KubeWriteVerb = "create" | "update" | "patch" | "delete" | "finalize";

/** One successful write to storage. No-op updates (nothing changed) write nothing. */
export interface WriteRecord {
  /** When, on the simulator's clock (epoch milliseconds). */
  at: number;
  /** What the write did. */
  verb: KubeWriteVerb;
  /** `status` for writes through the status subresource. */
  subresource?: "status";
  /** The object written (with its resource's version). */
  ref: ObjectRef;
  /** The revision of this write. */
  resourceVersion: string;
  /** The object's generation after the write (0 for core Events). */
  generation: number;
  /** The `fieldManager` query parameter, if given. */
  fieldManager?: string;
  /** The request's `User-Agent`, if any. */
  userAgent?: string;
  /** `http` for API requests, `direct` for the simulator's out-of-band methods. */
  origin: "http" | "direct";
}

/** The fault applied to a request, if any. */
export type KubeFaultKind = "status" | "delay" | "conflict" | "drop-watches" | "compact";

/** One HTTP request the simulator received. Credentials are never recorded. */
export interface KubeRequestRecord {
  /** HTTP method. */
  method: string;
  /** Path without the query string. */
  path: string;
  /** Query parameters (the last value wins for repeated names). */
  query: Record<string, string>;
  /** HTTP status sent; 0 while pending or when the connection was cut. Watches: 200 at start. */
  status: number;
  /** Arrival time on the simulator's clock (epoch milliseconds). */
  at: number;
  /** Whether this was a watch (`watch=true` or `watch=1`). */
  watch: boolean;
  /** The `User-Agent` header, if any. */
  userAgent?: string;
  /** Faults applied to this request, in order. */
  faults?: KubeFaultKind[];
}
