/**
 * The state of a job at an instant, derived from its schedule.
 *
 * @module
 */
import type { JobRecord } from "./model.js";
import type { AapJobStatus, AapTransition } from "./records.js";
import type { Schedule } from "./schedule.js";

/** The statuses after which nothing changes any more. */
export const TERMINAL_STATUSES: readonly AapJobStatus[] = [
  "successful",
  "failed",
  "error",
  "canceled",
];

/** Whether a status is terminal. */
export function isTerminalStatus(status: AapJobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** A job's state at one instant. */
export interface JobView {
  /** Status at the instant. */
  readonly status: AapJobStatus;
  /** Every status change up to the instant, at its scheduled time. */
  readonly transitions: AapTransition[];
  /** When it entered `running`, if it did by the instant. */
  readonly startedAt: number | undefined;
  /** When it became terminal, if it did by the instant. */
  readonly finishedAt: number | undefined;
  /** Whether it is terminal at the instant. */
  readonly terminal: boolean;
}

/** Every scheduled status change of a job, including future ones. */
export function scheduledTransitions(job: JobRecord, schedule: Schedule): AapTransition[] {
  const list: AapTransition[] = [{ status: "pending", at: job.createdAt }];
  if (!schedule.neverStarts) {
    if (job.kind === "job" && schedule.pendingEnd <= schedule.end) {
      list.push({ status: "waiting", at: schedule.pendingEnd });
    }
    if (schedule.runStart <= schedule.end) list.push({ status: "running", at: schedule.runStart });
  }
  if (Number.isFinite(schedule.end)) list.push({ status: schedule.outcome, at: schedule.end });
  return list;
}

/** The state of `job` at instant `at`. */
export function viewJob(job: JobRecord, schedule: Schedule, at: number): JobView {
  const transitions = scheduledTransitions(job, schedule).filter((step) => step.at <= at);
  const status = transitions.at(-1)?.status ?? "pending";
  const terminal = isTerminalStatus(status);
  return {
    status,
    transitions,
    startedAt: transitions.find((step) => step.status === "running")?.at,
    finishedAt: terminal ? schedule.end : undefined,
    terminal,
  };
}
