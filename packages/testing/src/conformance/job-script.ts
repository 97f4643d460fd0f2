/**
 * Checks of a {@link ConformanceJobScript} that every backend applies alike.
 *
 * @module
 */
import type { ConformanceJobScript } from "./types.js";

/**
 * The script's `queuedMs`, 0 when absent.
 *
 * @throws RangeError for a negative or non-finite `queuedMs`.
 */
export function queuedMsOf(script: ConformanceJobScript): number {
  const { queuedMs = 0 } = script;
  if (!(Number.isFinite(queuedMs) && queuedMs >= 0)) {
    throw new RangeError(`queuedMs must be a finite number >= 0, got ${queuedMs}`);
  }
  return queuedMs;
}
