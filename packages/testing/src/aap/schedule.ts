/**
 * The lazily computed life cycle of a job: every phase boundary as an instant derived from
 * the job's script, its end overrides and, for job templates that do not allow
 * simultaneous jobs, the ends of the template's earlier jobs. No timers are involved:
 * the state at any instant follows from these numbers and the clock.
 *
 * Events (cancel, `finishJob`) only ever move a job's end to an instant at or after the
 * event, so the schedule of the past never changes.
 *
 * @module
 */
import type { EndOverride, JobRecord } from "./model.js";
import type { AapOutcome } from "./types.js";

/** The phase boundaries of one job. */
export interface Schedule {
  /** When `pending` ends (`Infinity` while blocked by a job that has no end yet). */
  readonly pendingEnd: number;
  /** When the job enters `running` (equals `pendingEnd` for workflow jobs). */
  readonly runStart: number;
  /** When the job becomes terminal (`Infinity` while unknown). */
  readonly end: number;
  /** The terminal status reached at `end`. */
  readonly outcome: AapOutcome;
  /** Whether the job was held `pending` by earlier jobs of its template. */
  readonly blocked: boolean;
  /** Whether it ends straight from `pending` (a cancel the task manager carries out). */
  readonly neverStarts: boolean;
}

function earliest(candidates: (EndOverride | undefined)[]): EndOverride | undefined {
  let best: EndOverride | undefined;
  for (const candidate of candidates) {
    if (candidate && (!best || candidate.at < best.at)) best = candidate;
  }
  return best;
}

/**
 * Computes a job's schedule.
 *
 * @param job - The job.
 * @param release - The instant the template's earlier jobs are all terminal (`-Infinity`
 *   when none block this job).
 */
export function computeSchedule(job: JobRecord, release: number): Schedule {
  const { script } = job;
  const naturalPendingEnd = job.createdAt + script.pendingMs;
  const pendingEnd = Math.max(naturalPendingEnd, release);
  const runStart = pendingEnd + script.waitingMs;
  const naturalEnd = script.neverFinishes ? Infinity : runStart + script.runMs;
  const override = earliest([job.cancelEnd, job.forcedEnd]);
  // A cancel may lose the race against the job's own end ("remote tasks in flight may
  // finish", research §6): whichever comes first wins.
  const overrides = override !== undefined && override.at < naturalEnd;
  return {
    pendingEnd,
    runStart,
    end: overrides ? override.at : naturalEnd,
    outcome: overrides ? override.outcome : script.outcome,
    blocked: release > naturalPendingEnd,
    neverStarts: overrides && override.beforeStart === true,
  };
}
