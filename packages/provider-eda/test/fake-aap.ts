/**
 * An in-memory implementation of the structural `EdaAapJobs` interface: jobs with EDA-shaped
 * extra vars, `extra_vars__icontains` as a case-insensitive substring match on the JSON
 * text (as AWX filters the stored text), AWX cancel semantics (a pending job is cancelled
 * at once, a running one records `canceled_on`, a terminal one is not cancelable).
 */
import { JobNotFoundError } from "@provisionkit/core";
import type {
  EdaAapJob,
  EdaAapJobKind,
  EdaAapJobRef,
  EdaAapJobs,
  EdaAapListOptions,
} from "../src/index.ts";

const TERMINAL = new Set(["successful", "failed", "error", "canceled"]);

/** The fake AAP. */
export class FakeAapJobs implements EdaAapJobs {
  readonly jobs: EdaAapJob[] = [];
  /** Every call, as `list <kind> <filters>`, `get <kind>:<id>`, `cancel <kind>:<id>`. */
  readonly calls: string[] = [];
  #nextId = 100;

  /** A job EDA launched for the event whose body the webhook received. */
  launch(body: string, overrides: Partial<EdaAapJob> = {}): EdaAapJob {
    const payload: unknown = JSON.parse(body);
    const job: EdaAapJob = {
      id: this.#nextId++,
      kind: "job",
      status: "pending",
      failed: false,
      name: "create-compute-instance",
      created: "2026-01-01T00:00:05.000Z",
      started: null,
      finished: null,
      jobExplanation: "",
      resultTraceback: "",
      extraVars: {
        ansible_eda: {
          ruleset: "provisionkit",
          rule: "create",
          event: { payload, meta: { endpoint: "create-compute-instance" } },
        },
      },
      ...overrides,
    };
    this.jobs.push(job);
    return job;
  }

  /** Changes a job. */
  update(id: number, change: Partial<EdaAapJob>): void {
    const job = this.jobs.find((j) => j.id === id);
    if (!job) throw new Error(`no job ${id}`);
    Object.assign(job, change);
  }

  listJobs(
    kind: EdaAapJobKind,
    filters: Record<string, string | number>,
    options: EdaAapListOptions = {},
  ): Promise<{ jobs: EdaAapJob[]; complete: boolean }> {
    this.calls.push(`list ${kind} ${JSON.stringify(filters)}`);
    const needle = String(filters.extra_vars__icontains ?? "").toLowerCase();
    const matched = this.jobs
      .filter((j) => j.kind === kind)
      .filter((j) =>
        JSON.stringify(j.extraVars ?? {})
          .toLowerCase()
          .includes(needle),
      )
      .sort((a, b) => (filters.order_by === "-id" ? b.id - a.id : a.id - b.id));
    const size = (options.pageSize ?? 25) * (options.maxPages ?? 10);
    return Promise.resolve({
      jobs: matched.slice(0, size).map((j) => structuredClone(j)),
      complete: matched.length <= size,
    });
  }

  getJob(ref: EdaAapJobRef): Promise<EdaAapJob> {
    this.calls.push(`get ${ref.kind}:${ref.id}`);
    const job = this.jobs.find((j) => j.kind === ref.kind && j.id === ref.id);
    if (!job) return Promise.reject(new JobNotFoundError(String(ref.id)));
    return Promise.resolve(structuredClone(job));
  }

  cancelJob(ref: EdaAapJobRef): Promise<"requested" | "not-cancelable"> {
    this.calls.push(`cancel ${ref.kind}:${ref.id}`);
    const job = this.jobs.find((j) => j.kind === ref.kind && j.id === ref.id);
    if (!job) return Promise.reject(new JobNotFoundError(String(ref.id)));
    if (TERMINAL.has(job.status)) return Promise.resolve("not-cancelable");
    if (job.status === "pending" || job.status === "new") {
      Object.assign(job, { status: "canceled", failed: true, finished: "2026-01-01T00:01:00Z" });
    } else {
      job.canceledOn = "2026-01-01T00:01:00Z";
    }
    return Promise.resolve("requested");
  }

  /** How many calls start with `prefix`. */
  count(prefix: string): number {
    return this.calls.filter((c) => c.startsWith(prefix)).length;
  }
}
