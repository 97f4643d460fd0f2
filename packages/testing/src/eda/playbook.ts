/**
 * The simulated playbooks: when a job of one of the rules' templates ends, whoever
 * launched it, its playbook writes back onto the Kubernetes resource through the API
 * (JSON merge patch with a resourceVersion precondition, re-read and retried on 409).
 *
 * @module
 */
import type { AapLedgerJob } from "../aap/records.js";
import type { Clock } from "../clock.js";
import type { AapClient } from "./aap-client.js";
import type { ClientResponse } from "./http-client.js";
import type { KubeClient, ObjectLocation } from "./kube-client.js";
import type { ResolvedPlaybook } from "./options.js";
import { asRecord, resourceKey } from "./payload.js";
import { planPlaybook, type PlaybookPlan, type PlaybookStep } from "./playbook-plan.js";
import type { EdaEffectChange, EdaEffectRecord, EdaEffectResource } from "./records.js";
import { EXTERNAL_EFFECTS } from "./types.js";

/** What the playbook runner needs. */
export interface PlaybookDeps {
  /** Playbook settings. */
  readonly settings: ResolvedPlaybook;
  /** Whether a job's template is one of the rules' templates. */
  readonly covers: (job: AapLedgerJob) => boolean;
  /** The Kubernetes API, if any. */
  readonly kube: KubeClient | undefined;
  /** The AAP API (for job explanations). */
  readonly aap: AapClient;
  /** Clock of the records. */
  readonly clock: Clock;
  /** Receives each effect record. */
  readonly record: (effect: EdaEffectRecord) => void;
}

/** The outcome of one write. */
type WriteResult = Pick<
  EdaEffectRecord,
  "changes" | "outcome" | "reason" | "httpStatus" | "attempts"
>;

/** Lost write-backs first, then by when they are due. */
function order(due: number | "lost"): number {
  return due === "lost" ? Number.NEGATIVE_INFINITY : due;
}

function statusMessage(response: ClientResponse): string {
  const message = asRecord(response.json)?.message;
  return typeof message === "string" ? message : response.text.slice(0, 200);
}

/** A request of a write task that failed: what it answered. */
interface StepFailure {
  readonly reason: string;
  readonly httpStatus?: number;
}

function refused(response: ClientResponse, what: string): StepFailure {
  return {
    httpStatus: response.status,
    reason: `${what} answered HTTP ${response.status}: ${statusMessage(response)}`,
  };
}

/**
 * The name of the reference playbooks' task that fails when `step` does, as
 * `tasks/failure.yml` puts it in the failure message: `tasks/finalizer.yml`'s check, or
 * `tasks/annotate.yml`'s write.
 */
function taskName(step: PlaybookStep): string {
  return step.kind === "finalizer"
    ? "Check that the finalizer was written"
    : `Write ${Object.keys(step.annotations).join(", ")}`;
}

/** What one write task did. */
interface StepResult {
  readonly attempts: number;
  readonly change?: EdaEffectChange;
  readonly failure?: StepFailure;
}

function finalizersOf(metadata: Record<string, unknown>): string[] {
  const list = metadata.finalizers;
  return Array.isArray(list) ? list.filter((f): f is string => typeof f === "string") : [];
}

/** The reason recorded for a write-back lost by an injected fault. */
export const LOST_WRITE_BACK = "write-back lost (injected fault)";

/**
 * How many jobs' playbooks write at once, at most; the jobs past it start as others end.
 *
 * Each AAP job runs its own playbook, concurrently with the others: AWX's task manager
 * starts every pending job that fits the instances' capacity, oldest first
 * (ansible/awx `docs/task_manager_system.md`, "Scheduler Algorithm";
 * `docs/docsite/rst/userguide/job_capacity.rst`: capacity is how many jobs an instance runs
 * simultaneously), and each started job is its own `ansible-playbook` process
 * (ansible/awx `docs/tasks.md`: "a background process ... forks some process (e.g.,
 * ansible-playbook)"). So the write-backs of jobs that ended together are made together, not
 * one after the other. The bound stands for the instances' capacity and keeps the
 * simulator's open requests finite; 32 is an assumption, not AWX's figure (which depends on
 * the instances' memory and CPU).
 */
export const PLAYBOOK_CONCURRENCY = 32;

/** Runs playbooks for the jobs that ended, each job once, several jobs at once. */
export class PlaybookRunner {
  readonly #deps: PlaybookDeps;
  readonly #seen = new Set<number>();
  /** Jobs whose write-back fault was asked for: when they write (epoch ms), or lost. */
  readonly #due = new Map<number, number | "lost">();
  /** The plays under way (each settles, never rejects). */
  readonly #inFlight = new Set<Promise<void>>();

  /** @param deps - Settings, clients, clock and the effect log. */
  constructor(deps: PlaybookDeps) {
    this.#deps = deps;
  }

  /**
   * Starts playing the effects of every covered job that is terminal and was not played yet,
   * once its write-back is due (see `EdaPlaybookOptions.writeBack`), each job's playbook on
   * its own and at most {@link PLAYBOOK_CONCURRENCY} at once (the rest wait for a later
   * call); a lost one is recorded `skipped` at once. Resolves when the plays this call
   * started have been recorded (each when it ends, so in the order they end); rejects with
   * the first of them that failed outside its writes (its job is not played again).
   */
  run(jobs: readonly AapLedgerJob[]): Promise<void> {
    const now = this.#deps.clock.now();
    const room = PLAYBOOK_CONCURRENCY - this.#inFlight.size;
    if (room <= 0) return Promise.resolve();
    const ended = jobs
      .filter((job) => job.finishedAt !== undefined && !this.#seen.has(job.id))
      .filter((job) => this.#deps.covers(job))
      .map((job) => ({ job, due: this.#dueOf(job) }))
      .filter(({ due }) => due === "lost" || due <= now)
      .sort((a, b) => order(a.due) - order(b.due) || a.job.id - b.job.id);
    const started: Promise<void>[] = [];
    for (const { job, due } of ended) {
      this.#seen.add(job.id);
      this.#due.delete(job.id);
      if (due === "lost") {
        this.#deps.record(this.#skipped(job, LOST_WRITE_BACK));
        continue;
      }
      if (started.length >= room) {
        // No room: played by a later call.
        this.#seen.delete(job.id);
        continue;
      }
      const play = this.#play(job).then((effect) => this.#deps.record(effect));
      const tracked = play.catch(() => undefined);
      this.#inFlight.add(tracked);
      void tracked.then(() => this.#inFlight.delete(tracked));
      started.push(play);
    }
    return Promise.all(started).then(() => undefined);
  }

  /** Resolves once no play is under way (those started so far have been recorded). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  #dueOf(job: AapLedgerJob): number | "lost" {
    // The real playbook wrote (or did not write) while the job ran: nothing is due.
    if (this.#deps.settings.effects === "external") return job.finishedAt ?? 0;
    const known = this.#due.get(job.id);
    if (known !== undefined) return known;
    const fault = this.#deps.settings.writeBack(job);
    const delay = fault?.delayMs ?? 0;
    if (!Number.isFinite(delay) || delay < 0) {
      throw new RangeError(`writeBack delayMs must be a non-negative number, got ${delay}`);
    }
    const due = fault?.lost === true ? "lost" : (job.finishedAt ?? 0) + delay;
    this.#due.set(job.id, due);
    return due;
  }

  /** The record of a job whose effects are not written here, and why. */
  #skipped(job: AapLedgerJob, reason: string): EdaEffectRecord {
    return {
      at: this.#deps.clock.now(),
      jobId: job.id,
      jobKind: job.kind,
      templateName: job.templateName,
      jobStatus: job.status,
      jobFinishedAt: job.finishedAt ?? this.#deps.clock.now(),
      ...(job.resourceKey === undefined ? {} : { resourceKey: job.resourceKey }),
      changes: [],
      outcome: "skipped",
      reason,
      attempts: 0,
    };
  }

  async #play(job: AapLedgerJob): Promise<EdaEffectRecord> {
    if (this.#deps.settings.effects === "external")
      // The real playbook writes its effects: nothing is written here.
      return this.#skipped(job, EXTERNAL_EFFECTS);
    const { settings, kube, aap, clock } = this.#deps;
    const plan = await planPlaybook(settings, job, async () => {
      const explanation = await aap.jobExplanation(job.kind, job.id);
      return explanation ?? `job ${job.id} ended ${job.status}`;
    });
    const base = {
      jobId: job.id,
      jobKind: job.kind,
      templateName: job.templateName,
      jobStatus: job.status,
      jobFinishedAt: job.finishedAt ?? clock.now(),
      ...(plan.resource
        ? { resource: plan.resource, resourceKey: resourceKey(plan.resource) }
        : {}),
      ...(plan.operation === undefined ? {} : { operation: plan.operation }),
      ...(plan.correlationId === undefined ? {} : { correlationId: plan.correlationId }),
    };
    if (plan.kind === "skip") {
      return {
        at: clock.now(),
        ...base,
        changes: [],
        outcome: "skipped",
        reason: plan.reason,
        attempts: 0,
      };
    }
    if (!kube) {
      const reason = "no Kubernetes connection: the playbook writes nothing";
      return { at: clock.now(), ...base, changes: [], outcome: "skipped", reason, attempts: 0 };
    }
    const result = await this.#write(kube, this.#location(plan.resource), plan);
    return { at: clock.now(), ...base, ...result };
  }

  #location(resource: EdaEffectResource): ObjectLocation {
    const plural = this.#deps.settings.plurals[resource.kind] ?? `${resource.kind.toLowerCase()}s`;
    return {
      apiVersion: resource.apiVersion,
      plural,
      namespace: resource.namespace,
      name: resource.name,
    };
  }

  /**
   * Runs the plan's write tasks in order; when one fails, the rest are left and the plan's
   * rescue runs (`block:`/`rescue:` of the reference playbooks), and the run is `failed`.
   */
  async #write(
    kube: KubeClient,
    location: ObjectLocation,
    plan: Extract<PlaybookPlan, { kind: "write" }>,
  ): Promise<WriteResult> {
    const changes: EdaEffectChange[] = [];
    let attempts = 0;
    let failedTask = "";
    const run = async (steps: readonly PlaybookStep[]): Promise<StepFailure | undefined> => {
      for (const step of steps) {
        failedTask = taskName(step);
        const result =
          step.kind === "annotate"
            ? await this.#annotate(kube, location, step.annotations, step.change)
            : await this.#finalizer(kube, location, step.action);
        attempts += result.attempts;
        if (result.change !== undefined) changes.push(result.change);
        if (result.failure) return result.failure;
      }
      return undefined;
    };
    try {
      const failure = await run(plan.steps);
      if (!failure)
        return { changes, attempts, outcome: changes.length > 0 ? "applied" : "unchanged" };
      // A rescue that fails too ends the run the same way: the job failed.
      if (plan.rescue) await run(plan.rescue(`${failedTask}: ${failure.reason}`));
      return {
        changes,
        attempts,
        outcome: "failed",
        reason: failure.reason,
        ...(failure.httpStatus === undefined ? {} : { httpStatus: failure.httpStatus }),
      };
    } catch (error) {
      return { changes, attempts, outcome: "failed", reason: (error as Error).message };
    }
  }

  /**
   * `tasks/annotate.yml`: `kubernetes.core.k8s` with `state: patched` reads the object and
   * sends a merge patch of the annotations only when one differs, with no resourceVersion
   * precondition (so a concurrent write never refuses it). On an object that is gone it only
   * warns and the task succeeds (kubernetes.core `plugins/module_utils/k8s/runner.py`
   * lines 144-151, as Debian's ansible 7.7.0 ships it): nothing to do. A refused write is not
   * retried, the rescue's failure annotation included: kubernetes.core 2.4.0's
   * `K8sService.patch_resource` (`plugins/module_utils/k8s/service.py` lines 143-165) turns
   * any exception of the client's patch (a 500 among them) into a `CoreException`, `update`
   * (lines 398-427) tries each of the task's merge types once (`merge_type: merge`: one), and
   * `tasks/annotate.yml` sets no `retries:`. A lost failure annotation leaves the provider to
   * learn of the failure from its timeout.
   */
  async #annotate(
    kube: KubeClient,
    location: ObjectLocation,
    wanted: Readonly<Record<string, string>>,
    change: EdaEffectChange,
  ): Promise<StepResult> {
    const read = await kube.get(location);
    if (read.status === 404) return { attempts: 0 };
    if (read.status !== 200) return { attempts: 0, failure: refused(read, "GET") };
    const metadata = asRecord(asRecord(read.json)?.metadata) ?? {};
    const current = asRecord(metadata.annotations) ?? {};
    if (Object.entries(wanted).every(([key, value]) => current[key] === value)) {
      return { attempts: 0 };
    }
    const written = await kube.mergePatch(location, { metadata: { annotations: wanted } });
    if (written.status === 200 || written.status === 201) return { attempts: 1, change };
    return { attempts: 1, failure: refused(written, "PATCH") };
  }

  /**
   * `tasks/finalizer.yml`: read, decide, and send a JSON patch whose first operation tests
   * the finalizer list just read (the resourceVersion when the object has none), so that
   * only a change of the list itself refuses it — not the operator's status writes, which
   * on every poll would otherwise starve the write. A refused test is a 422 (the API
   * server's `NewGenericServerResponse(422)` for a patch it cannot apply), a conflict a 409:
   * on either, read again and retry, up to `conflictRetries` more times (the reference
   * playbook makes `provisionkit_write_attempts`, 5, attempts in all). Adding is
   * nothing to do on an object being deleted (the API server refuses new finalizers then),
   * and anything is nothing to do on an object that is gone (`finalizer-attempt.yml`:
   * `not object`).
   */
  async #finalizer(
    kube: KubeClient,
    location: ObjectLocation,
    action: "add" | "remove",
  ): Promise<StepResult> {
    const { finalizer, conflictRetries } = this.#deps.settings;
    let attempts = 0;
    for (;;) {
      const read = await kube.get(location);
      if (read.status === 404) return { attempts };
      if (read.status !== 200) return { attempts, failure: refused(read, "GET") };
      const metadata = asRecord(asRecord(read.json)?.metadata) ?? {};
      const current = finalizersOf(metadata);
      const deleting =
        metadata.deletionTimestamp !== undefined && metadata.deletionTimestamp !== null;
      const has = current.includes(finalizer);
      if (action === "add" ? has || deleting : !has) return { attempts };
      const wanted =
        action === "add" ? [...current, finalizer] : current.filter((f) => f !== finalizer);
      attempts += 1;
      const precondition = Array.isArray(metadata.finalizers)
        ? { op: "test", path: "/metadata/finalizers", value: metadata.finalizers }
        : { op: "test", path: "/metadata/resourceVersion", value: metadata.resourceVersion };
      const written = await kube.jsonPatch(location, [
        precondition,
        { op: "add", path: "/metadata/finalizers", value: wanted },
      ]);
      if (written.status === 200 || written.status === 201) {
        return { attempts, change: action === "add" ? "finalizer-added" : "finalizer-removed" };
      }
      const refusedNow = written.status === 409 || written.status === 422;
      if (!refusedNow || attempts > conflictRetries) {
        const why = refused(written, "PATCH");
        return {
          attempts,
          failure: {
            ...why,
            reason: `could not ${action} finalizer ${finalizer} in ${attempts} attempts: ${why.reason}`,
          },
        };
      }
    }
  }
}
