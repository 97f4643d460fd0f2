/**
 * When a running job is read next: the engine's one poll policy (see docs/engine.md,
 * "Polling").
 *
 * @module
 */
import type { JobRecord } from "../job-record.js";
import type { EngineOptions } from "./options.js";
import { iso, ms } from "./time.js";
import type { DecideInput } from "./types.js";

/** What the poll policy knows about one job beyond its age. */
export interface PollContext {
  /**
   * The job's expected total duration from its launch, in ms; absent (or not a positive
   * finite number) when there is no estimate.
   */
  expectedDurationMs?: number | undefined;
  /** True while the caller receives completion signals for the job. */
  signalsActive?: boolean;
}

/** The caller's adaptive-polling inputs, as in {@link DecideInput}. */
export type PollInputs = Pick<DecideInput, "expectedDurationMs" | "signalsActive">;

/**
 * The delay, in ms, from a read of a running job (or its launch) to its next read.
 *
 * `ageMs` is the job's age at that read (now − `launchedAt`). With P = `pollIntervalMs`,
 * m = min(`minPollIntervalMs`, P), M = max(`maxPollIntervalMs`, P), f = `pollStepFraction`,
 * S = `signalSafetyNetMs` and E = the expected duration:
 *
 * - no context (the caller takes no part in adaptive polling): P, every time;
 * - completion signals active (a signal brings the read; polling is a safety net): the
 *   first safety read at the age max(S, 2E), then each after max(S, age);
 * - an estimate E, before it: one read at the age E (at least m after this one), so a job
 *   that runs as long as the ones before it costs one or two reads;
 * - an estimate E, past it: after clamp(f × age, m, M), so the end is seen within f of the
 *   job's duration;
 * - no estimate: doubling from m up to P (reads at m, 2m, 4m … then every P), as a job of a
 *   kind never seen to end may end at any time.
 *
 * Pure and deterministic; whole milliseconds, rounded up.
 */
export function pollDelay(
  ageMs: number,
  context: PollContext | undefined,
  options: EngineOptions,
): number {
  // Whole milliseconds, as the ISO-8601 instants it becomes.
  return Math.ceil(delay(ageMs, context, options));
}

function delay(ageMs: number, context: PollContext | undefined, options: EngineOptions): number {
  const p = options.pollIntervalMs;
  if (context === undefined) return p;
  const age = Math.max(0, Number.isFinite(ageMs) ? ageMs : 0);
  const min = Math.min(options.minPollIntervalMs, p);
  const max = Math.max(options.maxPollIntervalMs, p);
  const f = options.pollStepFraction;
  const e = context.expectedDurationMs;
  const expected = e !== undefined && Number.isFinite(e) && e > 0 ? e : undefined;
  if (context.signalsActive === true) {
    const first = Math.max(options.signalSafetyNetMs, 2 * (expected ?? 0));
    if (age < first) return first - age;
    return Math.max(options.signalSafetyNetMs, age);
  }
  if (expected !== undefined) {
    if (age < expected) return Math.max(expected - age, min);
    return clamp(f * age, min, max);
  }
  return Math.min(Math.max(age, min), p);
}

/**
 * The poll context of `job` from the caller's inputs; `undefined` when the caller passes
 * neither `expectedDurationMs` nor `signalsActive` (then every `pollIntervalMs`).
 */
export function pollContext(
  inputs: PollInputs | undefined,
  job: JobRecord,
): PollContext | undefined {
  if (!inputs || (!inputs.expectedDurationMs && !inputs.signalsActive)) return undefined;
  const context: PollContext = {};
  if (inputs.expectedDurationMs) context.expectedDurationMs = inputs.expectedDurationMs(job);
  if (inputs.signalsActive) context.signalsActive = inputs.signalsActive(job);
  return context;
}

/** The job's next check (ISO-8601) after a read (or its launch) at `now`. */
export function nextPollAt(
  job: JobRecord,
  now: number,
  options: EngineOptions,
  inputs: PollInputs | undefined,
): string {
  const age = now - ms(job.launchedAt, now);
  return iso(now + pollDelay(age, pollContext(inputs, job), options));
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
