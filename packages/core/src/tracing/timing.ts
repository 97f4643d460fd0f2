import type { JobRecord, JobTiming } from "../job-record.js";

/**
 * The largest offset, in ms, a {@link JobTiming} field may hold (about 3 years either
 * way); a value beyond it is dropped when the status is read.
 */
export const MAX_TIMING_OFFSET_MS = 100_000_000_000;

/** The fields of a {@link JobTiming}, in the order their instants usually come. */
export const JOB_TIMING_FIELDS = [
  "queuedMs",
  "reconcileMs",
  "launchStartMs",
  "launchEndMs",
  "createdMs",
  "startedMs",
  "finishedMs",
  "seenMs",
  "writtenMs",
] as const satisfies readonly (keyof JobTiming)[];

const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

/** Whether `value` is a W3C `traceparent` of version 00 with non-zero ids. */
export function isTraceparent(value: unknown): value is string {
  return typeof value === "string" && TRACEPARENT.test(value);
}

/**
 * A job timing read from a stored status: only the known fields that are whole numbers
 * within {@link MAX_TIMING_OFFSET_MS}; anything else is dropped (timing is diagnostic, so a
 * damaged one never stops a resource). `undefined` when nothing is left.
 */
export function parseJobTiming(value: unknown): JobTiming | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  const out: JobTiming = {};
  for (const field of JOB_TIMING_FIELDS) {
    const v = o[field];
    if (typeof v === "number" && Number.isInteger(v) && Math.abs(v) <= MAX_TIMING_OFFSET_MS) {
      out[field] = v;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The offset of `instant` (epoch ms or an ISO-8601 text) from the job's `launchedAt`, as a
 * {@link JobTiming} field holds it; `undefined` when either cannot be read or it is out of
 * bounds.
 */
export function timingOffset(
  job: Pick<JobRecord, "launchedAt">,
  instant: number | string,
): number | undefined {
  const t0 = Date.parse(job.launchedAt);
  const t = typeof instant === "number" ? instant : Date.parse(instant);
  if (!Number.isFinite(t0) || !Number.isFinite(t)) return undefined;
  const offset = Math.round(t - t0);
  return Math.abs(offset) <= MAX_TIMING_OFFSET_MS ? offset : undefined;
}

/** The name of a {@link JobPhase}. */
export type JobPhaseName =
  | "queued"
  | "prepare"
  | "launch"
  | "backend-queued"
  | "running"
  | "backend"
  | "detection"
  | "status-write";

/** One phase of a job's latency breakdown (see {@link jobPhases}). */
export interface JobPhase {
  /** Its name. */
  name: JobPhaseName;
  /** What it is, in words. */
  description: string;
  /** Its start, in ms from the job's `launchedAt`. */
  startMs: number;
  /** Its end, in ms from `launchedAt`; `undefined` while the phase goes on. */
  endMs?: number;
}

const DESCRIPTIONS: Record<JobPhaseName, string> = {
  queued: "queued in the controller",
  prepare: "reconcile before the launch (read, decide, pending-launch marker)",
  launch: "launch call",
  "backend-queued": "pending / waiting in the backend",
  running: "running in the backend",
  backend: "in the backend (until its end was seen)",
  detection: "detection delay (backend end to controller saw it)",
  "status-write": "status write",
};

/**
 * The phases of a job from its record's timing, in order: queued in the controller,
 * prepare, launch call, then either pending/waiting and running in the backend (when the
 * provider reports the backend's `createdTime` or `startTime`) or one `backend` phase,
 * then detection delay and status write. A phase is listed when its start is known; its
 * end is missing while it goes on (for a job not yet seen to end, the last phase is open).
 * A record without `timing` (written by an older version) has no phases.
 */
export function jobPhases(job: JobRecord): JobPhase[] {
  const t = job.timing;
  const phases: JobPhase[] = [];
  if (t === undefined) return phases; // a record written before timing existed
  const add = (name: JobPhaseName, start: number | undefined, end: number | undefined) => {
    if (start === undefined) return;
    const phase: JobPhase = { name, description: DESCRIPTIONS[name], startMs: start };
    if (end !== undefined) phase.endMs = end;
    phases.push(phase);
  };
  add("queued", t.queuedMs, t.reconcileMs ?? t.launchStartMs);
  add("prepare", t.reconcileMs, t.launchStartMs);
  add("launch", t.launchStartMs, t.launchEndMs);
  const afterLaunch = t.launchEndMs ?? t.launchStartMs ?? 0;
  const ended = t.finishedMs ?? t.seenMs;
  if (t.createdMs !== undefined || t.startedMs !== undefined) {
    const queuedFrom = t.createdMs ?? afterLaunch;
    // Without the backend's created, a start before the launch answered (EdaProvider reports
    // the event's send time as startTime) leaves no queued phase to show.
    if (t.createdMs !== undefined || t.startedMs === undefined || t.startedMs >= queuedFrom) {
      add("backend-queued", queuedFrom, t.startedMs ?? ended);
    }
    add("running", t.startedMs, ended);
  } else {
    add("backend", afterLaunch, t.seenMs);
  }
  if (t.finishedMs !== undefined) add("detection", t.finishedMs, t.seenMs);
  add("status-write", t.seenMs, t.writtenMs);
  return phases;
}
