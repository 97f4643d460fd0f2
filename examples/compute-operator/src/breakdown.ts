/**
 * Where each job's time went: the phases of its record's `timing` (docs/tracing.md), as one
 * compact row per job. The rows come from a {@link JobTracer} that keeps every job record
 * the controller reports ended (so that the jobs of resources deleted since are there too),
 * next to the job records still on the resources at the end.
 */
import {
  jobPhases,
  type JobPhaseName,
  type JobRecord,
  type JobTracer,
  type LaunchTrace,
  type ReconcileTrace,
} from "@provisionkit/core";
import type { Cell } from "./console.js";

/** One job record and the resource (`namespace/name`) it belongs to. */
export interface RecordedJob {
  resource: string;
  job: JobRecord;
}

/**
 * A {@link JobTracer} that keeps the record of every job the controller saw end (the
 * engine calls `jobEnded` once the status holding the end is written), and passes
 * everything on to `next` (e.g. `openTelemetryJobTracer()` from `@provisionkit/core/tracing`)
 * when given. One recorder may serve several controller instances one after another.
 */
export class JobRecorder implements JobTracer {
  private readonly ended = new Map<string, RecordedJob>();

  /** @param next - A tracer to pass every call on to. */
  constructor(private readonly next?: JobTracer) {}

  startLaunch(...args: Parameters<JobTracer["startLaunch"]>): LaunchTrace {
    return this.next?.startLaunch(...args) ?? { traceparent: undefined, end: () => {} };
  }

  jobEnded(resource: string, job: JobRecord): void {
    this.ended.set(jobKey(resource, job), { resource, job });
    this.next?.jobEnded(resource, job);
  }

  startReconcile(resource: string, at: number): ReconcileTrace {
    return (
      this.next?.startReconcile(resource, at) ?? { link: () => {}, step: () => {}, end: () => {} }
    );
  }

  /**
   * Every job recorded ended, with `current` (the job records still on the resources) for
   * jobs not seen to end; a job in both is taken from `current`, the later record.
   */
  jobs(current: readonly RecordedJob[] = []): RecordedJob[] {
    const all = new Map(this.ended);
    for (const entry of current) all.set(jobKey(entry.resource, entry.job), entry);
    return [...all.values()].sort(
      (a, b) =>
        Date.parse(a.job.launchedAt) - Date.parse(b.job.launchedAt) ||
        a.job.jobId.localeCompare(b.job.jobId),
    );
  }
}

const jobKey = (resource: string, job: JobRecord): string => `${resource} ${job.type} ${job.jobId}`;

/** What a `*` in the breakdown's RUNNING column means. */
export const BACKEND_ONLY_NOTE =
  "* no backend times in the record: RUNNING is launch answered → end seen (docs/tracing.md)";

/** The columns of the breakdown, in the order of {@link jobPhases}. */
const COLUMNS: readonly { title: string; phases: readonly JobPhaseName[] }[] = [
  { title: "QUEUED", phases: ["queued"] },
  { title: "PREPARE", phases: ["prepare"] },
  { title: "LAUNCH", phases: ["launch"] },
  { title: "BACKEND-QUEUED", phases: ["backend-queued"] },
  { title: "RUNNING", phases: ["running", "backend"] },
  { title: "DETECTION", phases: ["detection"] },
  { title: "STATUS-WRITE", phases: ["status-write"] },
];

/** A job id cut to 24 characters (an EdaProvider's ids run to a hundred). */
export function shortJobId(jobId: string): string {
  return jobId.length > 24 ? `${jobId.slice(0, 23)}…` : jobId;
}

/** A duration as the breakdown shows it: `12ms`, `3.4s`. */
export function duration(ms: number): string {
  return Math.abs(ms) < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/** One job's phase durations by column title, and its total (first instant to last), ms. */
export function breakdownOf(job: JobRecord): {
  phases: Partial<Record<string, number>>;
  totalMs: number | undefined;
  /** No backend times were reported: RUNNING is the `backend` phase (launch answered → end seen). */
  backendOnly: boolean;
} {
  const phases: Partial<Record<string, number>> = {};
  let backendOnly = false;
  let first: number | undefined;
  let last: number | undefined;
  for (const phase of jobPhases(job)) {
    const column = COLUMNS.find((c) => c.phases.includes(phase.name));
    if (column === undefined || phase.endMs === undefined) continue;
    phases[column.title] = phase.endMs - phase.startMs;
    if (phase.name === "backend") backendOnly = true;
    first = Math.min(first ?? phase.startMs, phase.startMs);
    last = Math.max(last ?? phase.endMs, phase.endMs);
  }
  return {
    phases,
    totalMs: first === undefined || last === undefined ? undefined : last - first,
    backendOnly,
  };
}

/**
 * The breakdown table: one row per job (resource, job, type, state, total, then each
 * phase; `-` for a phase not recorded, e.g. the launch of a job adopted after a restart;
 * `*` on RUNNING when the provider reported no backend times, so that it is the whole
 * `backend` phase, launch answered → end seen: {@link BACKEND_ONLY_NOTE}).
 *
 * @param jobs - The jobs, in launch order ({@link JobRecorder.jobs}).
 * @param nameOf - How a resource key is shown (e.g. without its namespace).
 */
export function breakdownRows(
  jobs: readonly RecordedJob[],
  nameOf: (resource: string) => string = (resource) => resource,
): Cell[][] {
  const header = ["RESOURCE", "JOB", "TYPE", "STATE", "TOTAL", ...COLUMNS.map((c) => c.title)];
  const rows: Cell[][] = [header.map((text) => ({ text, tone: "dim" }))];
  for (const { resource, job } of jobs) {
    const { phases, totalMs, backendOnly } = breakdownOf(job);
    rows.push([
      { text: nameOf(resource), tone: "bold" },
      { text: shortJobId(job.jobId) },
      { text: job.type },
      {
        text: job.state,
        tone: job.state === "Succeeded" ? "good" : job.state === "Failed" ? "bad" : "note",
      },
      { text: totalMs === undefined ? "-" : duration(totalMs) },
      ...COLUMNS.map((c): Cell => {
        const ms = phases[c.title];
        if (ms === undefined) return { text: "-", tone: "dim" };
        return { text: `${duration(ms)}${backendOnly && c.title === "RUNNING" ? "*" : ""}` };
      }),
    ]);
  }
  return rows;
}

/**
 * The jobs of `ledger` (a backend's own list, e.g. the AAP simulator's) that no recorded
 * job stands for: `jobIdOf` gives the id the operator records for one (`job:1001`).
 */
export function jobsWithoutRecord<J extends { resourceKey?: string | undefined }>(
  ledger: readonly J[],
  jobs: readonly RecordedJob[],
  jobIdOf: (job: J) => string,
): J[] {
  return ledger.filter(
    (job) =>
      !jobs.some(
        (recorded) => recorded.resource === job.resourceKey && recorded.job.jobId === jobIdOf(job),
      ),
  );
}
