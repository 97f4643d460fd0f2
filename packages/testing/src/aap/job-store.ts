/**
 * Created jobs, their lazily computed schedules, and the test controls acting on them.
 *
 * Schedules are cached and recomputed incrementally: a job's schedule depends on its own
 * script and end overrides and, when its template does not allow simultaneous jobs, on
 * the ends of the template's earlier jobs (the running maximum `release`, see
 * schedule.ts). So a change to one job (a cancel request, `finishJob`) can only affect
 * that job and, in a template that does not allow simultaneous jobs, the template's
 * later jobs; a new job affects no other job (it is always the template's last). Each
 * template keeps its jobs in creation order with the prefix of schedules known to be
 * current; a read recomputes from the end of that prefix up to the job read, reusing a
 * cached schedule whenever its inputs (the job, unchanged since, and the release it was
 * computed with) are the same. The result is the full recomputation's, at a cost that
 * does not grow with the number of jobs (job-store.test.ts checks the equality on random
 * operation sequences).
 *
 * @module
 */
import { viewJob, type JobView } from "./job-view.js";
import type { JobRecord, ResolvedScript, TemplateRecord } from "./model.js";
import { computeSchedule, type Schedule } from "./schedule.js";
import type { AapFinishDetails, AapJobKind, AapOutcome } from "./types.js";

/** What a new job is made of; the store assigns id and kind. */
export interface NewJob {
  /** The launched template. */
  template: TemplateRecord;
  /** Creation time. */
  createdAt: number;
  /** Extra vars the job holds. */
  extraVars: Record<string, unknown>;
  /** `survey_passwords`. */
  surveyPasswords: Record<string, string>;
  /** `ignored_fields` of the launch. */
  ignoredFields: Record<string, unknown>;
  /** `limit`. */
  limit: string | null;
  /** `inventory`. */
  inventory: number | null;
  /** How it plays out. */
  script: ResolvedScript;
}

/** One template's jobs in creation order and what is known of their schedules. */
interface TemplateQueue {
  /** Whether jobs wait for the template's earlier jobs (`allow_simultaneous` false). */
  readonly serial: boolean;
  /** The jobs, in creation (= id) order. */
  readonly jobs: JobRecord[];
  /** A job's position in `jobs`, by id. */
  readonly index: Map<number, number>;
  /**
   * The cached schedules: `undefined` where the job changed since (or was never computed);
   * for a serial template, an entry at or past `valid` may also be stale through its
   * `release`.
   */
  readonly schedules: (Schedule | undefined)[];
  /** The `release` each cached schedule was computed with. */
  readonly releases: number[];
  /** Serial templates: `schedules[0..valid)` are current. */
  valid: number;
}

/** Every job ever created (one id sequence for jobs and workflow jobs). */
export class JobStore {
  readonly #jobs = new Map<number, JobRecord>();
  readonly #byTemplate = new Map<number, TemplateQueue>();
  // Job ids start far from template ids so that a client mixing them up gets a 404.
  #nextId = 1001;

  /** The id the next created job will get. */
  peekId(): number {
    return this.#nextId;
  }

  /** Creates a job. */
  create(job: NewJob): JobRecord {
    const kind: AapJobKind = job.template.kind === "job_template" ? "job" : "workflow_job";
    const record: JobRecord = { ...job, id: this.#nextId++, kind };
    this.#jobs.set(record.id, record);
    let queue = this.#byTemplate.get(job.template.id);
    if (!queue) {
      queue = {
        serial: !job.template.allowSimultaneous,
        jobs: [],
        index: new Map(),
        schedules: [],
        releases: [],
        valid: 0,
      };
      this.#byTemplate.set(job.template.id, queue);
    }
    // The new job is the template's last: no other job's schedule depends on it.
    queue.index.set(record.id, queue.jobs.length);
    queue.jobs.push(record);
    queue.schedules.push(undefined);
    queue.releases.push(-Infinity);
    return record;
  }

  /** The job with this id, purged or not. */
  get(id: number): JobRecord | undefined {
    return this.#jobs.get(id);
  }

  /** Every job, by id. */
  all(): JobRecord[] {
    return [...this.#jobs.values()];
  }

  /** The state of a job at instant `at`. */
  view(job: JobRecord, at: number): JobView {
    return viewJob(job, this.schedule(job), at);
  }

  /** The schedule of a job (cached; recomputed only where a change can have affected it). */
  schedule(job: JobRecord): Schedule {
    const queue = this.#byTemplate.get(job.template.id);
    const position = queue?.index.get(job.id);
    if (!queue || position === undefined) throw new Error(`job ${job.id} is not in the store`);
    if (!queue.serial) {
      const cached = queue.schedules[position];
      if (cached) return cached;
      const schedule = computeSchedule(job, -Infinity);
      queue.schedules[position] = schedule;
      return schedule;
    }
    return this.#computeSerial(queue, position);
  }

  /**
   * The earliest earlier job of the same template still active at `at`: the job holding
   * this one `pending` when its template does not allow simultaneous jobs.
   */
  blockerOf(job: JobRecord, at: number): JobRecord | undefined {
    if (job.template.allowSimultaneous) return undefined;
    const siblings = this.#byTemplate.get(job.template.id)?.jobs ?? [];
    return siblings.find((other) => other.id < job.id && !this.view(other, at).terminal);
  }

  /**
   * Records a cancel request at `at` (the first one counts; AWX sets `cancel_flag` once,
   * `awx/main/models/unified_jobs.py:1489-1500`).
   *
   * - A job still `pending` (a workflow job included) has no dispatcher task yet, so the
   *   request itself writes `canceled` (`unified_jobs.py:1503-1514`); with `pendingCancel`
   *   `"task-manager"` (newer AWX) the task manager's next cycle does, `cancelDelayMs`
   *   later but never after the job would have left `pending`, with "This job was canceled
   *   before it started." (github.com/ansible/awx/pull/16325).
   * - A `waiting`/`running` job has one (`awx/main/scheduler/task_manager.py:512`): the
   *   dispatcher acks the SIGTERM and the runner's cleanup ends it `cancelDelayMs` later
   *   as `cancelEndsAs`.
   * - A `running` workflow job's dispatcher check always "acks" (`awx/main/models/workflow.py:786-789`);
   *   the workflow manager cancels its node jobs and writes `canceled` only once they have
   *   all concluded (`task_manager.py:183-192`, `dag_workflow.py:116-126`): `cancelDelayMs`
   *   later, always `canceled`.
   */
  cancel(job: JobRecord, at: number, pendingCancel: "in-request" | "task-manager"): void {
    if (job.cancelRequestedAt !== undefined) return;
    const schedule = this.schedule(job);
    const { status } = this.view(job, at);
    job.cancelRequestedAt = at;
    const pending = status === "pending" || status === "new";
    const delay = job.script.cancelDelayMs;
    if (pending && pendingCancel === "in-request") {
      job.cancelEnd = { at, outcome: "canceled", cause: "cancel" };
    } else if (pending) {
      job.cancelEnd = {
        at: Math.max(at, Math.min(at + delay, schedule.pendingEnd)),
        outcome: "canceled",
        cause: "cancel",
        explanation: "This job was canceled before it started.",
        beforeStart: true,
      };
    } else {
      const outcome = job.kind === "workflow_job" ? "canceled" : job.script.cancelEndsAs;
      job.cancelEnd = { at: at + delay, outcome, cause: "cancel" };
    }
    this.#changed(job);
  }

  /** Ends an active job at `at` with `outcome`. */
  finish(job: JobRecord, outcome: AapOutcome, at: number, details: AapFinishDetails = {}): void {
    job.forcedEnd = {
      at,
      outcome,
      cause: "forced",
      ...(details.jobExplanation === undefined ? {} : { explanation: details.jobExplanation }),
      ...(details.resultTraceback === undefined ? {} : { traceback: details.resultTraceback }),
    };
    this.#changed(job);
  }

  /** Removes a job from the API at `at`; it stays in the ledger and its timeline goes on. */
  purge(job: JobRecord, at: number): void {
    job.purgedAt ??= at;
  }

  /** Drops what a change to `job` (its end overrides) can have made stale. */
  #changed(job: JobRecord): void {
    const queue = this.#byTemplate.get(job.template.id);
    const position = queue?.index.get(job.id);
    if (!queue || position === undefined) return;
    queue.schedules[position] = undefined;
    // In a serial template the later jobs' release may move: they are no longer known to
    // be current (their cached schedules stay, to be reused when their release is unchanged).
    if (queue.serial) queue.valid = Math.min(queue.valid, position);
  }

  /**
   * The schedule of the job at `position` of a serial template: the schedules from the end
   * of the current prefix up to it are brought up to date, each with the running maximum
   * of its earlier jobs' ends as its release (schedule.ts).
   */
  #computeSerial(queue: TemplateQueue, position: number): Schedule {
    if (position < queue.valid) {
      const current = queue.schedules[position];
      if (current) return current;
    }
    let release = -Infinity;
    if (queue.valid > 0) {
      const before = queue.schedules[queue.valid - 1];
      if (before) release = Math.max(queue.releases[queue.valid - 1] ?? -Infinity, before.end);
    }
    let result: Schedule | undefined;
    for (let i = queue.valid; i <= position; i++) {
      const job = queue.jobs[i];
      if (!job) break;
      let schedule = queue.schedules[i];
      if (!schedule || queue.releases[i] !== release) {
        schedule = computeSchedule(job, release);
        queue.schedules[i] = schedule;
        queue.releases[i] = release;
      }
      result = schedule;
      release = Math.max(release, schedule.end);
    }
    queue.valid = Math.max(queue.valid, position + 1);
    if (!result) throw new Error(`job at ${position} is not in the store`);
    return result;
  }
}
