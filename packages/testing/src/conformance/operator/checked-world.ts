/**
 * What the operator suite's ledger and status checks (E1–E5) and its goals read of a
 * scenario's world: the operator suite's own `OperatorWorld` has it, and so has the black-box
 * suite's world (an operator process the suite knows nothing of but its status fields).
 *
 * @module
 */
import type { JobType } from "@provisionkit/core";
import type { KubeObject } from "../../kubernetes/types.js";
import type { ConformanceJob, RuleId } from "../types.js";
import type { ObjectSample } from "./observer.js";
import type { DeprovisionDeclaration } from "./provider-tap.js";

/** A scenario's world, as the checks and goals read it. */
export interface CheckedWorld {
  /** When the scenario started (epoch ms). */
  readonly start: number;
  /** Spec writes (create and changes) and deletions, per object key, epoch ms. */
  readonly userWrites: Map<string, number[]>;
  /** The objects as watched: every change, per object key. */
  readonly observer: {
    readonly samples: Map<string, ObjectSample[]>;
    latest(key: string): ObjectSample | undefined;
  };
  /** The options the checks read. */
  readonly options: { readonly finalizer: string; readonly reconcileWithinMs?: number };
  /** What providers declared about their deprovisions (none seen: `true`, the default). */
  readonly declarations: readonly DeprovisionDeclaration[];
  /** `skipped` deprovision answers seen. */
  readonly skips: readonly { resourceKey: string; at: number }[];
  /** The ledger's jobs of an object (of one operation), oldest first. */
  jobs(key: string, operation?: JobType): ConformanceJob[];
  /** Every job of the backend. */
  ledger(): ConformanceJob[];
  /** A job for messages. */
  label(job: ConformanceJob): string;
  /** Ms since the scenario started, for messages. */
  t(at: number | undefined): string;
  /** Until when the observations reach. */
  observedUntil(): number;
  /** The object as last seen. */
  object(name: string): KubeObject | undefined;
  /** The key of an object (`namespace/name`). */
  key(name: string): string;
  /** The reconciled version of an object. */
  reconciled(object: KubeObject): string | undefined;
  /** The desired version of an object. */
  desired(object: KubeObject): string;
  /** Look again until `reached`; past the deadline throw a `GoalTimeout` of `rule`. */
  until(reached: () => boolean, rule: RuleId, seen: () => string): Promise<void>;
}
