/**
 * The state every operation acts on, and the write context it is given.
 *
 * @module
 */
import type { Clock } from "../clock.js";
import type { WriteRecord } from "./records.js";
import type { ResourceRegistry } from "./registry.js";
import type { ObjectStore } from "./store.js";

/** The simulator's state. */
export interface KubeState {
  /** Source of timestamps. */
  readonly clock: Clock;
  /** The served resources. */
  readonly registry: ResourceRegistry;
  /** The objects. */
  readonly store: ObjectStore;
  /** Every successful write, in order. */
  readonly writes: WriteRecord[];
}

/** Who writes, and how. */
export interface WriteContext {
  /** `http` for API requests, `direct` for out-of-band calls. */
  readonly origin: "http" | "direct";
  /** `dryRun=All`: compute and answer, but store nothing. */
  readonly dryRun: boolean;
  /** The `fieldManager` query parameter. */
  readonly fieldManager: string | undefined;
  /** The request's `User-Agent`. */
  readonly userAgent: string | undefined;
  /**
   * Asked once an update or patch has found its object: true makes it answer 409 Conflict
   * (an injected fault) without changing anything.
   */
  readonly conflictFault?: (subresource: "status" | "main", name: string) => boolean;
}

/** The context of out-of-band writes. */
export const DIRECT: WriteContext = {
  origin: "direct",
  dryRun: false,
  fieldManager: undefined,
  userAgent: undefined,
};
