/**
 * Where a simulated operator process can die.
 *
 * @module
 */

/** Where a process can die. */
export type CrashPoint =
  /** Right after the finalizer was added. */
  | "after-finalizer-added"
  /** The pending-launch marker is not written (nothing launched). */
  | "before-launch-write"
  /** The marker is written; the provider is not called. */
  | "after-launch-write"
  /** The launch call returned; the status recording it is not written. */
  | "after-launch"
  /** A status update (not right after a launch) is not written. */
  | "before-update-write"
  /** A status update is written, then the process dies. */
  | "after-update-write"
  /** The engine said release; the finalizer is not removed. */
  | "before-finalizer-release";

/** Every crash point, in lifecycle order. */
export const CRASH_POINTS: readonly CrashPoint[] = Object.freeze([
  "after-finalizer-added",
  "before-launch-write",
  "after-launch-write",
  "after-launch",
  "before-update-write",
  "after-update-write",
  "before-finalizer-release",
]);

/** Thrown inside a process when it dies. */
export class CrashSignal extends Error {
  /** @param point - where it died. */
  constructor(readonly point: CrashPoint) {
    super(`process crashed (${point})`);
    this.name = "CrashSignal";
  }
}
