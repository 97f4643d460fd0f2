/**
 * Created jobs, their lazily computed schedules, and the test controls acting on them.
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

/** Every job ever created (one id sequence for jobs and workflow jobs). */
export class JobStore {
  readonly #jobs = new Map<number, JobRecord>();
  readonly #byTemplate = new Map<number, JobRecord[]>();
  #schedules = new Map<number, Schedule>();
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
    const siblings = this.#byTemplate.get(job.template.id) ?? [];
    siblings.push(record);
    this.#byTemplate.set(job.template.id, siblings);
    this.#invalidate();
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

  /** The schedule of a job (cached until the next change to any job). */
  schedule(job: JobRecord): Schedule {
    let schedule = this.#schedules.get(job.id);
    if (!schedule) {
      this.#computeTemplate(job.template);
      schedule = this.#schedules.get(job.id);
    }
    if (!schedule) throw new Error(`job ${job.id} is not in the store`);
    return schedule;
  }

  /**
   * The earliest earlier job of the same template still active at `at`: the job holding
   * this one `pending` when its template does not allow simultaneous jobs.
   */
  blockerOf(job: JobRecord, at: number): JobRecord | undefined {
    if (job.template.allowSimultaneous) return undefined;
    const siblings = this.#byTemplate.get(job.template.id) ?? [];
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
    this.#invalidate();
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
    this.#invalidate();
  }

  /** Removes a job from the API at `at`; it stays in the ledger and its timeline goes on. */
  purge(job: JobRecord, at: number): void {
    job.purgedAt ??= at;
  }

  #invalidate(): void {
    this.#schedules = new Map();
  }

  #computeTemplate(template: TemplateRecord): void {
    let release = -Infinity;
    for (const job of this.#byTemplate.get(template.id) ?? []) {
      const schedule = computeSchedule(job, template.allowSimultaneous ? -Infinity : release);
      this.#schedules.set(job.id, schedule);
      release = Math.max(release, schedule.end);
    }
  }
}
